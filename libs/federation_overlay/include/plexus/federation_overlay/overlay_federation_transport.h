// OverlayFederationTransport: the FederationTransport for key-named servers (DESIGN.md §5,
// docs/overlay.md). The destination's name is the hex of its node key; each request opens one
// overlay stream to that key, writes an HTTP/1.1 request with `Connection: close`, finishes
// the stream and reads the response until it is complete. The overlay session authenticates
// both ends, so there is no TLS; the receiving OverlayFederationServer checks that the X-Matrix
// origin is the key the session proved.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "plexus/federation/federation_transport.h"
#include "plexus/federation_overlay/overlay_stream_port.h"

namespace plexus::federation_overlay {

struct OverlayFederationTransportOptions {
  // Caps OutboundRequest::timeoutMs.
  std::chrono::milliseconds maxRequestTimeout{120'000};
  // Caps OutboundRequest::maxResponseBytes (the body; the header has its own limit).
  std::size_t maxResponseBytes = 64 * 1024 * 1024;
  std::size_t maxResponseHeaderBytes = 64 * 1024;
};

class OverlayFederationTransport final : public federation::FederationTransport {
 public:
  // `port` must outlive this.
  explicit OverlayFederationTransport(OverlayStreamPort& port,
                                      OverlayFederationTransportOptions options = {});

  // FederationTransport. `destination` must be a key-named server (federation::isKeyNamedServer).
  // Blocks the calling thread until the response is complete or request.timeoutMs (capped by
  // maxRequestTimeout) passes; the stream work runs on the overlay thread meanwhile. On timeout
  // the stream is reset. Errors (all kUnavailable, the message starts with the destination): a
  // name that is not key-named, a call from the overlay thread (it would wait on itself), request
  // fields that cannot go on the wire (CR/LF in a header, a bad method or target), no stream, a
  // stream reset by the peer or by session loss (an unreachable node), timeout, a response
  // header or body over its limit, a malformed response or one cut short. Thread-safe.
  Result<federation::OutboundResponse> send(std::string_view destination,
                                            const federation::OutboundRequest& request) override;

 private:
  OverlayStreamPort& port_;
  OverlayFederationTransportOptions options_;
};

}  // namespace plexus::federation_overlay
