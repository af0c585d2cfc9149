// Building local events: the PDU JSON for a draft on top of a room's head (prev_events, depth,
// auth_events chosen from the current state), hashed and signed by the local server, and its
// authorization against that state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/events/server_identity.h"
#include "plexus/json/value.h"
#include "roomserver/impl/room_state.h"

namespace plexus::roomserver {

struct EventDraft {
  std::string sender;
  std::string type;
  std::optional<std::string> stateKey;
  json::Object content;
  std::optional<std::string> redacts;  // m.room.redaction only
};

// Builds and signs the event. prev_events are the room's extremities (the deepest
// `maxPrevEvents`), depth is one more than the deepest of them, auth_events the state events
// named by eventauth::authStateTuplesFor. A create event (empty state) gets no prev or auth
// events; for v12 it has no room_id. Errors: kInvalidParam (the draft does not make a valid
// PDU, e.g. a malformed sender), kTooLarge.
Result<events::Pdu> buildEvent(const EventDraft& draft, const RoomState& head,
                               const events::ServerIdentity& identity, std::int64_t nowMs,
                               std::size_t maxPrevEvents);

// Checks the event against the head's current state with the version's auth rules.
// Errors: kForbidden with the failed rule.
Status authorizeEvent(const events::Pdu& event, const RoomState& head);

}  // namespace plexus::roomserver
