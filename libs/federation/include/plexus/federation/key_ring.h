// KeyRing: the cache of other servers' signing keys, (server name, key ID) -> verify key with its
// validity. Answers the two questions federation asks: may this key sign a request now, and may
// it have signed an event at time T in a room of version V. A value type: not thread-safe; the
// service guards it and persists it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/events/room_version.h"
#include "plexus/federation/server_keys.h"

namespace plexus::federation {

struct KeyRecord {
  crypto::PublicKey key;
  // Until when the key is valid as a current key: the published valid_until_ts capped at fetch
  // time + 7 days. Meaningless once expiredTs is set.
  std::int64_t validUntilTs = 0;
  // Set when the server lists the key in old_verify_keys: it stopped using it at this time.
  std::optional<std::int64_t> expiredTs;
};

class KeyRing {
 public:
  // Merges a validated response fetched at `fetchedAtMs` (directly or via a notary). For a key
  // already known with the same bytes the longer validity wins and a retirement (expired_ts)
  // sticks; a key ID whose bytes changed is replaced by the newer response.
  void addServerKeys(const ServerKeys& keys, std::int64_t fetchedAtMs);

  // Adds one key as is: our own keys, or a notary's keys from configuration.
  void addKey(std::string_view server, std::string_view keyId, KeyRecord record);

  // The record, whatever its validity; nullptr when unknown.
  const KeyRecord* find(std::string_view server, std::string_view keyId) const;

  // A key that may sign a request (X-Matrix) at `nowMs`: a current key (not retired) whose
  // validity has not ended. nullopt means fetch fresh keys.
  std::optional<crypto::PublicKey> keyForRequest(std::string_view server, std::string_view keyId,
                                                 std::int64_t nowMs) const;

  // A key that may have signed an event sent at `originServerTs` in a room of `version`. Rooms
  // v1-v4 ignore validity (spec: valid_until_ts "MUST be ignored in room versions 1, 2, 3, and
  // 4"): any known key counts. From v5 a current key needs originServerTs <= validUntilTs and a
  // retired key originServerTs <= expiredTs.
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t originServerTs,
                                               const events::RoomVersion& version) const;

  // keyForEvent as the lookup events::verifyEventSignatures takes. Holds a reference to *this.
  crypto::KeyLookup eventKeyLookup(std::int64_t originServerTs,
                                   const events::RoomVersion& version) const;

  // keyForRequest as a lookup (e.g. a notary's keys). Holds a reference to *this.
  crypto::KeyLookup requestKeyLookup(std::int64_t nowMs) const;

  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, KeyRecord, std::less<>> keys_;
};

}  // namespace plexus::federation
