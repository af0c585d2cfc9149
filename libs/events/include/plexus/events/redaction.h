// The redaction algorithm: which top-level keys and which content keys survive, per room version.
#pragma once

#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::events {

// Returns the redacted form of `event`: `signatures` and `hashes` are kept, `unsigned` is always
// removed, the rest follows the version's rule set (RoomVersion::redaction).
json::Object redact(const json::Object& event, const RoomVersion& version);

}  // namespace plexus::events
