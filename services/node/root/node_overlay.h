// NodeOverlay: the overlay side of a node with p2p enabled (issue 6) — the OverlayNode (peer
// links, router, end-to-end sessions, LAN discovery) built from config.p2p, the federation
// transport that carries requests to key-named servers over it, and, once the federation routes
// exist, the server that answers requests arriving on overlay streams with those same routes.
#pragma once

#include <atomic>
#include <memory>

#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/federation/federation_transport.h"
#include "plexus/federation_overlay/overlay_stream_port.h"
#include "plexus/http/responder.h"
#include "plexus/http/server.h"
#include "plexus/overlay/overlay_node.h"

namespace plexus::federation_overlay {
class OverlayFederationTransport;
class OverlayFederationServer;
}  // namespace plexus::federation_overlay

namespace plexus::node {

class NodeOverlay final : public federation_overlay::OverlayStreamPort {
 public:
  // Starts the overlay with `key` as the node key (a key-named server's signing key; a
  // DNS-named server peering on the overlay uses its signing key too). Errors: kInvalidParam
  // for a bad p2p.overlay_listen or peer address, kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<NodeOverlay>> start(const config::P2pSection& p2p,
                                                    const crypto::SigningKey& key);
  ~NodeOverlay() override;  // stop()

  // Carries federation requests to key-named destinations (for the TransportSelector).
  federation::FederationTransport& transport();
  // Answers requests that arrive on overlay streams with `handler` (the federation router's
  // dispatch), under the HTTPS listener's request limits.
  void serve(http::Handler handler, const http::ParserLimits& limits,
             http::BodyLimitFor bodyLimitFor);
  // Stops the overlay: links closed, thread joined; later openStream calls fail at once.
  void stop();
  overlay::OverlaySnapshot snapshot() const;
  overlay::OverlayNode& node() { return *node_; }

  // federation_overlay::OverlayStreamPort
  void openStream(const crypto::PublicKey& destination, StreamDone done) override;
  void post(std::function<void()> task) override;
  bool onOverlayThread() const override;

 private:
  explicit NodeOverlay(std::unique_ptr<overlay::OverlayNode> node);

  std::unique_ptr<overlay::OverlayNode> node_;
  std::unique_ptr<federation_overlay::OverlayFederationTransport> transport_;
  std::unique_ptr<federation_overlay::OverlayFederationServer> server_;
  std::atomic<bool> stopped_{false};
};

}  // namespace plexus::node
