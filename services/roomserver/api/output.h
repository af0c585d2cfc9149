// The roomserver's bus output (topic "roomserver.output", key = room ID): what other services
// learn about rooms. Consumers: sync-api (timelines, state, memberships), federation-sender
// (locally originated events), push delivery. Ordered per room; delivered at least once, so consumers dedupe by
// event ID.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::roomserver {

// Set when a local client sent the event with a transaction ID, so the sender's /sync can
// echo unsigned.transaction_id to that device only.
struct TransactionRef {
  std::string userId;
  std::string deviceId;
  std::string transactionId;
};

struct OutputRoomEvent {
  static constexpr std::string_view kTopic = "roomserver.output";

  enum class Kind : std::uint8_t {
    kNewRoomEvent,  // an accepted event that is part of the room's timeline now
    kRedaction,     // `redactsEventId` was redacted by `eventId` (both already output)
    kPurgeRoom,     // the room was purged (forgotten by every local user)
    // An invite of a local user to a room this server is not in (received over federation):
    // `event` is the invite (an outlier, not in any timeline here) with
    // unsigned.invite_room_state holding the stripped state the inviting server sent.
    kInvite,
    // A knock of a local user on a room this server is not in (sent over federation): `event`
    // is the knock with unsigned.knock_room_state, the stripped state the resident answered.
    kKnock,
  };

  Kind kind = Kind::kNewRoomEvent;
  std::string roomId;
  std::string roomVersion;
  std::string eventId;
  // The full PDU as stored (canonical JSON object, without an event_id field for v3+).
  json::Object event;
  // A writer that has the PDU's canonical JSON text already may set this instead of `event`
  // (encode() splices it in; receivers get `event` filled by fromJson).
  std::string encodedEvent;
  // How the room's current state changed with this event (a new state event adds itself and
  // removes the one it replaces; after a state resolution several may change at once).
  std::vector<std::string> addsStateEventIds;
  std::vector<std::string> removesStateEventIds;
  std::optional<TransactionRef> transaction;
  std::string redactsEventId;  // kRedaction only

  std::string key() const { return roomId; }
  json::Object toJson() const;
  // JSON text of toJson() (keys not in canonical order), without re-serialising encodedEvent.
  std::string encode() const;
  static Result<OutputRoomEvent> fromJson(const json::Object& object);
};

}  // namespace plexus::roomserver
