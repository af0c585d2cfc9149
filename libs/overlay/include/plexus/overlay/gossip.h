// Gossip records (docs/overlay.md §Gossip): public-room directory entries and user profiles a
// node publishes so that people on other nodes find rooms and each other with no server in the
// middle. A record is signed by the node key of its author and carries a version and a
// lifetime; GossipStore keeps the newest valid version of each (author, kind, id), bounded, and
// forgets it when its lifetime ends. Datagrams arrive from any node, so nothing here trusts the
// sender: only the author's signature counts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/node_id.h"

namespace plexus::overlay {

enum class GossipKind : std::uint8_t {
  kPublicRoom = 1,  // id: room ID; body: the directory entry as JSON (publicRooms chunk item)
  kProfile = 2,     // id: user ID on the author's server; body: {displayname, avatar_url}
};

struct GossipRecord {
  GossipKind kind = GossipKind::kPublicRoom;
  NodeId author;
  std::string id;
  std::string body;           // JSON text; empty: withdrawn (the room left the directory)
  std::uint64_t version = 0;  // the author's clock in ms; a higher version replaces a lower
  std::uint32_t ttlSeconds = 0;
  std::string signature;  // ed25519 by `author` over signingInput()

  std::string signingInput() const;
  std::int64_t expiresAtMs() const {
    return static_cast<std::int64_t>(version) + std::int64_t{ttlSeconds} * 1000;
  }
};

inline constexpr std::size_t kMaxGossipIdBytes = 255;
inline constexpr std::size_t kMaxGossipBodyBytes = 900;
inline constexpr std::uint32_t kMaxGossipTtlSeconds = 24 * 3600;

GossipRecord makeGossipRecord(GossipKind kind, std::string id, std::string body,
                              std::uint64_t versionMs, std::uint32_t ttlSeconds,
                              const crypto::SigningKey& author);
std::string encodeGossip(const GossipRecord& record);
// nullopt on malformed bytes or fields over their limits (signature not checked here).
std::optional<GossipRecord> decodeGossip(std::string_view bytes);

struct GossipLimits {
  std::size_t maxRecords = 20'000;
  std::size_t maxPerAuthor = 500;
  // Versions further than this ahead of our clock are refused (a clock cannot be that wrong;
  // a record from the future would otherwise live too long).
  std::int64_t maxClockSkewMs = 10 * 60 * 1000;
};

class GossipStore {
 public:
  enum class Offer { kNew, kKnown, kStale, kExpired, kInvalid, kFull };

  explicit GossipStore(GossipLimits limits = {}) : limits_(limits) {}

  // Checks the record (fields, signature, lifetime, clock skew) and keeps it when it is newer
  // than what we hold for its (author, kind, id). kNew means it should be passed on.
  Offer offer(const GossipRecord& record, std::int64_t nowMs);
  // Live records (withdrawals included), of one kind or all.
  std::vector<GossipRecord> records(std::int64_t nowMs) const;
  std::vector<GossipRecord> records(GossipKind kind, std::int64_t nowMs) const;
  void expire(std::int64_t nowMs);
  std::size_t size() const { return records_.size(); }

 private:
  using Key = std::tuple<NodeId, GossipKind, std::string>;
  GossipLimits limits_;
  std::map<Key, GossipRecord> records_;
  std::map<NodeId, std::size_t> perAuthor_;
};

}  // namespace plexus::overlay
