// FederationTransport: carries one HTTP request to another server and brings back the answer.
// DESIGN.md §5: chosen per destination — HTTPS after server discovery for DNS names
// (libs/federation_https), the overlay for key-named nodes, relays later. A transport knows
// nothing about signing or JSON; FederationRequester (federation_requester.h) adds those.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::federation {

struct OutboundRequest {
  std::string method;  // "GET", "PUT", "POST"
  std::string uri;     // path and query, already percent-encoded: "/_matrix/federation/v1/..."
  std::vector<std::pair<std::string, std::string>> headers;  // Authorization, Content-Type...
  std::string body;                                          // empty for GET
  // The whole exchange, connect included (an uncached server discovery may come on top).
  std::int64_t timeoutMs = 30'000;
  std::size_t maxResponseBytes = 16 << 20;
};

struct OutboundResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class FederationTransport {
 public:
  virtual ~FederationTransport() = default;
  // Sends the request to `destination` (a server name) and returns whatever HTTP status came
  // back. Errors: kUnavailable (no address, connection or TLS failure, timeout, oversized or
  // malformed answer). Thread-safe.
  virtual Result<OutboundResponse> send(std::string_view destination,
                                        const OutboundRequest& request) = 0;
};

}  // namespace plexus::federation
