// EventKeySource: where the roomserver gets the public keys that check the signatures of events
// received over federation. The composition root adapts the federation key cache to it (keys
// fetched from the servers themselves or from notaries); tests use a fixed map. Our own server's
// key is not asked for: the roomserver knows its identity.
//
// Threading: both methods may be called from any thread at once. They must not call back into the
// roomserver.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "plexus/core/call_context.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/events/room_version.h"

namespace plexus::roomserver {

class EventKeySource {
 public:
  virtual ~EventKeySource() = default;

  // Best effort: makes the keys known (fetching them when missing or when their validity ends
  // before `minimumValidUntilTs`), so that keyForEvent can answer. Called once per batch of
  // events with every (server -> key IDs) their signatures name. Failures are not reported: a
  // key still missing afterwards fails the signature check of the events that need it.
  virtual void ensureKeys(const CallContext& ctx,
                          const std::map<std::string, std::set<std::string>>& keyIds,
                          std::int64_t minimumValidUntilTs) = 0;

  // The key of (server, keyId) if it may have signed an event sent at `originServerTs` in a room
  // of `version` (validity rules of KeyRing::keyForEvent), else nullopt. Does no I/O.
  virtual std::optional<crypto::PublicKey> keyForEvent(std::string_view server,
                                                       std::string_view keyId,
                                                       std::int64_t originServerTs,
                                                       const events::RoomVersion& version) = 0;
};

}  // namespace plexus::roomserver
