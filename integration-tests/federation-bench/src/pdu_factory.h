// Builds signed PDUs the way a remote server would: the caller gives the event's fields
// (room_id, sender, type, state_key, content, prev_events, auth_events, depth, ts), the factory
// adds the content hash and the server's signature (libs/events hashAndSignEvent) and parses the
// result to learn its event ID.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/events/server_identity.h"
#include "plexus/json/value.h"

namespace plexus::fedbench {

struct EventFields {
  std::optional<std::string> roomId;  // absent for a v12 create event
  std::string sender;
  std::string type;
  std::optional<std::string> stateKey;
  json::Object content;
  std::vector<std::string> prevEvents;
  std::vector<std::string> authEvents;
  std::int64_t depth = 1;
  std::int64_t originServerTs = 0;
};

// Errors: those of Pdu::fromJson (a malformed draft).
Result<events::Pdu> signedEvent(const EventFields& fields, const events::ServerIdentity& server,
                                const events::RoomVersion& version);

}  // namespace plexus::fedbench
