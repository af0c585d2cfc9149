// Router: forwards overlay datagrams between nodes addressed by public key, with no global
// knowledge (docs/overlay.md §Routing). Sans-IO and single-threaded: the owner feeds it peer
// links coming and going, frames from peers and the time, and it answers with frames to send and
// datagrams to deliver. The same code runs in a real node (over TcpLink) and in the simulator.
//
// Three mechanisms, all bounded per node:
//  - L spanning trees (default 3), each rooted at the node whose key hashes highest for that
//    tree; a node's coordinates in a tree are the ports on its path from the root. Greedy
//    forwarding to the peer whose *minimum over trees* of tree distance to the destination is
//    smallest; that minimum strictly falls at every hop, so a packet cannot loop while the trees
//    stand still, and several trees make the minimum close to the shortest path.
//  - Key space: each node keeps its key-space predecessor and successor with their coordinates
//    (no per-path transit state anywhere), so a packet for a key whose coordinates are unknown
//    walks greedily towards the key and any key is reachable.
//  - A coordinate cache filled from the source coordinates every packet carries, so replies and
//    later packets go the tree way (hybrid forwarding).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/overlay/node_id.h"

namespace plexus::overlay {

// A link to a peer, numbered by the owner (never 0; unique while the link is up).
using Port = std::uint32_t;
// Monotonic microseconds (a real clock in a node, simulated time in the simulator).
using Micros = std::int64_t;

// Router frame types on a peer link (link types 0-15 belong to the link layer).
enum class RouterFrame : std::uint8_t {
  kTreeAnnounce = 16,
  kTreeWithdraw = 17,
  kTreeRefresh = 18,
  kTraffic = 19,
};

struct RouterConfig {
  int trees = 3;                          // 1..8
  Micros rootRefresh = 3600'000'000;      // a root re-announces with a new sequence
  Micros repairHold = 1'000'000;          // wait for a fresh sequence after losing the parent
  Micros keyspaceRefresh = 1200'000'000;  // longest gap between key-space searches
  Micros keyspaceExpiry = 3000'000'000;   // forget a neighbour not refreshed for this long
  std::size_t coordinateCacheSize = 512;
  Micros coordinateCacheLifetime = 600'000'000;
  // A first packet walks the key space, and near its destination each step to a key-space
  // neighbour costs a tree path: in a 10,000-node geometric graph such walks pass 255 hops.
  int maxHops = 1024;
  std::size_t maxDepth = 256;  // announcements with longer paths are refused
  std::size_t maxPayload = 1400;
  // Per-hop signatures on tree announcements. Off: the fields are sent zero-filled and not
  // checked (the simulator, for speed; sizes stay the same).
  bool signAnnouncements = true;
};

// What the router needs from its owner.
class RouterHost {
 public:
  virtual ~RouterHost() = default;
  // Queue a frame on the link `port`. Control frames go before traffic (`control`).
  virtual void sendFrame(Port port, RouterFrame type, std::string bytes, bool control) = 0;
  // A datagram for this node. `hops` is how many links it crossed.
  virtual void deliver(const NodeId& source, std::string_view payload, int hops) = 0;
  // The peer sent something malformed or forged; the link layer decides when to disconnect.
  virtual void penalise(Port /*port*/, int /*points*/) {}
};

// Signs and checks the per-hop signatures of tree announcements.
struct AnnouncementSigner {
  std::function<std::string(std::string_view message)> sign;  // 64-byte ed25519 signature
  std::function<bool(const NodeId& key, std::string_view message, std::string_view signature)>
      verify;
};

struct RouterCounters {
  std::uint64_t delivered = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t droppedNoRoute = 0;
  std::uint64_t droppedHopLimit = 0;
  std::uint64_t droppedMalformed = 0;
  std::uint64_t droppedForged = 0;
  std::uint64_t treeFallbacks = 0;  // greedy tree forwarding met a dead end; went by key space
  std::uint64_t parentChanges = 0;
  std::uint64_t rootChanges = 0;
  std::uint64_t withdrawalsIssued = 0;  // repairs that gave the root up (no fresh sequence came)
  std::uint64_t controlBytesSent = 0;
  std::uint64_t trafficBytesSent = 0;
};

// A node's position in one tree, for introspection and tests.
struct TreePosition {
  NodeId root;
  std::uint64_t sequence = 0;
  Port parent = 0;  // 0: this node is the root (or detached)
  std::vector<std::uint32_t> coordinates;
};

// A key's rank in tree `tree`: the tree's root is the node of highest rank. A hash, so the
// highest key gains nothing, and a key ground to win one tree still loses the others.
std::uint64_t treeRank(int tree, const NodeId& key);

class RouterCore;  // src/router_core.h

class Router {
 public:
  Router(RouterConfig config, NodeId self, RouterHost& host, AnnouncementSigner signer);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  const NodeId& self() const;

  // A link to `key` is up (after the link handshake) / gone.
  void addPeer(Port port, const NodeId& key, Micros now);
  void removePeer(Port port, Micros now);
  // A router frame from a peer. Malformed or forged input is dropped and penalised.
  void onFrame(Port port, RouterFrame type, std::string_view payload, Micros now);
  // Timers: call onTimer at (or after) nextTimer().
  void onTimer(Micros now);
  Micros nextTimer() const;

  // Sends a datagram to `destination`; false when it is too large or there is no route yet.
  bool send(const NodeId& destination, std::string_view payload, Micros now);

  // Introspection (metrics, simulator, tests).
  TreePosition tree(int index) const;
  std::optional<NodeId> successor() const;
  std::optional<NodeId> predecessor() const;
  std::size_t peerCount() const;
  // Destinations this node keeps routes for beyond its peers (key-space neighbours).
  std::size_t keyspaceEntries() const;
  std::size_t cachedCoordinates() const;
  const RouterCounters& counters() const;

 private:
  std::unique_ptr<RouterCore> core_;
};

}  // namespace plexus::overlay
