// Wire formats of the router's frames (docs/overlay.md §Wire): tree announcements, withdrawals
// and refresh requests, and traffic (data and key-space control share one routed header).
// Decoders take untrusted bytes and return nullopt on anything malformed or over a limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/overlay/node_id.h"

namespace plexus::overlay::detail {

inline constexpr std::size_t kSignatureSize = 64;
inline constexpr std::size_t kMaxTrees = 8;

// One hop of an announcement's path: the node, the port on it that leads to the next hop, and
// its signature over the path so far and the next hop's key.
struct WireHop {
  NodeId key;
  std::uint32_t port = 0;
  std::string signature;  // kSignatureSize bytes
};

// hops[0] is the root; the last hop is the sender, its port the link the frame went out on.
struct TreeAnnounce {
  std::uint8_t tree = 0;
  std::uint64_t sequence = 0;
  std::vector<WireHop> hops;
};

// "The root below lost its path here" (withdraw) or "please send a fresh sequence" (refresh).
struct TreeNotice {
  std::uint8_t tree = 0;
  NodeId root;
  std::uint64_t sequence = 0;
};

// A node's coordinates in one tree; rootTag is the first 8 bytes of the tree's root key.
struct TreeCoords {
  std::uint8_t tree = 0;
  std::uint64_t rootTag = 0;
  std::vector<std::uint32_t> ports;
  friend bool operator==(const TreeCoords&, const TreeCoords&) = default;
};
using CoordSet = std::vector<TreeCoords>;

enum class TrafficKind : std::uint8_t {
  kData = 0,
  kFindSuccessor = 1,    // key-space search for the origin's successor
  kFindPredecessor = 2,  // ... and predecessor
  kNeighbourReply = 3,   // "I am your successor/predecessor" (payload: u8 1 = successor)
  kNeighbourUpdate = 4,  // "my coordinates changed" to a key-space neighbour
  kNeighbourHint = 5,    // "a node joined between us": the receiver searches again soon
};

struct Traffic {
  TrafficKind kind = TrafficKind::kData;
  bool keyspace = false;  // routed towards `target` in key space, not by destination coords
  std::uint16_t hopLimit = 1024;
  std::uint16_t hops = 0;
  NodeId destination;
  NodeId source;
  CoordSet sourceCoords;
  CoordSet destinationCoords;
  NodeId target;  // keyspace only
  CoordSet targetCoords;
  std::optional<NodeId> avoid;  // a target that proved unreachable on this packet's way
  std::string payload;
};

bool isControl(TrafficKind kind);

std::string encode(const TreeAnnounce& a);
std::optional<TreeAnnounce> decodeAnnounce(std::string_view in, std::size_t maxDepth);
// The bytes hop `index` signs: the path up to and including it, and the next hop's key.
std::string announcementSigningInput(const TreeAnnounce& a, std::size_t index,
                                     const NodeId& nextHop);

std::string encode(const TreeNotice& n);
std::optional<TreeNotice> decodeNotice(std::string_view in);

std::string encode(const Traffic& t);
std::optional<Traffic> decodeTraffic(std::string_view in, std::size_t maxDepth,
                                     std::size_t maxPayload);

std::uint64_t rootTag(const NodeId& root);

}  // namespace plexus::overlay::detail
