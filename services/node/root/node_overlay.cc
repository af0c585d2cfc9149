// NodeOverlay (node_overlay.h).
#include "root/node_overlay.h"

#include "plexus/federation_overlay/overlay_federation_server.h"
#include "plexus/federation_overlay/overlay_federation_transport.h"
#include "plexus/log/log.h"

namespace plexus::node {

Result<std::unique_ptr<NodeOverlay>> NodeOverlay::start(const config::P2pSection& p2p,
                                                        const crypto::SigningKey& key) {
  overlay::OverlayNodeOptions options;
  if (!p2p.overlayListen.empty()) {
    PLEXUS_TRY(options.listen, overlay::parseHostPort(p2p.overlayListen));
  }
  for (const std::string& peer : p2p.peers) {
    PLEXUS_TRY(auto address, overlay::parseHostPort(peer));
    options.bootstrapPeers.push_back(std::move(address));
  }
  options.multicast.enabled = p2p.multicast;
  options.log = [](std::string_view level, std::string_view message) {
    if (level == "error") {
      log::error(message, {{"component", "overlay"}});
    } else if (level == "warn") {
      log::warn(message, {{"component", "overlay"}});
    } else if (level == "info") {
      log::info(message, {{"component", "overlay"}});
    } else {
      log::debug(message, {{"component", "overlay"}});
    }
  };
  auto node = std::make_unique<overlay::OverlayNode>(key, options);
  Status started = node->start();
  if (!started.ok()) {
    log::error("cannot start the overlay",
               {{"address", options.listen.toString()}, {"error", started.error().message}});
    return std::move(started).takeError();
  }
  log::info(
      "overlay listening",
      {{"port", node->listenPort()}, {"peers", p2p.peers.size()}, {"multicast", p2p.multicast}});
  return std::unique_ptr<NodeOverlay>(new NodeOverlay(std::move(node)));
}

NodeOverlay::NodeOverlay(std::unique_ptr<overlay::OverlayNode> node)
    : node_(std::move(node)),
      transport_(std::make_unique<federation_overlay::OverlayFederationTransport>(*this)) {}

NodeOverlay::~NodeOverlay() { stop(); }

federation::FederationTransport& NodeOverlay::transport() { return *transport_; }

void NodeOverlay::serve(http::Handler handler, const http::ParserLimits& limits,
                        http::BodyLimitFor bodyLimitFor) {
  federation_overlay::OverlayFederationServerOptions options;
  options.limits = limits;
  options.bodyLimitFor = std::move(bodyLimitFor);
  server_ = std::make_unique<federation_overlay::OverlayFederationServer>(*this, std::move(handler),
                                                                          std::move(options));
  auto* server = server_.get();
  node_->onStream(
      [server](std::shared_ptr<overlay::Stream> stream) { server->accept(std::move(stream)); });
}

void NodeOverlay::stop() {
  if (stopped_.exchange(true)) return;
  node_->stop();
  // The node thread has ended: the server may drop its streams now.
  server_.reset();
}

overlay::OverlaySnapshot NodeOverlay::snapshot() const { return node_->snapshot(); }

void NodeOverlay::openStream(const crypto::PublicKey& destination, StreamDone done) {
  if (stopped_) {
    done(nullptr);  // nothing would ever answer: fail the request now, not at its deadline
    return;
  }
  node_->openStream(destination,
                    [done = std::move(done)](Result<std::shared_ptr<overlay::Stream>> stream) {
                      done(stream.ok() ? std::move(stream).value() : nullptr);
                    });
}

void NodeOverlay::post(std::function<void()> task) {
  if (!stopped_) node_->post(std::move(task));
}

bool NodeOverlay::onOverlayThread() const { return node_->onNodeThread(); }

}  // namespace plexus::node
