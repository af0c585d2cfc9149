// Deterministic benchmark servers and their key source.
#include "bench_servers.h"

#include <cstdio>

#include "plexus/crypto/sha256.h"

namespace plexus::fedbench {

events::ServerIdentity benchServer(const std::string& name) {
  std::string seed = crypto::sha256Bytes("plexus fedbench " + name);
  return events::ServerIdentity{name, std::string(kBenchKeyId),
                                *crypto::SigningKey::fromSeed(seed)};
}

std::string benchServerName(std::size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "s%04zu.bench", index);
  return buf;
}

void FixedKeySource::add(const events::ServerIdentity& server) {
  keys_.insert_or_assign(server.serverName, server.signingKey.publicKey());
}

std::optional<crypto::PublicKey> FixedKeySource::keyForEvent(std::string_view server,
                                                             std::string_view keyId, std::int64_t,
                                                             const events::RoomVersion&) {
  if (keyId != kBenchKeyId) return std::nullopt;
  auto it = keys_.find(std::string(server));
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

}  // namespace plexus::fedbench
