// FederationRequester: one signed Server-Server API request. It serialises the JSON body,
// signs the request with X-Matrix (origin, destination, method, uri, content) using the current
// signing key, sends it through a FederationTransport and turns the answer into JSON or into an
// Error that keeps the remote Matrix meaning. Services build the typed endpoints on top.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/federation/federation_transport.h"
#include "plexus/json/value.h"

namespace plexus::federation {

// The key requests are signed with now (it may rotate).
struct RequestSigningKey {
  std::string keyId;  // "ed25519:..."
  crypto::SigningKey key;
};
using RequestSigningKeySource = std::function<RequestSigningKey()>;

class FederationRequester {
 public:
  // `transport` must outlive this.
  FederationRequester(FederationTransport& transport, std::string ourServerName,
                      RequestSigningKeySource signingKey);

  // Sends `method uri` with `body` (nullptr: no body) to `destination` and returns the parsed
  // answer of a 2xx status. `uri` is path and query, already percent-encoded (see
  // encodeUriComponent); it is signed exactly as given. The body goes out as canonical JSON with
  // `Content-Type: application/json`. Errors:
  // - kUnavailable: transport failure (no address, connection, TLS, timeout, oversized answer),
  //   any 5xx, and 429; the remote `error` message is kept and `retry_after_ms` (or a
  //   Retry-After header in seconds) is copied into Error::retryAfterMs;
  // - a 3xx/4xx answer with Matrix error JSON: the ErrorCode of its errcode (every errcode of
  //   the core error table: M_FORBIDDEN -> kForbidden, M_NOT_FOUND -> kNotFound,
  //   M_INCOMPATIBLE_ROOM_VERSION -> kIncompatibleRoomVersion, M_LIMIT_EXCEEDED ->
  //   kLimitExceeded, ...) with the remote `error` as message; unknown errcodes -> kUnknown
  //   with "ERRCODE: message";
  // - a 404/405 without error JSON -> kUnrecognized; other statuses without it -> kUnknown;
  // - kNotJson for a 2xx answer that is not JSON (numbers are parsed leniently: remote events
  //   of old room versions may hold floats or big integers).
  // Thread-safe when the transport and the key source are.
  Result<json::Value> request(std::string_view destination, std::string_view method,
                              std::string_view uri, const json::Value* body,
                              std::int64_t timeoutMs = 30'000);

  // For answers that are not JSON (media: multipart/mixed or raw bytes).
  struct RawOptions {
    std::size_t maxResponseBytes = 16 << 20;  // the transport fails (kUnavailable) past it
    // false: no Authorization header (the deprecated unauthenticated media endpoints).
    bool sign = true;
  };
  // Like request() without a body, but a 2xx answer comes back as it arrived (status, headers,
  // body) instead of being parsed. Errors as request() (no kNotJson). Thread-safe as request().
  Result<OutboundResponse> requestRaw(std::string_view destination, std::string_view method,
                                      std::string_view uri, std::int64_t timeoutMs,
                                      const RawOptions& options);

  const std::string& ourServerName() const { return ourServerName_; }

 private:
  FederationTransport& transport_;
  std::string ourServerName_;
  RequestSigningKeySource signingKey_;
};

// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
std::string encodeUriComponent(std::string_view value);

}  // namespace plexus::federation
