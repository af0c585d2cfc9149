// Traffic forwarding (docs/overlay.md §Forwarding): greedy over the minimum tree distance when
// the destination's coordinates are known, else a key-space walk towards the destination key;
// every packet teaches the nodes it reaches its source's coordinates.
#include <algorithm>

#include "router_core.h"

namespace plexus::overlay {
namespace {

std::size_t commonPrefix(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b,
                         std::size_t from = 0) {
  const std::size_t n = std::min(a.size(), b.size());
  while (from < n && a[from] == b[from]) ++from;
  return from;
}

// Whether `cached` repeats every tree position of `failed`, coordinates a packet already found
// to lead nowhere. A packet's coordinates lose trees as it goes (pruning), so a copy with more
// trees that agrees on the rest is the same stale knowledge: trying it again sends the packet
// back the way it came, round and round until its hop limit.
bool repeatsFailed(const detail::CoordSet& cached, const detail::CoordSet& failed) {
  if (failed.empty()) return false;
  for (const auto& f : failed) {
    if (std::find(cached.begin(), cached.end(), f) == cached.end()) return false;
  }
  return true;
}

std::uint64_t treeDistance(const std::vector<std::uint32_t>& a,
                           const std::vector<std::uint32_t>& b) {
  return a.size() + b.size() - 2 * commonPrefix(a, b);
}

}  // namespace

detail::CoordSet RouterCore::ownCoords() const {
  detail::CoordSet out;
  out.reserve(trees_.size());
  for (const auto& t : trees_) {
    out.push_back(detail::TreeCoords{t.index, detail::rootTag(t.root), t.coords});
  }
  return out;
}

std::optional<Port> RouterCore::peerPort(const NodeId& key) const {
  auto it = portOf_.find(key);
  if (it == portOf_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t RouterCore::distanceFromSelf(const detail::CoordSet& dest) const {
  std::uint64_t best = kInfinite;
  for (const auto& c : dest) {
    if (c.tree >= trees_.size()) continue;
    const auto& t = trees_[c.tree];
    if (detail::rootTag(t.root) != c.rootTag) continue;
    best = std::min(best, treeDistance(t.coords, c.ports));
  }
  return best;
}

std::uint64_t RouterCore::distanceFromPeer(
    Port port, const detail::CoordSet& dest,
    const std::array<std::size_t, detail::kMaxTrees>& selfCommon) const {
  std::uint64_t best = kInfinite;
  for (std::size_t i = 0; i < dest.size(); ++i) {
    const auto& c = dest[i];
    if (c.tree >= trees_.size()) continue;
    const auto& t = trees_[c.tree];
    auto it = t.announcements.find(port);
    if (it == t.announcements.end() || it->second.rootTag != c.rootTag) continue;
    const StoredAnnounce& s = it->second;
    std::size_t common;
    if (i < selfCommon.size() && selfCommon[i] != kNoCommon) {
      // With L = prefix(self, dest) and M = prefix(self, peer): prefix(peer, dest) is min(L, M)
      // unless they are equal, when only the tails after L need comparing. Peers mostly sit
      // next to us in the tree, so this skips the long shared head of the coordinates.
      if (s.commonVersion != t.coordsVersion) {
        s.commonWithSelf = commonPrefix(s.senderCoords, t.coords);
        s.commonVersion = t.coordsVersion;
      }
      const std::size_t l = selfCommon[i], m = s.commonWithSelf;
      common = l != m ? std::min(l, m) : commonPrefix(s.senderCoords, c.ports, l);
    } else {
      common = commonPrefix(s.senderCoords, c.ports);
    }
    best = std::min<std::uint64_t>(best, s.senderCoords.size() + c.ports.size() - 2 * common);
  }
  return best;
}

Port RouterCore::greedyPort(const detail::CoordSet& dest) const {
  std::uint64_t best = distanceFromSelf(dest);
  if (best == 0) return 0;  // these coordinates are ours: nowhere closer to go
  std::array<std::size_t, detail::kMaxTrees> selfCommon;
  selfCommon.fill(kNoCommon);
  for (std::size_t i = 0; i < dest.size() && i < selfCommon.size(); ++i) {
    const auto& c = dest[i];
    if (c.tree < trees_.size() && detail::rootTag(trees_[c.tree].root) == c.rootTag) {
      selfCommon[i] = commonPrefix(trees_[c.tree].coords, c.ports);
    }
  }
  Port chosen = 0;
  for (const auto& [port, key] : peers_) {
    const auto d = distanceFromPeer(port, dest, selfCommon);
    // Strict progress only; equal peers break ties by port, so the choice is deterministic.
    if (d < best || (d == best && chosen != 0 && port < chosen)) {
      best = d;
      chosen = port;
    }
  }
  return chosen;
}

Port RouterCore::greedyPortPruning(detail::CoordSet& dest) const {
  // A dead end usually means the destination moved in one tree (its coordinates there are
  // stale) while its position in the others still holds: drop the tree that led here, the one
  // giving our smallest distance, and try the rest. At most one pass per tree.
  for (std::size_t pass = 0; pass <= detail::kMaxTrees; ++pass) {
    if (Port p = greedyPort(dest)) return p;
    if (dest.size() <= 1) return 0;
    std::size_t culprit = dest.size();
    std::uint64_t best = kInfinite;
    for (std::size_t i = 0; i < dest.size(); ++i) {
      const auto d = distanceFromSelf(detail::CoordSet{dest[i]});
      if (d < best) {
        best = d;
        culprit = i;
      }
    }
    if (culprit == dest.size()) return 0;  // no tree in common with us
    dest.erase(dest.begin() + static_cast<std::ptrdiff_t>(culprit));
  }
  return 0;
}

bool RouterCore::forward(detail::Traffic& t, Port port) {
  auto bytes = detail::encode(t);
  if (detail::isControl(t.kind)) {
    counters_.controlBytesSent += bytes.size();
  } else {
    counters_.trafficBytesSent += bytes.size();
  }
  ++counters_.forwarded;
  host_.sendFrame(port, RouterFrame::kTraffic, std::move(bytes), detail::isControl(t.kind));
  return true;
}

void RouterCore::learn(const NodeId& key, const detail::CoordSet& coords, Micros now) {
  if (key == self_ || coords.empty()) return;
  cache_[key] = CacheEntry{coords, now};
  if (cache_.size() <= config_.coordinateCacheSize) return;
  // Over the bound: drop the oldest eighth (amortised; the cache is a hint, not a table).
  std::vector<std::pair<Micros, NodeId>> ages;
  ages.reserve(cache_.size());
  for (const auto& [k, e] : cache_) ages.emplace_back(e.learned, k);
  const auto drop = ages.size() - config_.coordinateCacheSize * 7 / 8;
  std::nth_element(ages.begin(), ages.begin() + static_cast<std::ptrdiff_t>(drop), ages.end());
  for (std::size_t i = 0; i < drop; ++i) cache_.erase(ages[i].second);
}

bool RouterCore::send(const NodeId& destination, std::string_view payload, Micros now) {
  if (payload.size() > config_.maxPayload) return false;
  if (destination == self_) {
    host_.deliver(self_, payload, 0);
    return true;
  }
  detail::Traffic t;
  t.kind = detail::TrafficKind::kData;
  t.hopLimit = static_cast<std::uint16_t>(std::clamp(config_.maxHops, 1, 65535));
  t.source = self_;
  t.sourceCoords = ownCoords();
  t.destination = destination;
  t.payload.assign(payload);
  if (auto c = cache_.find(destination); c != cache_.end()) {
    if (now - c->second.learned <= config_.coordinateCacheLifetime) {
      t.destinationCoords = c->second.coords;
    } else {
      cache_.erase(c);
    }
  }
  return handleTraffic(std::move(t), 0, now);
}

bool RouterCore::handleTraffic(detail::Traffic t, Port from, Micros now) {
  if (from != 0) {
    if (t.hops >= t.hopLimit) {
      ++counters_.droppedHopLimit;
      return false;
    }
    ++t.hops;
  }
  switch (t.kind) {
    case detail::TrafficKind::kFindSuccessor:
      return routeInKeyspace(t, Metric::kSuccessorOf, now);
    case detail::TrafficKind::kFindPredecessor:
      return routeInKeyspace(t, Metric::kPredecessorOf, now);
    default:
      break;
  }
  if (t.destination == self_) {
    // Only the endpoint learns the source's coordinates: nodes on the way would keep copies
    // that go stale unnoticed when the source moves in a tree.
    if (from != 0) learn(t.source, t.sourceCoords, now);
    localDelivery(t, now);
    return true;
  }
  return routeToDestination(t, now);
}

bool RouterCore::routeToDestination(detail::Traffic& t, Micros now) {
  if (auto p = peerPort(t.destination)) {
    t.keyspace = false;
    t.avoid.reset();
    return forward(t, *p);
  }
  if (!t.keyspace) {
    detail::CoordSet pruned = t.destinationCoords;
    if (Port p = greedyPortPruning(pruned)) {
      t.destinationCoords = std::move(pruned);
      return forward(t, p);
    }
    auto c = cache_.find(t.destination);
    if (c != cache_.end()) {
      if (!repeatsFailed(c->second.coords, t.destinationCoords)) {
        if (Port p = greedyPort(c->second.coords)) {
          t.destinationCoords = c->second.coords;
          return forward(t, p);
        }
      }
      cache_.erase(c);  // it leads nowhere from here either
    }
    // The coordinates lead nowhere from here (stale, or unknown): walk the key space instead.
    ++counters_.treeFallbacks;
    t.keyspace = true;
    t.target = self_;
    t.targetCoords.clear();
  } else if (auto c = cache_.find(t.destination);
             c != cache_.end() && !repeatsFailed(c->second.coords, t.destinationCoords) &&
             now - c->second.learned <= config_.coordinateCacheLifetime) {
    // (Coordinates this packet already failed on are not tried again: two nodes with the same
    // stale entry would bounce it between them.)
    if (Port p = greedyPort(c->second.coords)) {
      t.keyspace = false;
      t.avoid.reset();
      t.destinationCoords = c->second.coords;
      return forward(t, p);
    }
    cache_.erase(c);
  }
  return routeInKeyspace(t, Metric::kToKey, now);
}

bool RouterCore::routeInKeyspace(detail::Traffic& t, Metric metric, Micros now) {
  const NodeId& key = metric == Metric::kToKey ? t.destination : t.source;
  if (metric == Metric::kToKey && !t.destinationCoords.empty()) {
    // The packet walks the key space because these coordinates led to a dead end: a cached
    // copy of them here is just as stale.
    if (auto c = cache_.find(key);
        c != cache_.end() && repeatsFailed(c->second.coords, t.destinationCoords)) {
      cache_.erase(c);
    }
  }
  auto best = bestCandidate(key, metric, t.avoid, now);
  const bool haveTarget = t.keyspace && t.target != self_ && t.target != key;
  if (!haveTarget ||
      (best && metricDistance(metric, best->key, key) < metricDistance(metric, t.target, key))) {
    if (best) {
      t.target = best->key;
      t.targetCoords = best->coords ? *best->coords : best->ownCoords;
    } else {
      t.target = self_;
      t.targetCoords.clear();
    }
  }
  t.keyspace = true;
  if (metric == Metric::kToKey && t.target == key) {
    // The walk found the destination itself: go by its coordinates from here on.
    t.keyspace = false;
    t.destinationCoords = t.targetCoords;
    t.avoid.reset();
    if (auto p = peerPort(key)) return forward(t, *p);
    detail::CoordSet pruned = t.destinationCoords;
    if (Port p = greedyPortPruning(pruned)) {
      t.destinationCoords = std::move(pruned);
      return forward(t, p);
    }
    // Those coordinates are stale. If they came from our cache, forget them and look again;
    // else head for the destination's key-space neighbours, who hold fresh ones.
    t.keyspace = true;
    t.target = self_;
    if (cache_.erase(key) > 0) return routeInKeyspace(t, metric, now);
  }
  if (t.target == self_) {
    if (metric != Metric::kToKey) {
      onSearchEnded(t, now);
      return true;
    }
    ++counters_.droppedNoRoute;
    return false;
  }
  if (auto p = peerPort(t.target)) return forward(t, *p);
  if (Port p = greedyPortPruning(t.targetCoords)) return forward(t, p);
  if (!t.avoid && t.target != key) {
    // The way to this target is broken (it left, or its coordinates are stale): skip it once.
    t.avoid = t.target;
    t.target = self_;
    return routeInKeyspace(t, metric, now);
  }
  ++counters_.droppedNoRoute;
  return false;
}

void RouterCore::localDelivery(const detail::Traffic& t, Micros now) {
  switch (t.kind) {
    case detail::TrafficKind::kData:
      ++counters_.delivered;
      host_.deliver(t.source, t.payload, t.hops);
      break;
    case detail::TrafficKind::kNeighbourReply:
      onNeighbourFound(t, now);
      break;
    case detail::TrafficKind::kNeighbourUpdate:
      onNeighbourUpdate(t, now);
      break;
    case detail::TrafficKind::kNeighbourHint:
      searchSoon(now);
      break;
    default:
      break;
  }
}

}  // namespace plexus::overlay
