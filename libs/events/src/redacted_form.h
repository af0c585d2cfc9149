// Internal: the redaction rules as predicates, shared by redact() (which builds the redacted
// object) and writeRedactedSigningBytes() (which streams the bytes that reference hashes and
// event signatures cover without building the redacted copy).
#pragma once

#include <string>
#include <string_view>

#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::events::detail {

// True when the redaction algorithm of `version` keeps the top-level key.
bool keepsTopLevelKey(std::string_view key, const RoomVersion& version);

// The redacted form of an event's content for an event of `type`. A content that is not an
// object redacts to an empty object.
json::Object redactContent(std::string_view type, const json::Value& content,
                           const RoomVersion& version);

// Appends canonical JSON of the redacted event without `signatures` and `unsigned`: the bytes
// both the reference hash and the event signatures cover.
// NOTSPEC: from v3 an `event_id` field is not part of the event format; a stray one is left out
// (as the event ID would otherwise depend on itself), like the servers that strip it on receipt.
void writeRedactedSigningBytes(const json::Object& event, const RoomVersion& version,
                               std::string& out);

}  // namespace plexus::events::detail
