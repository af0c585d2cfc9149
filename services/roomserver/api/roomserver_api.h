// RoomserverApi: the contract of the roomserver, the only writer of room events. It builds,
// authorizes, signs and stores local events (room creation, messages, state, memberships,
// redactions, upgrades), keeps each room's current state, memberships, aliases and directory
// visibility, and answers queries about them. Every accepted event is also published on the bus
// as an OutputRoomEvent (api/output.h), after it is committed, in order per room.
//
// Threading: every method may be called from any number of threads at once. Writes to one room
// are serialized; different rooms proceed in parallel.
// Errors: every method returns ErrorCode values that carry the Matrix meaning, so client-api can
// turn them into {"errcode","error"} unchanged. Methods do not throw.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/json/value.h"
#include "roomserver/api/output.h"

namespace plexus::roomserver {

// ---- Value types ------------------------------------------------------------------------------

// createRoom presets (spec: client-server API "Creation", POST /createRoom `preset`).
enum class Preset : std::uint8_t { kPrivateChat, kPublicChat, kTrustedPrivateChat };

// Room directory visibility (published in the public room list or not).
enum class Visibility : std::uint8_t { kPrivate, kPublic };

// One state event to send: (type, state_key) with its content.
struct StateEventSpec {
  std::string type;
  std::string stateKey;
  json::Object content;
};

struct CreateRoomRequest {
  std::string creator;                     // user ID of the local creator
  std::optional<std::string> roomVersion;  // default: events::defaultRoomVersion() ("12")
  // Default when absent: kPublicChat when visibility is public, else kPrivateChat.
  std::optional<Preset> preset;
  Visibility visibility = Visibility::kPrivate;  // kPublic also publishes the room
  std::optional<std::string> name;
  std::optional<std::string> topic;
  // Local part of an alias to create: "#<roomAliasName>:<server>". Errors kRoomInUse when taken.
  std::optional<std::string> roomAliasName;
  std::vector<std::string> invite;  // user IDs to invite (m.room.member invite events)
  std::vector<StateEventSpec> initialState;
  std::optional<json::Object> powerLevelContentOverride;  // merged over the default PL content
  std::optional<json::Object> creationContent;            // extra m.room.create content
  bool isDirect = false;                                  // sets is_direct on the invites
};

struct CreateRoomResponse {
  std::string roomId;
  std::optional<std::string> roomAlias;  // the full alias when roomAliasName was given
};

// A local event to build and send. State events have a stateKey (possibly empty).
struct SendEventRequest {
  std::string roomId;
  std::string sender;
  std::string type;
  std::optional<std::string> stateKey;
  json::Object content;
  // When set, (userId, deviceId, transactionId) makes the send idempotent: the same
  // transaction returns the first event's ID without sending again. userId should be `sender`.
  std::optional<TransactionRef> transaction;
};

struct SendEventResponse {
  std::string eventId;
};

struct JoinRequest {
  std::string roomIdOrAlias;  // "!room:server" or "#alias:server"
  std::string userId;
  std::optional<std::string> reason;
  std::vector<std::string> serverNames;  // via servers; unused until federation (TODO(#4))
};

struct JoinResponse {
  std::string roomId;
  std::string eventId;
};

// invite / kick / ban / unban: `sender` acts on `target`.
struct MembershipChangeRequest {
  std::string roomId;
  std::string sender;
  std::string target;
  std::optional<std::string> reason;
  bool isDirect = false;  // invites only: content.is_direct
};

struct RedactRequest {
  std::string roomId;
  std::string sender;
  std::string redactsEventId;
  std::optional<std::string> reason;
  std::optional<TransactionRef> transaction;
};

struct UpgradeRoomRequest {
  std::string roomId;
  std::string userId;
  std::string newVersion;
};

struct UpgradeRoomResponse {
  std::string replacementRoomId;
};

// A stored event as queries return it. `pdu` is the stored form: already redacted when a
// redaction applied to it (then `redactedBecause` names the redaction event).
struct RoomEvent {
  events::Pdu pdu;
  std::optional<std::string> redactedBecause;
};

// Selects current state: one (type, stateKey), or every state key of `type` when stateKey is
// nullopt.
struct StateSelector {
  std::string type;
  std::optional<std::string> stateKey;
};

// Which state queryStateAtEvent returns.
enum class StatePoint : std::uint8_t {
  kBefore,  // the state the event was authorized against (without the event itself)
  kAfter,   // the state including the event when it is a state event
};

struct MembershipInfo {
  std::string membership;  // "join", "invite", "leave", "ban", "knock"
  std::string eventId;     // the m.room.member event that set it
  bool forgotten = false;  // performForget was called after leaving
};

struct JoinedMember {
  std::string userId;
  std::optional<std::string> displayName;  // from the member event content
  std::optional<std::string> avatarUrl;
};

struct LatestEvents {
  std::vector<std::string> eventIds;  // forward extremities
  std::int64_t depth = 0;             // the largest depth among them
};

struct AliasInfo {
  std::string roomId;
  std::vector<std::string> servers;  // servers that can be asked to join (ours for now)
};

struct PublicRoomsRequest {
  std::optional<std::string> since;  // a next_batch / prev_batch token from a previous answer
  std::optional<std::int64_t> limit;  // default: all
  std::optional<std::string> genericSearchTerm;  // case-insensitive in name, topic, alias
};

struct PublicRoom {
  std::string roomId;
  std::optional<std::string> name;
  std::optional<std::string> topic;
  std::optional<std::string> canonicalAlias;
  std::optional<std::string> avatarUrl;
  std::optional<std::string> joinRule;
  std::optional<std::string> roomType;  // m.room.create content.type
  std::int64_t numJoinedMembers = 0;
  bool worldReadable = false;  // history_visibility == world_readable
  bool guestCanJoin = false;   // guest_access == can_join
};

struct PublicRoomsResponse {
  std::vector<PublicRoom> chunk;  // ordered by joined members (desc), then room ID
  std::optional<std::string> nextBatch;
  std::optional<std::string> prevBatch;
  std::int64_t totalRoomCountEstimate = 0;
};

// A user's profile, as the roomserver puts it in the m.room.member events it builds.
struct Profile {
  std::optional<std::string> displayName;
  std::optional<std::string> avatarUrl;
};
// Looks up a local user's profile (account-sync, wired by the composition root); returns an
// empty Profile for unknown users. Must be thread-safe; must not call back into the roomserver.
using ProfileLookup = std::function<Profile(const CallContext&, std::string_view userId)>;

// ---- The interface ----------------------------------------------------------------------------

class RoomserverApi {
 public:
  virtual ~RoomserverApi() = default;

  // --- Writing (perform*) ---

  // Creates a room with the spec's createRoom event order: m.room.create, the creator's join,
  // m.room.power_levels (with the override), m.room.canonical_alias, the preset's join_rules /
  // history_visibility / guest_access, initial_state, m.room.name, m.room.topic, invites. Every
  // event is written in one transaction (nothing is stored when any fails).
  // v12: the room ID is derived from the create event; creators are not in the PL users.
  // Errors: kUnsupportedRoomVersion (unknown version, or v1-v2 which this server cannot create);
  // kInvalidParam (bad content, e.g. a malformed user ID to invite); kRoomInUse (alias taken);
  // kForbidden (an event of the request fails the auth rules, e.g. an initial_state event).
  virtual Result<CreateRoomResponse> performCreateRoom(const CallContext& ctx,
                                                       const CreateRoomRequest& request) = 0;

  // Builds, authorizes, signs, stores and publishes one local event. Idempotent per
  // request.transaction. Errors: kNotFound (no such room); kForbidden (the auth rules refused,
  // reason in the message); kInvalidParam (bad content for the type); kTooLarge (PDU > 64 KiB).
  virtual Result<SendEventResponse> performSendEvent(const CallContext& ctx,
                                                     const SendEventRequest& request) = 0;

  // Joins a local room (by ID or alias). Errors: kNotFound (unknown room or alias);
  // kForbidden (join rules, ban).
  virtual Result<JoinResponse> performJoin(const CallContext& ctx, const JoinRequest& request) = 0;
  // Invites target. Errors: kNotFound; kForbidden (not joined, no invite power, target banned
  // or already joined).
  virtual Result<SendEventResponse> performInvite(const CallContext& ctx,
                                                  const MembershipChangeRequest& request) = 0;
  // Leaves (or rejects an invite, or withdraws a knock). Errors: kNotFound; kForbidden.
  virtual Result<SendEventResponse> performLeave(const CallContext& ctx, const std::string& roomId,
                                                 const std::string& userId,
                                                 const std::optional<std::string>& reason) = 0;
  // Kicks target (membership leave). Errors: kNotFound; kForbidden (kick power, target not in
  // the room).
  virtual Result<SendEventResponse> performKick(const CallContext& ctx,
                                                const MembershipChangeRequest& request) = 0;
  // Bans target. Errors: kNotFound; kForbidden (ban power).
  virtual Result<SendEventResponse> performBan(const CallContext& ctx,
                                               const MembershipChangeRequest& request) = 0;
  // Unbans target (membership leave). Errors: kNotFound; kForbidden (ban power, target not
  // banned).
  virtual Result<SendEventResponse> performUnban(const CallContext& ctx,
                                                 const MembershipChangeRequest& request) = 0;
  // Knocks on a local room (v7+, join rule knock or knock_restricted). Errors: kNotFound;
  // kForbidden (join rule, version, already joined or banned).
  virtual Result<JoinResponse> performKnock(const CallContext& ctx, const JoinRequest& request) = 0;
  // Marks the room forgotten for the user: allowed only when the user's membership is leave or
  // ban (or none). Errors: kNotFound (the user never was in the room); kInvalidParam (still
  // joined, invited or knocking).
  virtual Status performForget(const CallContext& ctx, const std::string& roomId,
                               const std::string& userId) = 0;

  // Sends m.room.redaction (top-level `redacts`; from v11 also content.redacts). When allowed
  // (sender is the target's sender or has the redact power level) the target's stored JSON is
  // redacted and an OutputRoomEvent{kRedaction} follows the redaction's kNewRoomEvent.
  // Errors: kNotFound (room or target event unknown in that room); kForbidden.
  virtual Result<SendEventResponse> performRedact(const CallContext& ctx,
                                                  const RedactRequest& request) = 0;

  // Upgrades a room: creates the replacement room (m.room.create with `predecessor`), copies
  // the important state (join rules, history visibility, guest access, name, topic, avatar,
  // encryption, server ACL, power levels), sends m.room.tombstone in the old room and restricts
  // its power levels (events_default and invite raised to 50). Errors: kUnsupportedRoomVersion;
  // kNotFound; kForbidden (no power to send the tombstone).
  virtual Result<UpgradeRoomResponse> performUpgradeRoom(const CallContext& ctx,
                                                         const UpgradeRoomRequest& request) = 0;

  // --- Aliases and directory ---

  // Maps a local alias to a room. Errors: kConflict (alias exists); kInvalidParam (malformed
  // alias or not on this server); kNotFound (no such room).
  virtual Status performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                                     const std::string& roomId, const std::string& creator) = 0;
  // Removes an alias; allowed for its creator and for users with the power to send
  // m.room.canonical_alias in the room. Errors: kNotFound; kForbidden.
  virtual Status performRemoveRoomAlias(const CallContext& ctx, const std::string& alias,
                                        const std::string& requester) = 0;
  // Errors: kNotFound.
  virtual Result<AliasInfo> queryRoomIdForAlias(const CallContext& ctx,
                                                const std::string& alias) = 0;
  // Local aliases pointing at the room (possibly none). Errors: kNotFound (no such room).
  virtual Result<std::vector<std::string>> queryAliasesForRoom(const CallContext& ctx,
                                                               const std::string& roomId) = 0;
  // Publishes or unpublishes the room in the directory. Permission checks (who may publish) are
  // the caller's. Errors: kNotFound.
  virtual Status performSetRoomVisibility(const CallContext& ctx, const std::string& roomId,
                                          Visibility visibility) = 0;
  // Errors: kNotFound.
  virtual Result<Visibility> queryRoomVisibility(const CallContext& ctx,
                                                 const std::string& roomId) = 0;
  // The published rooms, paginated. Errors: kInvalidParam (bad since token).
  virtual Result<PublicRoomsResponse> queryPublicRooms(const CallContext& ctx,
                                                       const PublicRoomsRequest& request) = 0;

  // --- Reading (query*) ---

  // The room's current state, all of it when `selectors` is empty, else the selected part.
  // Errors: kNotFound (no such room).
  virtual Result<std::vector<RoomEvent>> queryCurrentState(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<StateSelector>& selectors = {}) = 0;
  // One current state event. Errors: kNotFound (no room or no such state).
  virtual Result<RoomEvent> queryStateEvent(const CallContext& ctx, const std::string& roomId,
                                            const std::string& type,
                                            const std::string& stateKey) = 0;
  // The room state before or after the event (see StatePoint). Errors: kNotFound.
  virtual Result<std::vector<RoomEvent>> queryStateAtEvent(const CallContext& ctx,
                                                           const std::string& eventId,
                                                           StatePoint point) = 0;
  // The events that are known, in the order asked; unknown IDs are left out.
  virtual Result<std::vector<RoomEvent>> queryEvents(const CallContext& ctx,
                                                     const std::vector<std::string>& eventIds) = 0;
  // Errors: kNotFound.
  virtual Result<RoomEvent> queryEvent(const CallContext& ctx, const std::string& eventId) = 0;
  // The user's membership in the room, or nullopt when the user never had one.
  // Errors: kNotFound (no such room).
  virtual Result<std::optional<MembershipInfo>> queryMembership(const CallContext& ctx,
                                                                const std::string& roomId,
                                                                const std::string& userId) = 0;
  // Joined members with the profile from their member events. Errors: kNotFound.
  virtual Result<std::vector<JoinedMember>> queryJoinedMembers(const CallContext& ctx,
                                                               const std::string& roomId) = 0;
  // Rooms where the user's membership is `membership` ("join", "invite", "leave", "ban",
  // "knock"); forgotten rooms are left out.
  virtual Result<std::vector<std::string>> queryRoomsForUser(const CallContext& ctx,
                                                             const std::string& userId,
                                                             const std::string& membership) = 0;
  // Errors: kNotFound.
  virtual Result<std::string> queryRoomVersion(const CallContext& ctx,
                                               const std::string& roomId) = 0;
  virtual Result<bool> queryRoomExists(const CallContext& ctx, const std::string& roomId) = 0;
  // Forward extremities. Errors: kNotFound.
  virtual Result<LatestEvents> queryLatestEvents(const CallContext& ctx,
                                                 const std::string& roomId) = 0;
  // The union of the auth chains of the events (not the events themselves), for federation.
  // Errors: kNotFound (an event is unknown).
  virtual Result<std::vector<RoomEvent>> queryAuthChain(const CallContext& ctx,
                                                        const std::vector<std::string>& eventIds) = 0;

  // --- Ingesting (input*) ---

  // TODO(#4): events received over federation (send_join state, /send transactions, backfill):
  // check signatures and hashes, auth against their auth events and the state before them
  // (resolving forks with libs/stateres), store them (rejected or not) and output the accepted
  // ones. Until then it returns kUnrecognized.
  struct InputRoomEvent {
    events::Pdu pdu;
    std::string origin;  // the server that sent it
  };
  virtual Status inputEvents(const CallContext& ctx, const std::vector<InputRoomEvent>& events) = 0;
};

}  // namespace plexus::roomserver
