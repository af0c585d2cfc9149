// Deterministic remote servers for the federation benchmarks: each has a name and an ed25519
// key derived from a seed string (so a cached room stays valid across runs without storing
// secrets), and FixedKeySource answers the roomserver's key questions from that set.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plexus/events/server_identity.h"
#include "roomserver/api/event_key_source.h"

namespace plexus::fedbench {

inline constexpr std::string_view kBenchKeyId = "ed25519:fb";

// The identity of server `name`: key from SHA-256("plexus fedbench " + name).
events::ServerIdentity benchServer(const std::string& name);

// "s0000.bench", "s0001.bench", ...
std::string benchServerName(std::size_t index);

// Knows the keys of a fixed set of servers; every key is valid forever. Read-only after setup,
// so it needs no lock.
class FixedKeySource final : public roomserver::EventKeySource {
 public:
  void add(const events::ServerIdentity& server);

  void ensureKeys(const CallContext&, const std::map<std::string, std::set<std::string>>&,
                  std::int64_t) override {}
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t originServerTs,
                                               const events::RoomVersion& version) override;

 private:
  std::unordered_map<std::string, crypto::PublicKey> keys_;  // by server name (key ID kBenchKeyId)
};

}  // namespace plexus::fedbench
