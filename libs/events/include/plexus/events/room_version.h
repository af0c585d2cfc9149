// The room-version registry: every rule that differs between room versions is a property here,
// and code asks the version instead of comparing version strings.
#pragma once

#include <span>
#include <string_view>

namespace plexus::events {

enum class EventIdFormat {
  kInEvent,         // v1-v2: `event_id` field, "$localpart:server"
  kBase64Hash,      // v3: "$" + standard unpadded base64 of the reference hash
  kUrlSafeHash,     // v4+: "$" + URL-safe unpadded base64 of the reference hash
};

enum class StateResAlgorithm { kV1, kV2, kV2_1 };

enum class RedactionRules {
  kV1,   // v1-v5
  kV6,   // v6-v7: m.room.aliases content no longer kept
  kV8,   // v8: + join_rules `allow`
  kV9,   // v9-v10: + member `join_authorised_via_users_server`
  kV11,  // v11+: MSC2176/MSC3821/MSC3989 changes
};

struct RoomVersion {
  std::string_view id;
  bool stable;
  EventIdFormat eventIdFormat;
  StateResAlgorithm stateRes;
  RedactionRules redaction;
  // v1-v5: the m.room.aliases special case in auth; v6+ treats aliases as any state event.
  bool specialCaseAliasesAuth;
  // v6+: canonical JSON strictly enforced (integer range, no floats) on events.
  bool strictCanonicalJson;
  // v6+: the `notifications` key of power levels is checked in auth.
  bool limitNotificationsPowerLevels;
  // v1-v2 event shape: an `event_id` field, prev/auth events as [id, {hashes}] pairs.
  bool eventIdsInEvents;
  bool knocking;                 // v7+
  bool restrictedJoins;          // v8+
  bool knockRestrictedJoinRule;  // v10+
  bool integerPowerLevels;       // v10+: power level values must be JSON integers
  bool updatedRedactionRules;    // v11+: redacts in content, create keeps all content, etc.
  bool implicitRoomCreator;      // v11+: `creator` dropped from create content; sender is creator
  bool privilegedCreators;       // v12 (MSC4289): creators have infinite power, additional_creators
  bool roomIdFromCreateEvent;    // v12 (MSC4291): room ID = "!" + create event's reference hash
  bool enforceKeyValidity;       // v5+: signing keys must be valid at origin_server_ts
};

// nullptr when the version is unknown.
const RoomVersion* findRoomVersion(std::string_view id);

// Every version this server supports, in ascending order.
std::span<const RoomVersion> supportedRoomVersions();

// The version new rooms get unless the client asks otherwise: "12" (see room_version.cc).
const RoomVersion& defaultRoomVersion();

}  // namespace plexus::events
