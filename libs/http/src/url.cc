// parseUrl: absolute http(s) URLs for the Client. Deliberately strict: outbound URLs come from
// users (pushers) and peers, so anything unusual is refused rather than guessed at.
#include <charconv>

#include "plexus/http/client.h"

namespace plexus::http {

Result<Url> parseUrl(std::string_view url) {
  Url out;
  if (url.starts_with("https://")) {
    out.scheme = Scheme::kHttps;
    out.port = 443;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return fail(ErrorCode::kInvalidParam, "URL is not http:// or https://");
  }
  if (url.find('#') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidParam, "fragment in URL");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return fail(ErrorCode::kInvalidParam, "space or control character in URL");
    }
  }
  const std::size_t pathStart = url.find_first_of("/?");
  std::string_view authority = url.substr(0, pathStart);
  if (pathStart != std::string_view::npos) {
    std::string_view rest = url.substr(pathStart);
    if (rest.front() != '?') out.target.clear();  // else keep the "/" before the query
    out.target.append(rest);
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidParam, "credentials in URL");
  }
  std::string_view host = authority;
  std::string_view port;
  bool hasPort = false;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(ErrorCode::kInvalidParam, "bad IPv6 host");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(ErrorCode::kInvalidParam, "bad host in URL");
      port = rest.substr(1);
      hasPort = true;
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    hasPort = true;
    if (host.find(':') != std::string_view::npos) {
      return fail(ErrorCode::kInvalidParam, "IPv6 host without brackets");
    }
  }
  if (host.empty()) return fail(ErrorCode::kInvalidParam, "no host in URL");
  out.host = std::string(host);
  if (hasPort) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return fail(ErrorCode::kInvalidParam, "bad port in URL");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace plexus::http
