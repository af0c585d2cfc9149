// Content hashes, reference hashes and event IDs (spec: "Calculating the content hash",
// "Calculating the reference hash", and the event ID rules of each room version).
#pragma once

#include <string>

#include "plexus/core/result.h"
#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::events {

// SHA-256 over canonical JSON of the event without `unsigned`, `signatures` and `hashes`
// (raw 32 bytes).
std::string computeContentHash(const json::Object& event);

// Sets hashes.sha256 to the content hash (unpadded base64).
void addContentHash(json::Object& event);

// True when hashes.sha256 is present and matches the content.
bool contentHashMatches(const json::Object& event);

// SHA-256 over canonical JSON of the redacted event without `signatures` and `unsigned`, raw 32
// bytes. The redaction already drops top-level `age_ts`; from v3 a stray `event_id` field is left
// out too (it is not part of those event formats). These are also the bytes signatures cover.
std::string computeReferenceHash(const json::Object& event, const RoomVersion& version);

// The event ID: the `event_id` field for v1-v2 (error kBadJson when missing or malformed),
// "$" + base64 of the reference hash from v3 (URL-safe from v4).
Result<std::string> computeEventId(const json::Object& event, const RoomVersion& version);

}  // namespace plexus::events
