// Pdu: one room event as servers exchange it. It owns the parsed JSON (the canonical bytes are
// re-derivable from it exactly) and knows its room version and event ID. Accessors are cheap
// lookups into the sorted JSON object. A Pdu is immutable once built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::events {

// PDUs larger than this (canonical JSON bytes, with signatures) are rejected (spec: 65,536 bytes).
inline constexpr std::size_t kMaxPduBytes = 65536;

struct PduParseOptions {
  // Take the `event_id` field as the ID instead of computing the reference hash (hand-written
  // graphs, test suites, `plexus state replay --trust-event-ids`). The field is required then.
  bool trustEventIdField = false;
  // Enforce the 65,536-byte limit (canonical size).
  bool enforceSizeLimit = true;
};

class Pdu {
 public:
  // Parses one PDU from JSON text, applying the version's canonical-JSON rules, checking the
  // required fields and their types and computing the event ID. From v3 a stray `event_id`
  // field is dropped (unless trustEventIdField). Does not check signatures or hashes (see
  // checkEventIntegrity). Errors: kNotJson, kBadJson, kTooLarge.
  static Result<Pdu> parse(std::string_view text, const RoomVersion& version,
                           const PduParseOptions& options = {});
  // The same from an already parsed object.
  static Result<Pdu> fromJson(json::Object object, const RoomVersion& version,
                              const PduParseOptions& options = {});

  const RoomVersion& roomVersion() const { return *version_; }
  const std::string& eventId() const { return eventId_; }
  // For v12 create events (no room_id field) the room ID derived from the event ID.
  std::string_view roomId() const;
  std::string_view type() const;
  std::string_view sender() const;
  std::optional<std::string_view> stateKey() const;
  bool isState() const { return stateKey().has_value(); }
  std::int64_t originServerTs() const;
  std::int64_t depth() const;
  // The event's content object (an empty object when absent).
  const json::Object& content() const;
  // IDs of prev_events / auth_events, whatever the version's shape.
  std::vector<std::string_view> prevEvents() const;
  std::vector<std::string_view> authEvents() const;
  // The event a redaction redacts: top-level `redacts` before v11, content.redacts from v11.
  std::optional<std::string_view> redacts() const;
  // content.membership for m.room.member events.
  std::optional<std::string_view> membership() const;

  // The whole event as received (including hashes, signatures and unsigned).
  const json::Object& json() const { return json_; }
  // Canonical JSON of the whole event.
  std::string canonicalJson() const;

  // Drops `signatures`, `hashes` and `unsigned` to save memory once they have been checked.
  void dropVerificationFields();

 private:
  Pdu(json::Object object, const RoomVersion& version, std::string eventId);

  json::Object json_;
  const RoomVersion* version_;
  std::string eventId_;
  std::string roomIdFromCreate_;  // v12 create events only
};

}  // namespace plexus::events
