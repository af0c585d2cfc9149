// KeyRing: merging key responses and the validity rules for requests and events.
#include "plexus/federation/key_ring.h"

#include <algorithm>

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

void KeyRing::addKey(std::string_view server, std::string_view keyId, KeyRecord record) {
  auto k = std::make_pair(std::string(server), std::string(keyId));
  auto it = keys_.find(k);
  if (it == keys_.end()) {
    keys_.emplace(std::move(k), std::move(record));
  } else {
    merge(it->second, record);
  }
}

const KeyRecord* KeyRing::find(std::string_view server, std::string_view keyId) const {
  auto it = keys_.find(std::make_pair(std::string(server), std::string(keyId)));
  return it == keys_.end() ? nullptr : &it->second;
}

std::optional<crypto::PublicKey> KeyRing::keyForRequest(std::string_view server,
                                                        std::string_view keyId,
                                                        std::int64_t nowMs) const {
  const KeyRecord* r = find(server, keyId);
  // SPEC: old_verify_keys "are only valid for signing events".
  if (!r || r->expiredTs || nowMs > r->validUntilTs) return std::nullopt;
  return r->key;
}

std::optional<crypto::PublicKey> KeyRing::keyForEvent(std::string_view server,
                                                      std::string_view keyId,
                                                      std::int64_t originServerTs,
                                                      const events::RoomVersion& version) const {
  const KeyRecord* r = find(server, keyId);
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
