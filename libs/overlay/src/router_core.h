// RouterCore: the state and logic behind Router (router.h). Split by concern over
// router_core.cc (peers, frame dispatch, timers), router_trees.cc (spanning trees),
// router_forward.cc (traffic) and router_keyspace.cc (key-space neighbours and candidates).
#pragma once

#include <array>
#include <optional>
#include <unordered_map>
#include <vector>

#include "plexus/overlay/router.h"
#include "router_wire.h"

namespace plexus::overlay {

class RouterCore {
 public:
  RouterCore(RouterConfig config, NodeId self, RouterHost& host, AnnouncementSigner signer);

  const NodeId& self() const { return self_; }
  void addPeer(Port port, const NodeId& key, Micros now);
  void removePeer(Port port, Micros now);
  void onFrame(Port port, RouterFrame type, std::string_view payload, Micros now);
  void onTimer(Micros now);
  Micros nextTimer() const;
  bool send(const NodeId& destination, std::string_view payload, Micros now);

  TreePosition tree(int index) const;
  std::optional<NodeId> successor() const;
  std::optional<NodeId> predecessor() const;
  std::size_t peerCount() const { return peers_.size(); }
  std::size_t keyspaceEntries() const;
  std::size_t cachedCoordinates() const { return cache_.size(); }
  const RouterCounters& counters() const { return counters_; }

 private:
  static constexpr std::uint64_t kInfinite = ~0ull;
  static constexpr std::size_t kNoCommon = ~std::size_t{0};

  struct StoredAnnounce {
    detail::TreeAnnounce announce;
    std::uint64_t rootTag = 0;
    std::vector<std::uint32_t> senderCoords;  // every hop's port but the last
    // Length of the prefix senderCoords shares with the tree's own coordinates, valid while
    // commonVersion equals the tree's coordsVersion (forwarding's fast path).
    mutable std::size_t commonWithSelf = 0;
    mutable std::uint64_t commonVersion = 0;
  };

  struct Tree {
    std::uint8_t index = 0;
    std::uint64_t selfRank = 0;
    NodeId root;
    std::uint64_t sequence = 0;
    Port parent = 0;
    std::vector<detail::WireHop> path;  // root .. parent, as the parent announced it to us
    std::vector<std::uint32_t> coords;
    std::uint64_t coordsVersion = 1;  // bumped whenever coords change
    std::uint64_t ownSequence = 0;  // our sequence while we are the root
    Micros lastRootBump = 0;
    bool bumpPending = false;  // a refresh request came within kMinBumpInterval of a bump
    std::unordered_map<Port, StoredAnnounce> announcements;
    std::unordered_map<NodeId, std::uint64_t, NodeIdHash> withdrawn;  // root -> sequence
    bool repairing = false;
    NodeId repairRoot;
    std::uint64_t repairSequence = 0;
    NodeId lostParent;
    Micros repairDeadline = 0;
    Micros nextRefreshRequest = 0;
    std::optional<std::pair<NodeId, std::uint64_t>> lastRefreshForwarded;
    std::optional<std::pair<NodeId, std::uint64_t>> lastWithdrawSeen;
  };

  struct Neighbour {
    NodeId key;
    detail::CoordSet coords;
    Micros refreshed = 0;
  };

  struct CacheEntry {
    detail::CoordSet coords;
    Micros learned = 0;
  };

  // A node the key-space walk could head for next.
  struct Candidate {
    NodeId key;
    const detail::CoordSet* coords = nullptr;  // null: a peer without announcements yet
    Port port = 0;                             // set when the candidate is a direct peer
    detail::CoordSet ownCoords;                // storage for ancestors' coordinates
  };

  enum class Metric { kToKey, kSuccessorOf, kPredecessorOf };

  // --- trees (router_trees.cc)
  std::uint64_t rank(int tree, const NodeId& key);
  bool usable(const Tree& t, const StoredAnnounce& s) const;
  void reselect(Tree& t, Micros now);
  void becomeRoot(Tree& t, Micros now);
  void enterRepair(Tree& t, const NodeId& lostParent, Micros now);
  void requestFreshSequence(Tree& t, Micros now);
  void announceAll(Tree& t);
  void sendAnnounce(Tree& t, Port port);
  void onAnnounce(Port port, std::string_view payload, Micros now);
  std::optional<detail::TreeNotice> readNotice(Port port, std::string_view payload);
  // Makes our sequence (as root) newer than `above` and announces it.
  void bumpSequence(Tree& t, std::uint64_t above, Micros now);
  void onWithdraw(Port port, std::string_view payload, Micros now);
  void onRefresh(Port port, std::string_view payload, Micros now);
  void treeTimers(Tree& t, Micros now);
  bool verifyAnnounce(const detail::TreeAnnounce& a) const;

  // --- forwarding (router_forward.cc)
  bool handleTraffic(detail::Traffic t, Port from, Micros now);
  bool routeToDestination(detail::Traffic& t, Micros now);
  bool routeInKeyspace(detail::Traffic& t, Metric metric, Micros now);
  Port greedyPort(const detail::CoordSet& dest) const;
  // greedyPort, dropping from `dest` the trees that lead to a dead end here.
  Port greedyPortPruning(detail::CoordSet& dest) const;
  std::uint64_t distanceFromSelf(const detail::CoordSet& dest) const;
  // `selfCommon[i]`: the prefix dest[i] shares with our coordinates in its tree, or kNoCommon
  // when the trees' roots differ (see greedyPort).
  std::uint64_t distanceFromPeer(
      Port port, const detail::CoordSet& dest,
      const std::array<std::size_t, detail::kMaxTrees>& selfCommon) const;
  bool forward(detail::Traffic& t, Port port);
  void localDelivery(const detail::Traffic& t, Micros now);
  void learn(const NodeId& key, const detail::CoordSet& coords, Micros now);
  detail::CoordSet ownCoords() const;
  std::optional<Port> peerPort(const NodeId& key) const;

  // --- key space (router_keyspace.cc)
  std::optional<Candidate> bestCandidate(const NodeId& key, Metric metric,
                                         const std::optional<NodeId>& avoid, Micros now);
  static KeyPosition metricDistance(Metric metric, const NodeId& candidate, const NodeId& key);
  void startSearches(Micros now);
  void onNeighbourFound(const detail::Traffic& t, Micros now);
  void onSearchEnded(const detail::Traffic& t, Micros now);
  void onNeighbourUpdate(const detail::Traffic& t, Micros now);
  void notifyNeighboursOfNewCoords(Micros now);
  void keyspaceTimers(Micros now);
  void searchSoon(Micros now);
  bool replaceable(const Neighbour& current, Metric side, const NodeId& offered, Micros now) const;
  void sendControl(detail::TrafficKind kind, const Neighbour& to, std::string payload, Micros now);

  RouterConfig config_;
  NodeId self_;
  RouterHost& host_;
  AnnouncementSigner signer_;
  RouterCounters counters_;

  std::unordered_map<Port, NodeId> peers_;
  std::unordered_map<NodeId, Port, NodeIdHash> portOf_;
  std::vector<Tree> trees_;
  std::unordered_map<NodeId, std::array<std::uint64_t, detail::kMaxTrees>, NodeIdHash> ranks_;

  std::optional<Neighbour> successor_;
  std::optional<Neighbour> predecessor_;
  Micros nextSearch_ = -1;  // -1: not scheduled (no peers yet)
  // Searches back off while their answers stay the same (1 s, x4 each time, up to keyspaceRefresh)
  // and come quickly again after a change, a missing answer or a hint.
  Micros searchBackoff_ = 0;
  bool successorAnswered_ = false;
  bool predecessorAnswered_ = false;
  bool neighboursChanged_ = false;
  bool coordsChanged_ = false;
  std::unordered_map<NodeId, CacheEntry, NodeIdHash> cache_;
};

}  // namespace plexus::overlay
