// Router facade and RouterCore's peers, frame dispatch and timers (router_core.h).
#include "router_core.h"

#include <algorithm>
#include <limits>

namespace plexus::overlay {

Router::Router(RouterConfig config, NodeId self, RouterHost& host, AnnouncementSigner signer)
    : core_(std::make_unique<RouterCore>(config, self, host, std::move(signer))) {}
Router::~Router() = default;
const NodeId& Router::self() const { return core_->self(); }
void Router::addPeer(Port port, const NodeId& key, Micros now) { core_->addPeer(port, key, now); }
void Router::removePeer(Port port, Micros now) { core_->removePeer(port, now); }
void Router::onFrame(Port port, RouterFrame type, std::string_view payload, Micros now) {
  core_->onFrame(port, type, payload, now);
}
void Router::onTimer(Micros now) { core_->onTimer(now); }
Micros Router::nextTimer() const { return core_->nextTimer(); }
bool Router::send(const NodeId& destination, std::string_view payload, Micros now) {
  return core_->send(destination, payload, now);
}
TreePosition Router::tree(int index) const { return core_->tree(index); }
std::optional<NodeId> Router::successor() const { return core_->successor(); }
std::optional<NodeId> Router::predecessor() const { return core_->predecessor(); }
std::size_t Router::peerCount() const { return core_->peerCount(); }
std::size_t Router::keyspaceEntries() const { return core_->keyspaceEntries(); }
std::size_t Router::cachedCoordinates() const { return core_->cachedCoordinates(); }
const RouterCounters& Router::counters() const { return core_->counters(); }

RouterCore::RouterCore(RouterConfig config, NodeId self, RouterHost& host,
                       AnnouncementSigner signer)
    : config_(config), self_(self), host_(host), signer_(std::move(signer)) {
  config_.trees = std::clamp(config_.trees, 1, static_cast<int>(detail::kMaxTrees));
  if (!signer_.sign || !signer_.verify) config_.signAnnouncements = false;
  trees_.resize(static_cast<std::size_t>(config_.trees));
  for (std::size_t i = 0; i < trees_.size(); ++i) {
    auto& t = trees_[i];
    t.index = static_cast<std::uint8_t>(i);
    t.selfRank = rank(static_cast<int>(i), self_);
    t.root = self_;
    t.ownSequence = 1;
    t.sequence = 1;
  }
}

void RouterCore::addPeer(Port port, const NodeId& key, Micros now) {
  if (port == 0 || key == self_) return;
  if (peers_.count(port)) removePeer(port, now);
  peers_[port] = key;
  portOf_[key] = port;
  for (auto& t : trees_) {
    if (t.root == self_ && peers_.size() == 1) t.lastRootBump = now;
    sendAnnounce(t, port);
  }
  if (nextSearch_ < 0) nextSearch_ = now + 500'000;  // first link: let the trees settle a moment
}

void RouterCore::removePeer(Port port, Micros now) {
  auto it = peers_.find(port);
  if (it == peers_.end()) return;
  const NodeId key = it->second;
  peers_.erase(it);
  if (auto p = portOf_.find(key); p != portOf_.end() && p->second == port) portOf_.erase(p);
  for (auto& t : trees_) {
    t.announcements.erase(port);
    if (t.parent == port) {
      enterRepair(t, key, now);
    } else {
      reselect(t, now);
    }
  }
  if (coordsChanged_) notifyNeighboursOfNewCoords(now);
}

void RouterCore::onFrame(Port port, RouterFrame type, std::string_view payload, Micros now) {
  if (!peers_.count(port)) return;
  switch (type) {
    case RouterFrame::kTreeAnnounce:
      onAnnounce(port, payload, now);
      break;
    case RouterFrame::kTreeWithdraw:
      onWithdraw(port, payload, now);
      break;
    case RouterFrame::kTreeRefresh:
      onRefresh(port, payload, now);
      break;
    case RouterFrame::kTraffic: {
      auto t = detail::decodeTraffic(payload, config_.maxDepth, config_.maxPayload);
      if (!t) {
        ++counters_.droppedMalformed;
        host_.penalise(port, 1);
        return;
      }
      handleTraffic(std::move(*t), port, now);
      break;
    }
    default:
      ++counters_.droppedMalformed;
      host_.penalise(port, 1);
      return;
  }
  if (coordsChanged_) notifyNeighboursOfNewCoords(now);
}

void RouterCore::onTimer(Micros now) {
  for (auto& t : trees_) treeTimers(t, now);
  keyspaceTimers(now);
  if (coordsChanged_) notifyNeighboursOfNewCoords(now);
}

Micros RouterCore::nextTimer() const {
  Micros next = std::numeric_limits<Micros>::max();
  for (const auto& t : trees_) {
    if (t.repairing) next = std::min({next, t.repairDeadline, t.nextRefreshRequest});
    if (t.root == self_ && !peers_.empty())
      next = std::min(next, t.lastRootBump + config_.rootRefresh);
    if (t.root == self_ && t.bumpPending) next = std::min(next, t.lastRootBump + 50'000);
  }
  if (nextSearch_ >= 0) next = std::min(next, nextSearch_);
  for (const auto* n : {&successor_, &predecessor_}) {
    if (*n) next = std::min(next, (*n)->refreshed + config_.keyspaceExpiry);
  }
  return next;
}

TreePosition RouterCore::tree(int index) const {
  const auto& t = trees_.at(static_cast<std::size_t>(index));
  return TreePosition{t.root, t.sequence, t.parent, t.coords};
}

std::optional<NodeId> RouterCore::successor() const {
  if (!successor_) return std::nullopt;
  return successor_->key;
}

std::optional<NodeId> RouterCore::predecessor() const {
  if (!predecessor_) return std::nullopt;
  return predecessor_->key;
}

std::size_t RouterCore::keyspaceEntries() const {
  return (successor_ ? 1 : 0) + (predecessor_ ? 1 : 0);
}

}  // namespace plexus::overlay
