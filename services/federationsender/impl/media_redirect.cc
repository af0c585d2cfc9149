// The default MediaRedirectFetcher over plexus::http::Client (see media_redirect.h).
#include "federationsender/impl/media_redirect.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>

#include "plexus/http/client.h"

namespace plexus::federationsender {
namespace {

bool privateV4(const std::array<unsigned char, 4>& a) {
  return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
         (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
         (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
}

}  // namespace

bool isPrivateHost(std::string_view host) {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  while (!h.empty() && h.back() == '.') h.pop_back();
  if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return true;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, h.c_str(), v4.data()) == 1) return privateV4(v4);
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, h.c_str(), v6.data()) != 1) return false;  // a name
  static constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), v6.begin())) {
    return privateV4({v6[12], v6[13], v6[14], v6[15]});
  }
  const bool zeroPrefix =
      std::all_of(v6.begin(), v6.begin() + 15, [](unsigned char c) { return c == 0; });
  if (zeroPrefix && (v6[15] == 0 || v6[15] == 1)) return true;  // :: and ::1
  return (v6[0] & 0xfe) == 0xfc ||                              // fc00::/7 unique local
         (v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80) ||           // fe80::/10 link-local
         v6[0] == 0xff;                                         // multicast
}

MediaRedirectFetcher makeHttpRedirectFetcher(HttpRedirectFetcherOptions options) {
  return [options](const std::string& url, std::int64_t timeoutMs,
                   std::size_t maxBytes) -> Result<RedirectAnswer> {
    PLEXUS_TRY(http::Url parsed, http::parseUrl(url));
    if (parsed.scheme == http::Scheme::kHttp && !options.allowPlainHttp) {
      return fail(ErrorCode::kInvalidParam, "media redirect to a plain http URL refused");
    }
    if (!options.allowPrivateAddresses && isPrivateHost(parsed.host)) {
      return fail(ErrorCode::kInvalidParam, "media redirect to a private address refused");
    }
    http::ClientOptions client;
    const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(1, timeoutMs));
    client.connectTimeout = std::min(timeout, std::chrono::milliseconds(10'000));
    client.requestTimeout = timeout;
    client.maxResponseBytes = maxBytes;
    client.tls.verifyPeer = options.verifyTls;
    http::Client http(parsed.scheme, parsed.host, parsed.port, client);
    auto answer = http.get(parsed.target);
    if (!answer.ok()) {
      Error error = answer.error();
      if (error.code != ErrorCode::kTooLarge) error.code = ErrorCode::kUnavailable;
      error.message = "media redirect: " + error.message;
      return Unexpected{std::move(error)};
    }
    RedirectAnswer out;
    out.status = answer->status;
    if (auto type = answer->headers.get("Content-Type")) out.contentType = std::string(*type);
    if (auto disposition = answer->headers.get("Content-Disposition")) {
      out.contentDisposition = std::string(*disposition);
    }
    out.body = std::move(answer->body);
    return out;
  };
}

}  // namespace plexus::federationsender
