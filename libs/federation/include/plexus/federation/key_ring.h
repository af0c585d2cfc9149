// KeyRing: the cache of other servers' signing keys, (server name, key ID) -> verify key with its
// validity. Answers the two questions federation asks: may this key sign a request now, and may
// it have signed an event at time T in a room of version V. A value type: not thread-safe; the
// service guards it and persists it.
//
// Key-named servers (server_name.h, DESIGN.md §4) are self-certifying: the ring answers every
// `ed25519:*` key ID of such a server with the key its name encodes, valid forever, without any
// fetch, and never accepts another key for it. An event or request from a key-named server is
// therefore verifiable while that server is unreachable, and one signed by any other key fails.
#pragma once

#include <cstdint>
#include <limits>
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

// The validity the ring gives a key-named server's key: "forever" (validUntilTs of about 146
// million years after 1970, never retired). Half of the int64 range, so that adding a margin to
// it cannot overflow.
inline constexpr std::int64_t kKeyNamedValidUntilTs = std::numeric_limits<std::int64_t>::max() / 2;

class KeyRing {
 public:
  // Merges a validated response fetched at `fetchedAtMs` (directly or via a notary). For a key
  // already known with the same bytes the longer validity wins and a retirement (expired_ts)
  // sticks; a key ID whose bytes changed is replaced by the newer response. For a key-named
  // server, keys other than its name's key are dropped (see addKey).
  void addServerKeys(const ServerKeys& keys, std::int64_t fetchedAtMs);

  // Adds one key as is: our own keys, or a notary's keys from configuration. Returns false when
  // the key is refused: a key-named server's only key is its name's key, so any other key (or a
  // key ID outside `ed25519:*`) for such a server is dropped. Its name's key is not stored either
  // (the ring knows it already) but counts as accepted.
  bool addKey(std::string_view server, std::string_view keyId, KeyRecord record);

  // The record, whatever its validity; nullopt when unknown. For a key-named server and an
  // `ed25519:*` key ID: its name's key, valid until kKeyNamedValidUntilTs, never retired.
  std::optional<KeyRecord> find(std::string_view server, std::string_view keyId) const;

  // A key that may sign a request (X-Matrix) at `nowMs`: a current key (not retired) whose
  // validity has not ended. nullopt means fetch fresh keys (never for a key-named server: its
  // answer is always its name's key).
  std::optional<crypto::PublicKey> keyForRequest(std::string_view server, std::string_view keyId,
                                                 std::int64_t nowMs) const;

  // A key that may have signed an event sent at `originServerTs` in a room of `version`. Rooms
  // v1-v4 ignore validity (spec: valid_until_ts "MUST be ignored in room versions 1, 2, 3, and
  // 4"): any known key counts. From v5 a current key needs originServerTs <= validUntilTs and a
  // retired key originServerTs <= expiredTs. A key-named server's key is valid at any time.
  std::optional<crypto::PublicKey> keyForEvent(std::string_view server, std::string_view keyId,
                                               std::int64_t originServerTs,
                                               const events::RoomVersion& version) const;

  // keyForEvent as the lookup events::verifyEventSignatures takes. Holds a reference to *this.
  crypto::KeyLookup eventKeyLookup(std::int64_t originServerTs,
                                   const events::RoomVersion& version) const;

  // keyForRequest as a lookup (e.g. a notary's keys). Holds a reference to *this.
  crypto::KeyLookup requestKeyLookup(std::int64_t nowMs) const;

  // Stored records (key-named servers' keys are implied, not stored).
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, KeyRecord, std::less<>> keys_;
};

}  // namespace plexus::federation
