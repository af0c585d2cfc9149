// parseRedisUrl() and redactedRedisUrl() (redis_streams_bus.h).
#include <charconv>
#include <string>

#include "plexus/bus/redis_streams_bus.h"

namespace plexus::bus {
namespace {

bool parseInt(std::string_view text, int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<RedisOptions> parseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme)
    return fail(ErrorCode::kInvalidParam, "Redis URL must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisOptions options;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!parseInt(db, options.db) || options.db < 0))
      return fail(ErrorCode::kInvalidParam, "Redis URL: bad database number");
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = credentials.find(':'); colon != std::string_view::npos) {
      options.username = std::string(credentials.substr(0, colon));
      options.password = std::string(credentials.substr(colon + 1));
    } else {
      options.password = std::string(credentials);
    }
  }
  if (rest.empty()) return fail(ErrorCode::kInvalidParam, "Redis URL: no host");
  std::string_view host = rest;
  if (rest.front() == '[') {  // [v6]:port
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return fail(ErrorCode::kInvalidParam, "Redis URL: unclosed [");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return fail(ErrorCode::kInvalidParam, "Redis URL: bad port");
    if (!rest.empty() && (!parseInt(rest.substr(1), options.port)))
      return fail(ErrorCode::kInvalidParam, "Redis URL: bad port");
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    if (!parseInt(rest.substr(colon + 1), options.port))
      return fail(ErrorCode::kInvalidParam, "Redis URL: bad port");
  }
  if (host.empty() || options.port <= 0 || options.port > 65535)
    return fail(ErrorCode::kInvalidParam, "Redis URL: bad host or port");
  options.host = std::string(host);
  return options;
}

std::string redactedRedisUrl(std::string_view url) {
  std::string out(url);
  auto at = out.rfind('@');
  auto start = out.find("://");
  if (at == std::string::npos || start == std::string::npos || at < start) return out;
  auto colon = out.find(':', start + 3);
  const std::size_t from = (colon != std::string::npos && colon < at) ? colon + 1 : start + 3;
  out.replace(from, at - from, "***");
  return out;
}

}  // namespace plexus::bus
