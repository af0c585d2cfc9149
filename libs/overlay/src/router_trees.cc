// The spanning trees (docs/overlay.md §Trees): root election by a per-tree hash of the key,
// shortest-path parents, signed path announcements, and repair after a lost parent — first a
// path that avoids the lost parent, else a fresh sequence asked of the root, else (the root is
// gone) a withdrawal flooded so every node elects the next root.
#include <sodium.h>

#include <algorithm>

#include "router_core.h"

namespace plexus::overlay {
namespace {

// Refresh requests make the root bump its sequence; not more often than this.
constexpr Micros kMinBumpInterval = 50'000;

bool pathContains(const std::vector<detail::WireHop>& hops, const NodeId& key) {
  return std::any_of(hops.begin(), hops.end(), [&](const auto& h) { return h.key == key; });
}

}  // namespace

std::uint64_t treeRank(int tree, const NodeId& key) {
  unsigned char in[12 + NodeId::kSize] = "plexus-root";
  in[11] = static_cast<unsigned char>(tree);
  std::copy(key.bytes.begin(), key.bytes.end(), in + 12);
  unsigned char out[8];
  crypto_generichash(out, sizeof out, in, sizeof in, nullptr, 0);
  std::uint64_t v = 0;
  for (auto b : out) v = v << 8 | b;
  return v;
}

std::uint64_t RouterCore::rank(int tree, const NodeId& key) {
  auto it = ranks_.find(key);
  if (it == ranks_.end()) {
    if (ranks_.size() > 4096) ranks_.clear();
    std::array<std::uint64_t, detail::kMaxTrees> r{};
    for (std::size_t i = 0; i < trees_.size(); ++i) r[i] = treeRank(static_cast<int>(i), key);
    it = ranks_.emplace(key, r).first;
  }
  return it->second[static_cast<std::size_t>(tree)];
}

bool RouterCore::usable(const Tree& t, const StoredAnnounce& s) const {
  const auto& a = s.announce;
  const NodeId& root = a.hops.front().key;
  if (root == self_) return false;
  if (auto w = t.withdrawn.find(root); w != t.withdrawn.end() && a.sequence <= w->second) {
    return false;
  }
  if (pathContains(a.hops, self_)) return false;
  // After losing our parent, a path with the old sequence is trusted only if it avoids that
  // parent: anything through it may be a stale copy of the path that just broke.
  if (t.repairing && root == t.repairRoot && a.sequence <= t.repairSequence &&
      pathContains(a.hops, t.lostParent)) {
    return false;
  }
  return true;
}

void RouterCore::reselect(Tree& t, Micros now) {
  const int index = t.index;
  const NodeId oldRoot = t.root;
  const Port oldParent = t.parent;
  const std::uint64_t oldSequence = t.sequence;
  const auto oldCoords = t.coords;

  NodeId bestRoot = self_;
  std::uint64_t bestRank = t.selfRank;
  for (const auto& [port, s] : t.announcements) {
    if (!usable(t, s)) continue;
    const NodeId& root = s.announce.hops.front().key;
    const auto r = rank(index, root);
    if (r > bestRank || (r == bestRank && root > bestRoot)) {
      bestRank = r;
      bestRoot = root;
    }
  }

  // While repairing, do not fall back to a worse root before the hold ends: the old root may
  // still answer our refresh request.
  if (t.repairing && bestRank < rank(index, t.repairRoot)) return;

  if (bestRoot == self_) {
    if (t.root != self_) becomeRoot(t, now);
  } else {
    std::uint64_t maxSeq = 0;
    for (const auto& [port, s] : t.announcements) {
      if (usable(t, s) && s.announce.hops.front().key == bestRoot) {
        maxSeq = std::max(maxSeq, s.announce.sequence);
      }
    }
    const StoredAnnounce* chosen = nullptr;
    Port chosenPort = 0;
    for (const auto& [port, s] : t.announcements) {
      if (!usable(t, s) || s.announce.hops.front().key != bestRoot) continue;
      if (s.announce.sequence + 1 < maxSeq) continue;
      const auto depth = s.announce.hops.size();
      bool better = chosen == nullptr || depth < chosen->announce.hops.size();
      if (!better && depth == chosen->announce.hops.size()) {
        // Equal depth: keep the current parent (stability), else the lowest port.
        better = port == t.parent || (chosenPort != t.parent && port < chosenPort);
      }
      if (better) {
        chosen = &s;
        chosenPort = port;
      }
    }
    t.root = bestRoot;
    t.parent = chosenPort;
    t.sequence = chosen->announce.sequence;
    t.path = chosen->announce.hops;
    t.coords.clear();
    for (const auto& h : t.path) t.coords.push_back(h.port);
    if (t.repairing && bestRoot == t.repairRoot) t.repairing = false;
    if (t.repairing && rank(index, bestRoot) > rank(index, t.repairRoot)) t.repairing = false;
  }

  if (t.root != oldRoot) ++counters_.rootChanges;
  if (t.parent != oldParent) ++counters_.parentChanges;
  if (t.coords != oldCoords) ++t.coordsVersion;
  if (t.coords != oldCoords || t.root != oldRoot) coordsChanged_ = true;
  if (t.root != oldRoot || t.parent != oldParent || t.sequence != oldSequence ||
      t.coords != oldCoords) {
    announceAll(t);
  }
}

void RouterCore::becomeRoot(Tree& t, Micros now) {
  t.root = self_;
  t.parent = 0;
  t.path.clear();
  t.coords.clear();
  std::uint64_t floor = t.ownSequence + 1;
  if (auto w = t.withdrawn.find(self_); w != t.withdrawn.end())
    floor = std::max(floor, w->second + 1);
  t.ownSequence = floor;
  t.sequence = floor;
  t.lastRootBump = now;
  t.repairing = false;
}

void RouterCore::enterRepair(Tree& t, const NodeId& lostParent, Micros now) {
  if (t.root == self_) return;
  if (!t.repairing) {
    t.repairing = true;
    t.repairRoot = t.root;
    t.repairSequence = t.sequence;
    t.lostParent = lostParent;
    t.repairDeadline = now + config_.repairHold;
  }
  reselect(t, now);
  if (!t.repairing) return;
  requestFreshSequence(t, now);
  // Our children cannot reach the root through us now, and we may only be able to reach it
  // through one of them (the way round our subtree): tell them we are detached — a path that
  // starts at us — so that they look for their own way up and offer it back to us.
  for (const auto& [port, s] : t.announcements) {
    const auto& hops = s.announce.hops;
    if (hops.size() < 2 || hops[hops.size() - 2].key != self_) continue;  // not our child
    detail::TreeAnnounce detached;
    detached.tree = t.index;
    detached.sequence = t.ownSequence;
    detached.hops.push_back(
        detail::WireHop{self_, port, std::string(detail::kSignatureSize, '\0')});
    if (config_.signAnnouncements) {
      detached.hops.back().signature =
          signer_.sign(detail::announcementSigningInput(detached, 0, peers_.at(port)));
    }
    auto bytes = detail::encode(detached);
    counters_.controlBytesSent += bytes.size();
    host_.sendFrame(port, RouterFrame::kTreeAnnounce, std::move(bytes), true);
  }
}

void RouterCore::requestFreshSequence(Tree& t, Micros now) {
  // No path avoids the lost parent: ask the root for a fresh sequence, which proves a path is
  // alive. Through every peer that still offers the root (some may be repairing too), again a
  // few times during the hold.
  detail::TreeNotice n{t.index, t.repairRoot, t.repairSequence};
  const std::string bytes = detail::encode(n);
  for (const auto& [port, s] : t.announcements) {
    const auto& a = s.announce;
    if (a.hops.front().key != t.repairRoot || pathContains(a.hops, self_)) continue;
    host_.sendFrame(port, RouterFrame::kTreeRefresh, bytes, true);
  }
  t.nextRefreshRequest = now + config_.repairHold / 4;
}

void RouterCore::announceAll(Tree& t) {
  for (const auto& [port, key] : peers_) sendAnnounce(t, port);
}

void RouterCore::sendAnnounce(Tree& t, Port port) {
  auto peer = peers_.find(port);
  if (peer == peers_.end()) return;
  detail::TreeAnnounce a;
  a.tree = t.index;
  a.sequence = t.sequence;
  a.hops = t.path;
  a.hops.push_back(detail::WireHop{self_, port, std::string(detail::kSignatureSize, '\0')});
  if (config_.signAnnouncements) {
    a.hops.back().signature =
        signer_.sign(detail::announcementSigningInput(a, a.hops.size() - 1, peer->second));
  }
  auto bytes = detail::encode(a);
  counters_.controlBytesSent += bytes.size();
  host_.sendFrame(port, RouterFrame::kTreeAnnounce, std::move(bytes), true);
}

bool RouterCore::verifyAnnounce(const detail::TreeAnnounce& a) const {
  for (std::size_t i = 0; i < a.hops.size(); ++i) {
    const NodeId& next = i + 1 < a.hops.size() ? a.hops[i + 1].key : self_;
    if (!signer_.verify(a.hops[i].key, detail::announcementSigningInput(a, i, next),
                        a.hops[i].signature)) {
      return false;
    }
  }
  return true;
}

void RouterCore::onAnnounce(Port port, std::string_view payload, Micros now) {
  auto a = detail::decodeAnnounce(payload, config_.maxDepth);
  if (!a || a->tree >= trees_.size()) {
    ++counters_.droppedMalformed;
    host_.penalise(port, 1);
    return;
  }
  // The sender must be the last hop, and the path may not repeat a node.
  bool forged = a->hops.back().key != peers_.at(port);
  for (std::size_t i = 0; i < a->hops.size() && !forged; ++i) {
    for (std::size_t j = i + 1; j < a->hops.size(); ++j) {
      if (a->hops[i].key == a->hops[j].key) {
        forged = true;
        break;
      }
    }
  }
  if (!forged && config_.signAnnouncements) forged = !verifyAnnounce(*a);
  if (forged) {
    ++counters_.droppedForged;
    host_.penalise(port, 5);
    return;
  }
  Tree& t = trees_[a->tree];
  StoredAnnounce s;
  s.rootTag = detail::rootTag(a->hops.front().key);
  for (std::size_t i = 0; i + 1 < a->hops.size(); ++i) s.senderCoords.push_back(a->hops[i].port);
  s.announce = std::move(*a);
  const bool fromParent = port == t.parent;
  t.announcements[port] = std::move(s);
  if (fromParent) {
    const auto& stored = t.announcements[port];
    const bool stillOurs = usable(t, stored) && stored.announce.hops.front().key == t.root;
    if (!stillOurs) {
      enterRepair(t, peers_.at(port), now);
      return;
    }
  }
  reselect(t, now);
}

std::optional<detail::TreeNotice> RouterCore::readNotice(Port port, std::string_view payload) {
  auto n = detail::decodeNotice(payload);
  if (!n || n->tree >= trees_.size()) {
    ++counters_.droppedMalformed;
    host_.penalise(port, 1);
    return std::nullopt;
  }
  return n;
}

void RouterCore::bumpSequence(Tree& t, std::uint64_t above, Micros now) {
  t.bumpPending = false;
  t.ownSequence = std::max(t.ownSequence, above) + 1;
  t.sequence = t.ownSequence;
  t.lastRootBump = now;
  announceAll(t);
}

void RouterCore::onWithdraw(Port port, std::string_view payload, Micros now) {
  auto n = readNotice(port, payload);
  if (!n) return;
  Tree& t = trees_[n->tree];
  if (n->root == self_) {
    // Someone believes we are gone: prove otherwise with a newer sequence.
    if (t.root == self_) bumpSequence(t, n->sequence, now);
    return;
  }
  if (auto w = t.withdrawn.find(n->root); w != t.withdrawn.end() && w->second >= n->sequence) {
    return;
  }
  if (t.root == n->root && t.sequence > n->sequence && !t.repairing) {
    sendAnnounce(t, port);  // we hold a newer sequence: the sender is out of date
    return;
  }
  t.withdrawn[n->root] = n->sequence;
  for (const auto& [p, key] : peers_) {
    if (p != port) host_.sendFrame(p, RouterFrame::kTreeWithdraw, detail::encode(*n), true);
  }
  if (t.repairing && t.repairRoot == n->root) t.repairing = false;
  reselect(t, now);
}

void RouterCore::onRefresh(Port port, std::string_view payload, Micros now) {
  auto n = readNotice(port, payload);
  if (!n) return;
  Tree& t = trees_[n->tree];
  if (n->root == self_ && t.root == self_) {
    if (t.ownSequence <= n->sequence) {
      if (now - t.lastRootBump >= kMinBumpInterval) {
        bumpSequence(t, n->sequence, now);
      } else {
        t.bumpPending = true;  // soon: a request asked for newer than our newest
      }
    } else {
      sendAnnounce(t, port);
    }
    return;
  }
  if (t.root != n->root) return;
  if (t.sequence > n->sequence) {
    sendAnnounce(t, port);
    return;
  }
  const auto key = std::make_pair(n->root, n->sequence);
  if (t.lastRefreshForwarded == key) return;
  t.lastRefreshForwarded = key;
  if (t.repairing) {
    // Our own way up is broken too: pass the request on by every peer that offers the root.
    for (const auto& [p, s] : t.announcements) {
      const auto& a = s.announce;
      if (p == port || a.hops.front().key != n->root || pathContains(a.hops, self_)) continue;
      host_.sendFrame(p, RouterFrame::kTreeRefresh, detail::encode(*n), true);
    }
    return;
  }
  if (t.parent == 0) return;
  host_.sendFrame(t.parent, RouterFrame::kTreeRefresh, detail::encode(*n), true);
}

void RouterCore::treeTimers(Tree& t, Micros now) {
  if (t.repairing && now < t.repairDeadline && now >= t.nextRefreshRequest) {
    requestFreshSequence(t, now);
  }
  if (t.repairing && now >= t.repairDeadline) {
    // The root never answered: it is gone (or cut off from us). Tell everyone, so nobody keeps
    // routing on its stale tree, and elect the next.
    t.repairing = false;
    ++counters_.withdrawalsIssued;
    t.withdrawn[t.repairRoot] = t.repairSequence;
    detail::TreeNotice n{t.index, t.repairRoot, t.repairSequence};
    for (const auto& [p, key] : peers_) {
      host_.sendFrame(p, RouterFrame::kTreeWithdraw, detail::encode(n), true);
    }
    reselect(t, now);
  }
  if (t.root == self_ && t.bumpPending && now >= t.lastRootBump + kMinBumpInterval) {
    bumpSequence(t, t.ownSequence, now);
  }
  if (t.root == self_ && !peers_.empty() && now >= t.lastRootBump + config_.rootRefresh) {
    bumpSequence(t, t.ownSequence, now);
  }
}

}  // namespace plexus::overlay
