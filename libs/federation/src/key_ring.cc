// KeyRing: merging key responses and the validity rules for requests and events, with
// key-named servers answered from their names.
#include "plexus/federation/key_ring.h"

#include <algorithm>

#include "plexus/federation/server_name.h"

namespace plexus::federation {
namespace {

void merge(KeyRecord& into, const KeyRecord& from) {
  if (into.key != from.key) {
    into = from;
    return;
  }
  into.validUntilTs = std::max(into.validUntilTs, from.validUntilTs);
  if (from.expiredTs) {
    into.expiredTs = into.expiredTs ? std::min(*into.expiredTs, *from.expiredTs) : from.expiredTs;
  }
}

// The self-certified record of (server, keyId) when `server` is key-named: its name's key for an
// ed25519 key ID, nullopt for other algorithms. Outer nullopt: not a key-named server.
std::optional<std::optional<KeyRecord>> selfCertified(std::string_view server,
                                                      std::string_view keyId) {
  auto key = keyNamedServerKey(server);
  if (!key) return std::nullopt;
  if (!isValidEd25519KeyId(keyId)) return std::optional<KeyRecord>();
  return std::optional<KeyRecord>(KeyRecord{*key, kKeyNamedValidUntilTs, std::nullopt});
}

}  // namespace

void KeyRing::addServerKeys(const ServerKeys& keys, std::int64_t fetchedAtMs) {
  std::int64_t validUntil = effectiveValidUntil(keys.validUntilTs, fetchedAtMs);
  for (const auto& [keyId, key] : keys.verifyKeys) {
    addKey(keys.serverName, keyId, KeyRecord{key, validUntil, std::nullopt});
  }
  for (const auto& [keyId, old] : keys.oldVerifyKeys) {
    addKey(keys.serverName, keyId, KeyRecord{old.key, 0, old.expiredTs});
  }
}

bool KeyRing::addKey(std::string_view server, std::string_view keyId, KeyRecord record) {
  if (auto implied = selfCertified(server, keyId)) {
    return implied->has_value() && (*implied)->key == record.key;
  }
  auto k = std::make_pair(std::string(server), std::string(keyId));
  auto it = keys_.find(k);
  if (it == keys_.end()) {
    keys_.emplace(std::move(k), std::move(record));
  } else {
    merge(it->second, record);
  }
  return true;
}

std::optional<KeyRecord> KeyRing::find(std::string_view server, std::string_view keyId) const {
  if (auto implied = selfCertified(server, keyId)) return *implied;
  auto it = keys_.find(std::make_pair(std::string(server), std::string(keyId)));
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::optional<crypto::PublicKey> KeyRing::keyForRequest(std::string_view server,
                                                        std::string_view keyId,
                                                        std::int64_t nowMs) const {
  auto r = find(server, keyId);
  // SPEC: old_verify_keys "are only valid for signing events".
  if (!r || r->expiredTs || nowMs > r->validUntilTs) return std::nullopt;
  return r->key;
}

std::optional<crypto::PublicKey> KeyRing::keyForEvent(std::string_view server,
                                                      std::string_view keyId,
                                                      std::int64_t originServerTs,
                                                      const events::RoomVersion& version) const {
  if (auto implied = selfCertified(server, keyId)) {
    // Valid at any time, whatever timestamp the event claims.
    if (!*implied) return std::nullopt;
    return (*implied)->key;
  }
  auto r = find(server, keyId);
  if (!r) return std::nullopt;
  if (!version.enforceKeyValidity) return r->key;
  std::int64_t until = r->expiredTs ? *r->expiredTs : r->validUntilTs;
  if (originServerTs > until) return std::nullopt;
  return r->key;
}

crypto::KeyLookup KeyRing::eventKeyLookup(std::int64_t originServerTs,
                                          const events::RoomVersion& version) const {
  return [this, originServerTs, &version](std::string_view server, std::string_view keyId) {
    return keyForEvent(server, keyId, originServerTs, version);
  };
}

crypto::KeyLookup KeyRing::requestKeyLookup(std::int64_t nowMs) const {
  return [this, nowMs](std::string_view server, std::string_view keyId) {
    return keyForRequest(server, keyId, nowMs);
  };
}

}  // namespace plexus::federation
