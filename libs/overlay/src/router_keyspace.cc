// Key-space routing (docs/overlay.md §Key space): every node keeps its predecessor and
// successor in key order, with their coordinates, found by greedy searches through the overlay
// and refreshed now and then. A walk towards a key always has a next node strictly closer to it
// (the current node's neighbour on that side), so every key is reachable; peers, tree ancestors
// and cached coordinates give the walk its long jumps.
#include "router_core.h"

namespace plexus::overlay {
namespace {

// The shortest gap between two rounds of searches.
constexpr Micros kMinSearchInterval = 1'000'000;

}  // namespace

KeyPosition RouterCore::metricDistance(Metric metric, const NodeId& candidate, const NodeId& key) {
  constexpr auto kNever = ~static_cast<KeyPosition>(0);
  const auto c = candidate.position();
  const auto k = key.position();
  switch (metric) {
    case Metric::kToKey:
      return c > k ? c - k : k - c;
    // The key space is a ring for neighbours (the highest key's successor is the lowest), so
    // every search has an answer; distances wrap modulo 2^128.
    case Metric::kSuccessorOf:
      return c == k ? kNever : c - k;
    case Metric::kPredecessorOf:
      return c == k ? kNever : k - c;
  }
  return kNever;
}

std::optional<RouterCore::Candidate> RouterCore::bestCandidate(const NodeId& key, Metric metric,
                                                               const std::optional<NodeId>& avoid,
                                                               Micros now) {
  constexpr auto kNever = ~static_cast<KeyPosition>(0);
  // Exact knowledge first: a cached destination is the best candidate there can be.
  if (metric == Metric::kToKey) {
    if (auto c = cache_.find(key); c != cache_.end() && key != avoid) {
      if (now - c->second.learned <= config_.coordinateCacheLifetime) {
        return Candidate{key, &c->second.coords, 0, {}};
      }
      cache_.erase(c);
    }
  }
  enum class Source { kSelf, kPeer, kAncestor, kNeighbour };
  struct Best {
    NodeId key;
    Source source = Source::kSelf;
    Port port = 0;
    std::size_t tree = 0, depth = 0;
    const Neighbour* neighbour = nullptr;
    KeyPosition distance = kNever;
  } best;
  auto consider = [&](const NodeId& k, Source source, Port port, std::size_t tree,
                      std::size_t depth, const Neighbour* neighbour) {
    if (avoid && k == *avoid) return;
    const auto d = metricDistance(metric, k, key);
    if (d < best.distance) best = Best{k, source, port, tree, depth, neighbour, d};
  };
  consider(self_, Source::kSelf, 0, 0, 0, nullptr);
  for (const auto& [port, k] : peers_) consider(k, Source::kPeer, port, 0, 0, nullptr);
  for (const auto* n : {&successor_, &predecessor_}) {
    if (*n) consider((*n)->key, Source::kNeighbour, 0, 0, 0, &**n);
  }
  for (std::size_t ti = 0; ti < trees_.size(); ++ti) {
    const auto& path = trees_[ti].path;
    for (std::size_t depth = 0; depth < path.size(); ++depth) {
      consider(path[depth].key, Source::kAncestor, 0, ti, depth, nullptr);
    }
  }
  if (best.distance == kNever) return std::nullopt;

  Candidate out{best.key, nullptr, 0, {}};
  switch (best.source) {
    case Source::kSelf:
      out.ownCoords = ownCoords();
      break;
    case Source::kPeer:
      out.port = best.port;
      for (const auto& t : trees_) {
        if (auto a = t.announcements.find(best.port); a != t.announcements.end()) {
          out.ownCoords.push_back(
              detail::TreeCoords{t.index, a->second.rootTag, a->second.senderCoords});
        }
      }
      break;
    case Source::kNeighbour:
      out.coords = &best.neighbour->coords;
      break;
    case Source::kAncestor: {
      const auto& t = trees_[best.tree];
      std::vector<std::uint32_t> prefix(t.coords.begin(),
                                        t.coords.begin() + static_cast<std::ptrdiff_t>(best.depth));
      out.ownCoords.push_back(detail::TreeCoords{t.index, detail::rootTag(t.root), prefix});
      break;
    }
  }
  return out;
}

void RouterCore::startSearches(Micros now) {
  for (auto kind : {detail::TrafficKind::kFindSuccessor, detail::TrafficKind::kFindPredecessor}) {
    detail::Traffic t;
    t.kind = kind;
    t.hopLimit = static_cast<std::uint16_t>(std::clamp(config_.maxHops, 1, 65535));
    t.source = self_;
    t.destination = self_;
    t.sourceCoords = ownCoords();
    t.keyspace = true;
    t.target = self_;
    handleTraffic(std::move(t), 0, now);
  }
}

void RouterCore::onSearchEnded(const detail::Traffic& t, Micros now) {
  if (t.source == self_) return;  // nobody on that side of us is known
  const bool theySearchSuccessor = t.kind == detail::TrafficKind::kFindSuccessor;
  auto& slot = theySearchSuccessor ? predecessor_ : successor_;
  // We are the closest node on that side of the searcher that the network knows, so the
  // searcher is at least as close to us as our current neighbour on its side. That old
  // neighbour now has the searcher between us: tell it to look again.
  // (A search that had to skip an unreachable node may end one node too far; then the
  // searcher is not closer and our neighbour stays.)
  const Metric side = theySearchSuccessor ? Metric::kPredecessorOf : Metric::kSuccessorOf;
  if (slot && slot->key != t.source && !replaceable(*slot, side, t.source, now)) return;
  if (slot && slot->key != t.source) {
    sendControl(detail::TrafficKind::kNeighbourHint, *slot, {}, now);
  }
  slot = Neighbour{t.source, t.sourceCoords, now};
  sendControl(detail::TrafficKind::kNeighbourReply, *slot,
              std::string(1, theySearchSuccessor ? '\1' : '\0'), now);
}

void RouterCore::onNeighbourFound(const detail::Traffic& t, Micros now) {
  if (t.payload.size() != 1) return;
  const bool isSuccessor = t.payload[0] == '\1';
  auto& slot = isSuccessor ? successor_ : predecessor_;
  const Metric side = isSuccessor ? Metric::kSuccessorOf : Metric::kPredecessorOf;
  (isSuccessor ? successorAnswered_ : predecessorAnswered_) = true;
  if (slot && slot->key != t.source && !replaceable(*slot, side, t.source, now)) return;
  // A changed answer means the ring around us is still settling: the next round comes soon,
  // until two rounds agree (the stabilisation of ring DHTs).
  if (!slot || slot->key != t.source) neighboursChanged_ = true;
  slot = Neighbour{t.source, t.sourceCoords, now};
}

bool RouterCore::replaceable(const Neighbour& current, Metric side, const NodeId& offered,
                             Micros now) const {
  // A closer node wins; a farther one only once the current neighbour has gone unrefreshed for
  // longer than a search period (it has probably left).
  if (metricDistance(side, offered, self_) < metricDistance(side, current.key, self_)) return true;
  return now - current.refreshed > config_.keyspaceRefresh * 3 / 2;
}

void RouterCore::searchSoon(Micros at) {
  if (peers_.empty()) return;
  if (nextSearch_ < 0 || at < nextSearch_) nextSearch_ = at;
}

void RouterCore::onNeighbourUpdate(const detail::Traffic& t, Micros now) {
  for (auto* n : {&successor_, &predecessor_}) {
    if (*n && (*n)->key == t.source) {
      (*n)->coords = t.sourceCoords;
      (*n)->refreshed = now;
    }
  }
}

void RouterCore::notifyNeighboursOfNewCoords(Micros now) {
  coordsChanged_ = false;
  // Search again once our coordinates have been still for a moment, so that the entries the
  // searches leave at other nodes carry coordinates that last.
  if (nextSearch_ >= 0) {
    nextSearch_ = std::max(nextSearch_, now + kMinSearchInterval);
    searchBackoff_ = 0;
  }
  for (const auto* n : {&successor_, &predecessor_}) {
    if (*n) sendControl(detail::TrafficKind::kNeighbourUpdate, **n, {}, now);
  }
}

void RouterCore::sendControl(detail::TrafficKind kind, const Neighbour& to, std::string payload,
                             Micros now) {
  detail::Traffic t;
  t.kind = kind;
  t.hopLimit = static_cast<std::uint16_t>(std::clamp(config_.maxHops, 1, 65535));
  t.source = self_;
  t.sourceCoords = ownCoords();
  t.destination = to.key;
  t.destinationCoords = to.coords;
  t.payload = std::move(payload);
  handleTraffic(std::move(t), 0, now);
}

void RouterCore::keyspaceTimers(Micros now) {
  bool expired = false;
  for (auto* n : {&successor_, &predecessor_}) {
    if (*n && now - (*n)->refreshed >= config_.keyspaceExpiry) {
      n->reset();
      expired = true;
    }
  }
  if (peers_.empty()) {
    // Nobody to search through: unschedule (the next link schedules a search), else a due
    // search would keep the timer firing at the same instant.
    nextSearch_ = -1;
    return;
  }
  if (expired || (nextSearch_ >= 0 && now >= nextSearch_)) {
    const bool settled = successorAnswered_ && predecessorAnswered_ && !neighboursChanged_;
    searchBackoff_ = settled ? std::min(std::max(searchBackoff_ * 4, kMinSearchInterval),
                                        config_.keyspaceRefresh)
                             : kMinSearchInterval;
    successorAnswered_ = predecessorAnswered_ = neighboursChanged_ = false;
    startSearches(now);
    // Spread the searches of different nodes over ±10 % of the interval.
    const auto spread = static_cast<Micros>(self_.bytes[31] + 256 * self_.bytes[30]) % 2001;
    nextSearch_ = now + searchBackoff_ * (9000 + spread) / 10000;
  }
}

}  // namespace plexus::overlay
