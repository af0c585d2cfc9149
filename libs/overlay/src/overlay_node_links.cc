// OverlayNode's peer links (overlay_node_impl.h): accepted and dialled links, bootstrap redials,
// discovery dials, and the rule that keeps one routed link per peer key.
//
// Two links to one key appear when both nodes dial each other. Both sides keep the link dialled
// by the lower key and close the other, so they agree without talking. Two links in the same
// direction (one node dialled twice) are the dialler's to sort out: it keeps the older one; the
// acceptor routes one and holds the other unrouted until the dialler closes one of them.
#include <boost/asio/post.hpp>
#include <limits>
#include <utility>
#include <vector>

#include "overlay_node_impl.h"

namespace plexus::overlay {
namespace {

namespace asio = boost::asio;

std::string keyBytes(const crypto::PublicKey& key) { return std::string(key.bytes()); }

std::string shortKey(const crypto::PublicKey& key) { return key.toHex().substr(0, 12); }

// "1.2.3.4:5" or "[::1]:5" -> the address without the port.
std::string_view hostOf(std::string_view address) {
  const auto colon = address.rfind(':');
  return colon == std::string_view::npos ? address : address.substr(0, colon);
}

}  // namespace

void OverlayNode::Impl::log(std::string_view level, const std::string& message) const {
  if (options_.log) options_.log(level, message);
}

bool OverlayNode::Impl::haveLink(const crypto::PublicKey& key) const {
  if (routedByKey_.count(keyBytes(key)) != 0) return true;
  for (const auto& [port, entry] : links_) {
    if (entry.key == key) return true;  // being dialled or handshaking
  }
  return false;
}

void OverlayNode::Impl::dial(HostPort target, std::optional<crypto::PublicKey> expected,
                             std::optional<std::size_t> bootstrap) {
  if (stopping_) return;
  ++counters_.linksDialled;
  const auto timeout = std::chrono::milliseconds(options_.connectTimeoutUs / 1000);
  dialTcpLink(
      io_.get_executor(), target.host, target.port, key_, expected, options_.link,
      [this, target, expected, bootstrap](Result<std::shared_ptr<TcpLink>> link) {
        if (stopping_) return;  // the link (if any) closes as it is dropped
        if (!link.ok()) {
          ++counters_.dialFailures;
          if (bootstrap) {
            bootstrap_.attemptFailed(*bootstrap, TcpLink::nowUs());
            armBootstrap();
          }
          return;
        }
        startLink(std::move(*link), true, expected, bootstrap);
        settle();
      },
      timeout);
}

bool OverlayNode::Impl::admitAccepted(const TcpLink& link) const {
  const std::string_view host = hostOf(link.remoteAddress());
  std::size_t pending = 0, fromHost = 0;
  for (const auto& [port, entry] : links_) {
    if (entry.open || entry.dialled) continue;
    ++pending;
    if (hostOf(entry.link->remoteAddress()) == host) ++fromHost;
  }
  return pending < options_.maxPendingAccepted && fromHost < options_.maxPendingPerAddress;
}

void OverlayNode::Impl::startLink(std::shared_ptr<TcpLink> link, bool dialled,
                                  std::optional<crypto::PublicKey> expected,
                                  std::optional<std::size_t> bootstrap) {
  const Port port = nextPort_++;
  LinkEntry& entry = links_[port];
  entry.link = link;
  entry.dialled = dialled;
  entry.bootstrap = bootstrap;
  entry.key = expected;
  link->start(TcpLinkCallbacks{[this, port](const crypto::PublicKey& key) {
                                 onLinkOpen(port, key);
                                 settle();
                               },
                               [this, port](std::uint8_t type, std::string payload) {
                                 onLinkFrame(port, type, std::move(payload));
                                 settle();
                               },
                               [this, port](LinkEndReason reason, const std::string& detail) {
                                 onLinkClosed(port, reason, detail);
                                 settle();
                               }});
}

void OverlayNode::Impl::onLinkOpen(Port port, const crypto::PublicKey& key) {
  auto it = links_.find(port);
  if (it == links_.end() || stopping_) return;
  LinkEntry& entry = it->second;
  entry.open = true;
  entry.key = key;
  entry.openedUs = TcpLink::nowUs();
  ++counters_.linksOpened;
  if (entry.bootstrap) bootstrap_.opened(*entry.bootstrap, key);
  log("info", "overlay link up: " + shortKey(key) + " at " + entry.link->remoteAddress() +
                  (entry.dialled ? " (dialled)" : " (accepted)"));

  auto routed = routedByKey_.find(keyBytes(key));
  if (routed == routedByKey_.end()) return route(port);

  const Port otherPort = routed->second;
  const LinkEntry& other = links_.at(otherPort);
  const bool lowerDials = self_.bytes() < key.bytes();  // we are the lower key: ours wins
  if (entry.dialled != other.dialled) {
    if (entry.dialled == lowerDials) {
      unroute(otherPort);
      route(port);
      ++counters_.duplicateLinksClosed;
      closeLink(otherPort, LinkCloseCode::kNormal);
    } else {
      ++counters_.duplicateLinksClosed;
      closeLink(port, LinkCloseCode::kNormal);
    }
  } else if (entry.dialled) {
    ++counters_.duplicateLinksClosed;  // we dialled twice: keep the older link
    closeLink(port, LinkCloseCode::kNormal);
  }
  // Else the peer dialled twice: this one waits unrouted until the peer closes one.
}

void OverlayNode::Impl::route(Port port) {
  LinkEntry& entry = links_.at(port);
  entry.routed = true;
  routedByKey_[keyBytes(*entry.key)] = port;
  auto id = NodeId::fromBytes(entry.key->bytes());
  router_->addPeer(port, *id, TcpLink::nowUs());
}

void OverlayNode::Impl::unroute(Port port) {
  LinkEntry& entry = links_.at(port);
  if (!entry.routed) return;
  entry.routed = false;
  routedByKey_.erase(keyBytes(*entry.key));
  router_->removePeer(port, TcpLink::nowUs());
}

void OverlayNode::Impl::closeLink(Port port, LinkCloseCode code) {
  auto it = links_.find(port);
  if (it == links_.end()) return;
  auto link = it->second.link;  // close() may report the end at once, which erases the entry
  link->close(code);
}

void OverlayNode::Impl::onLinkFrame(Port port, std::uint8_t type, std::string payload) {
  auto it = links_.find(port);
  if (it == links_.end() || !it->second.routed || stopping_) return;
  if (type < static_cast<std::uint8_t>(RouterFrame::kTreeAnnounce) ||
      type > static_cast<std::uint8_t>(RouterFrame::kTraffic)) {
    return;  // a frame kind from a newer version
  }
  currentFlow_ = port;
  router_->onFrame(port, static_cast<RouterFrame>(type), payload, TcpLink::nowUs());
  currentFlow_ = 0;
}

void OverlayNode::Impl::onLinkClosed(Port port, LinkEndReason reason, const std::string& detail) {
  auto it = links_.find(port);
  if (it == links_.end()) return;
  LinkEntry& entry = it->second;
  const auto now = TcpLink::nowUs();
  if (entry.open) {
    ++counters_.linksClosed;
  } else {
    ++counters_.linksFailed;
  }
  if (!stopping_) {
    if (entry.open) {
      log("info", "overlay link down: " + shortKey(*entry.key) + " (" + toString(reason) +
                      (detail.empty() ? "" : ": " + detail) + ")");
    }
    const std::optional<crypto::PublicKey> key = entry.open ? entry.key : std::nullopt;
    unroute(port);
    if (entry.bootstrap) {
      if (entry.open) {
        bootstrap_.closed(*entry.bootstrap, now);
      } else {
        bootstrap_.attemptFailed(*entry.bootstrap, now);
      }
    }
    entry.key.reset();  // no longer counts for haveLink()
    if (key && routedByKey_.count(keyBytes(*key)) == 0) {
      // Promote a standby link to the same key, if the peer had dialled twice.
      for (auto& [otherPort, other] : links_) {
        if (otherPort != port && other.open && !other.routed && other.key == key &&
            !other.link->isClosed()) {
          route(otherPort);
          break;
        }
      }
      if (routedByKey_.count(keyBytes(*key)) == 0) bootstrap_.keyUnlinked(*key, now);
    }
    armBootstrap();
  }
  // While stopping, entries stay for shutdownDone() to watch. Otherwise erased later: this runs
  // inside the link's own call stack.
  if (stopping_) return;
  asio::post(io_, [this, port] {
    auto found = links_.find(port);
    if (found == links_.end()) return;
    foldCounters(found->second.link->counters());
    links_.erase(found);
  });
}

void OverlayNode::Impl::disconnect(const crypto::PublicKey& peer) {
  std::vector<Port> ports;
  for (const auto& [port, entry] : links_) {
    if (entry.key == peer) ports.push_back(port);
  }
  for (Port port : ports) closeLink(port, LinkCloseCode::kNormal);
}

void OverlayNode::Impl::runBootstrap() {
  if (stopping_) return;
  const auto due = bootstrap_.due(TcpLink::nowUs(),
                                  [this](const crypto::PublicKey& key) { return haveLink(key); });
  for (std::size_t index : due) {
    dial(options_.bootstrapPeers[index], std::nullopt, index);
  }
  armBootstrap();
}

void OverlayNode::Impl::armBootstrap() {
  if (stopping_) return;
  const std::int64_t next = bootstrap_.nextDueUs();
  if (next == std::numeric_limits<std::int64_t>::max()) return;
  bootstrapTimer_.expires_at(
      std::chrono::steady_clock::time_point(std::chrono::microseconds(next)));
  bootstrapTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    runBootstrap();
    settle();
  });
}

void OverlayNode::Impl::onBeacon(const std::string& address, const Beacon& beacon) {
  if (stopping_) return;
  ++counters_.discoveryDials;
  dial(HostPort{address, beacon.port}, beacon.key, std::nullopt);
}

void OverlayNode::Impl::shutdown() {
  stopping_ = true;
  if (acceptor_) acceptor_->stop();
  if (discovery_) discovery_->stop();
  timer_.cancel();
  bootstrapTimer_.cancel();
  std::vector<std::shared_ptr<TcpLink>> links;
  for (auto& [port, entry] : links_) links.push_back(entry.link);
  for (auto& link : links) link->close(LinkCloseCode::kShutdown);
}

bool OverlayNode::Impl::shutdownDone() const {
  for (const auto& [port, entry] : links_) {
    if (entry.link.use_count() > 1) return false;  // I/O still pending: close frame unwritten
  }
  return true;
}

void OverlayNode::Impl::foldCounters(const LinkCounters& c) {
  for (std::size_t i = 0; i < 256; ++i) {
    closedLinks_.framesIn[i] += c.framesIn[i];
    closedLinks_.payloadBytesIn[i] += c.payloadBytesIn[i];
    closedLinks_.framesOut[i] += c.framesOut[i];
    closedLinks_.payloadBytesOut[i] += c.payloadBytesOut[i];
  }
  closedLinks_.wireBytesIn += c.wireBytesIn;
  closedLinks_.wireBytesOut += c.wireBytesOut;
  closedLinks_.droppedByLimits += c.droppedByLimits;
  closedLinks_.rejectedSends += c.rejectedSends;
}

}  // namespace plexus::overlay
