// The redaction algorithm: which top-level keys and which content keys survive, per room version.
#pragma once

#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::events {

// Returns the redacted form of `event` (keeps `signatures`, `hashes`, and `unsigned` is removed
// except as the version rules say).
json::Object redact(const json::Object& event, const RoomVersion& version);

}  // namespace plexus::events
