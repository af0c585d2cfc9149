// OverlayNode's traffic (overlay_node_impl.h): the RouterHost side of the router, datagrams to
// the session layer and to services, streams, the one timer for router and sessions, and
// snapshots.
//
// Re-entrancy: the router and the session endpoint are sans-IO objects that must not be called
// back into while they run. Datagrams the router delivers are queued and handed on by settle()
// after the router returns; penalties (which may close a link and so remove a router peer) are
// posted.
#include <boost/asio/post.hpp>
#include <chrono>
#include <limits>
#include <utility>

#include "overlay_node_impl.h"

namespace plexus::overlay {
namespace {

namespace asio = boost::asio;

constexpr std::uint8_t kFirstSessionKind = 0x01;
constexpr std::uint8_t kLastSessionKind = 0x03;
constexpr std::uint8_t kFirstServiceKind = 0x10;
constexpr std::uint8_t kLastServiceKind = 0x1f;

std::optional<NodeId> toNodeId(const crypto::PublicKey& key) {
  return NodeId::fromBytes(key.bytes());
}

}  // namespace

void OverlayNode::Impl::buildRouterAndSessions() {
  AnnouncementSigner signer;
  if (options_.router.signAnnouncements) {
    signer.sign = [this](std::string_view message) { return key_.sign(message); };
    signer.verify = [](const NodeId& key, std::string_view message, std::string_view signature) {
      auto publicKey = crypto::PublicKey::fromBytes(key.view());
      return publicKey && publicKey->verify(message, signature);
    };
  }
  router_ = std::make_unique<Router>(options_.router, *toNodeId(self_), *this, std::move(signer));

  SessionEndpoint::Callbacks callbacks;
  callbacks.sendDatagram = [this](const crypto::PublicKey& destination, std::string datagram) {
    auto id = toNodeId(destination);
    if (!id || !router_->send(*id, datagram, TcpLink::nowUs())) ++counters_.datagramsNoRoute;
  };
  callbacks.onStream = [this](std::shared_ptr<Stream> stream) {
    if (streamHandler_) {
      streamHandler_(std::move(stream));
    } else {
      stream->reset(kResetAbandoned);
    }
  };
  callbacks.wake = [this] {
    if (wakePosted_) return;
    wakePosted_ = true;
    asio::post(io_, [this] {
      wakePosted_ = false;
      settle();
    });
  };
  sessions_ = std::make_unique<SessionEndpoint>(key_, options_.session, std::move(callbacks));
}

// ---- RouterHost ----

void OverlayNode::Impl::sendFrame(Port port, RouterFrame type, std::string bytes, bool control) {
  auto it = links_.find(port);
  if (it == links_.end() || !it->second.routed) return;
  // Forwarded traffic queues under the link it came in on, so one peer's flood takes only its
  // share of the outgoing link.
  it->second.link->send(static_cast<std::uint8_t>(type), std::move(bytes),
                        control ? TrafficClass::kControl : TrafficClass::kTraffic,
                        control ? 0 : currentFlow_);
}

void OverlayNode::Impl::deliver(const NodeId& source, std::string_view payload, int /*hops*/) {
  deliveries_.push_back(Delivery{source, std::string(payload)});
}

void OverlayNode::Impl::penalise(Port port, int points) {
  asio::post(io_, [this, port, points] {
    auto it = links_.find(port);
    if (it == links_.end()) return;
    auto link = it->second.link;
    link->penalise(points);
    settle();
  });
}

// ---- datagrams and streams ----

void OverlayNode::Impl::deliverOne(Delivery delivery) {
  if (delivery.payload.empty()) {
    ++counters_.datagramsUnknownKind;
    return;
  }
  auto source = crypto::PublicKey::fromBytes(delivery.source.view());
  const auto kind = static_cast<std::uint8_t>(delivery.payload[0]);
  if (kind >= kFirstSessionKind && kind <= kLastSessionKind) {
    sessions_->onDatagram(*source, delivery.payload, TcpLink::nowUs());
    return;
  }
  if (kind >= kFirstServiceKind && kind <= kLastServiceKind) {
    auto handler = serviceHandlers_.find(kind);
    if (handler != serviceHandlers_.end() && handler->second) {
      ++counters_.serviceDatagramsReceived;
      handler->second(*source, std::string_view(delivery.payload).substr(1));
      return;
    }
  }
  ++counters_.datagramsUnknownKind;
}

void OverlayNode::Impl::openStream(const crypto::PublicKey& destination, StreamCallback done) {
  auto stream = sessions_->openStream(destination);
  if (done) done(std::move(stream));
}

void OverlayNode::Impl::sendService(std::uint8_t /*service*/, const crypto::PublicKey& destination,
                                    std::string datagram) {
  auto id = toNodeId(destination);
  if (!id || !router_->send(*id, datagram, TcpLink::nowUs())) {
    ++counters_.datagramsNoRoute;
    return;
  }
  ++counters_.serviceDatagramsSent;
}

// ---- timers ----

void OverlayNode::Impl::settle() {
  if (settling_ || stopping_) return;
  settling_ = true;
  // Bounded: each delivery may cause more (a session answering), but the router only delivers
  // what arrives from links, which are not read while this runs.
  while (!deliveries_.empty()) {
    Delivery delivery = std::move(deliveries_.front());
    deliveries_.pop_front();
    deliverOne(std::move(delivery));
  }
  settling_ = false;
  armTimer();
}

void OverlayNode::Impl::armTimer() {
  if (stopping_) return;
  const std::int64_t next = std::min(router_->nextTimer(), sessions_->nextTimerUs());
  if (next == std::numeric_limits<std::int64_t>::max()) return;
  if (armedUs_ >= 0 && armedUs_ <= next) return;  // an earlier wake-up is armed already
  armedUs_ = next;
  const std::uint64_t generation = ++timerGeneration_;
  timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::microseconds(next)));
  timer_.async_wait([this, generation](const boost::system::error_code& ec) {
    if (ec || generation != timerGeneration_) return;
    armedUs_ = -1;
    runTimers();
  });
}

void OverlayNode::Impl::runTimers() {
  if (stopping_) return;
  const auto now = TcpLink::nowUs();
  if (router_->nextTimer() <= now) router_->onTimer(now);
  settle();  // router deliveries first, so the sessions see them in this round
  if (sessions_->nextTimerUs() <= TcpLink::nowUs()) sessions_->onTimer(TcpLink::nowUs());
  settle();
}

// ---- snapshot ----

OverlaySnapshot OverlayNode::Impl::snapshot() {
  OverlaySnapshot out;
  out.self = self_;
  out.listenPort = listenPort_.load();
  const auto now = TcpLink::nowUs();
  LinkCounters totals = closedLinks_;
  for (const auto& [port, entry] : links_) {
    const LinkCounters& c = entry.link->counters();
    for (std::size_t i = 0; i < 256; ++i) {
      totals.payloadBytesIn[i] += c.payloadBytesIn[i];
      totals.payloadBytesOut[i] += c.payloadBytesOut[i];
    }
    totals.wireBytesIn += c.wireBytesIn;
    totals.wireBytesOut += c.wireBytesOut;
    if (!entry.open || entry.link->isClosed() || !entry.key) continue;
    OverlayPeer peer;
    peer.key = *entry.key;
    peer.address = entry.link->remoteAddress();
    peer.dialled = entry.dialled;
    peer.port = entry.routed ? port : 0;
    peer.connectedUs = now - entry.openedUs;
    peer.wireBytesIn = c.wireBytesIn;
    peer.wireBytesOut = c.wireBytesOut;
    out.peers.push_back(std::move(peer));
  }
  out.linkBytesIn = totals.payloadBytesIn;
  out.linkBytesOut = totals.payloadBytesOut;
  out.wireBytesIn = totals.wireBytesIn;
  out.wireBytesOut = totals.wireBytesOut;
  out.node = counters_;
  out.router = router_->counters();
  out.routerPeers = router_->peerCount();
  out.keyspaceEntries = router_->keyspaceEntries();
  out.cachedCoordinates = router_->cachedCoordinates();
  for (int i = 0; i < options_.router.trees; ++i) out.trees.push_back(router_->tree(i));
  out.session = sessions_->counters();
  out.activeSessions = sessions_->activeSessionCount();
  out.halfOpenSessions = sessions_->halfOpenCount();
  if (discovery_) out.discovery = discovery_->counters();
  return out;
}

}  // namespace plexus::overlay
