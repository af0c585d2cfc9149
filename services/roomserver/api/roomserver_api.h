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
  // Servers to ask when the room is not known here (or we have no member in it): via
  // parameters, the alias's servers, the server of the room ID. The join then runs
  // make_join/send_join through the federation sender.
  std::vector<std::string> serverNames;
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

  // Joins a room (by ID or alias). When a local user is joined already the join is a local
  // event; otherwise, with a federation sender, it runs make_join/send_join through
  // request.serverNames (then a pending invite's server and the room ID's server; a remote alias
  // is resolved with a directory query), verifies the resident's answer and creates the room
  // here with that state. Errors: kNotFound (unknown room or alias, no server to ask);
  // kForbidden (join rules, ban); kIncompatibleRoomVersion; kUnavailable / kBadJson (no resident
  // server answered usefully).
  virtual Result<JoinResponse> performJoin(const CallContext& ctx, const JoinRequest& request) = 0;
  // Invites target. A user of another server gets the invite through invite v2 first (the
  // event is committed once their server signed it). Errors: kNotFound; kForbidden (not joined,
  // no invite power, target banned or already joined); the federation errors of the invite.
  virtual Result<SendEventResponse> performInvite(const CallContext& ctx,
                                                  const MembershipChangeRequest& request) = 0;
  // Leaves (or rejects an invite, or withdraws a knock). An invite to a room this server is not
  // in is rejected with make_leave/send_leave through the inviting server. Errors: kNotFound;
  // kForbidden.
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
  // Knocks on a room (v7+, join rule knock or knock_restricted). When no local user is joined,
  // with a federation sender, it runs make_knock/send_knock through request.serverNames (a
  // remote alias is resolved with a directory query; the room ID's server is tried last); the
  // user's membership here is then "knock" (output as OutputRoomEvent::Kind::kKnock with the
  // resident's stripped state), an invite replaces it, performLeave withdraws it through the same
  // server. Errors: kNotFound (no server to ask); kForbidden (join rule, already joined or
  // banned); kIncompatibleRoomVersion; kUnavailable / kBadJson (no resident answered usefully).
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

  // --- Federation: ingesting (input*) and the resident side of the handshakes ---

  // Events received over federation for one room (a /send transaction's PDUs of that room,
  // missing events, backfill). Each goes through the spec's checks in order ("Checks performed
  // on receipt of a PDU"): format and size; signatures of the sender's server (and others the
  // version requires) with keys fetched through the EventKeySource; the content hash (a bad one
  // stores the redacted form); auth against the event's own auth_events; auth against the state
  // before the event (missing prev_events fetched with get_missing_events, a gap filled with
  // state_ids + event, forks resolved with libs/stateres); soft-fail against the current state.
  // Accepted events are stored and published in DAG order; rejected ones are stored as rejected
  // and never published; soft-failed ones are stored, not published and not used as
  // prev_events. Events of one room are processed in order; other rooms are not blocked.
  // Fetching is bounded (RoomserverService::Options::inputLimits): an event whose state cannot be
  // had within the bounds is not stored and its result says so. Duplicates are a no-op success.
  // kOutlier / kBackfill events are verified (signatures, hash, auth against their own
  // auth_events) and stored as outliers, a run of them in auth order.
  // Errors (of the whole call): kNotFound when we do not know the room; kUnavailable on storage
  // trouble. A bad event is not an error of the call: its result says why.
  enum class InputKind : std::uint8_t {
    kNew,       // live events (a /send transaction)
    kOutlier,   // events without their state (auth chain, state of send_join)
    kBackfill,  // older events fetched with /backfill
  };
  struct InputRoomEvent {
    json::Object event;  // the PDU as received
    std::string origin;  // the server that sent it
    InputKind kind = InputKind::kNew;
  };
  struct InputEventResult {
    std::string eventId;               // empty when the event could not be parsed
    std::optional<std::string> error;  // set when rejected or not processed (the /send "error")
  };
  virtual Result<std::vector<InputEventResult>> inputEvents(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<InputRoomEvent>& events) = 0;

  // make_join / make_leave / make_knock: the event template for a remote user, built on the
  // current state (prev_events, auth_events, depth, origin_server_ts; no hashes or signatures).
  // `supportedVersions` (join, knock): the versions the remote server supports; empty means
  // ["1"] as the spec says. Errors: kNotFound (we are not in the room);
  // kIncompatibleRoomVersion; kForbidden (the membership would not be allowed now, e.g. banned,
  // not invited to an invite-only room); kUnableToAuthoriseJoin (restricted room, no local
  // member can authorise); kInvalidParam (the user is not on the requesting server).
  struct MakeMembershipRequest {
    std::string roomId;
    std::string userId;
    std::string membership;  // "join", "leave" or "knock"
    std::string origin;      // the requesting server (X-Matrix origin)
    std::vector<std::string> supportedVersions;
  };
  struct MakeMembershipResponse {
    std::string roomVersion;
    json::Object eventTemplate;
  };
  virtual Result<MakeMembershipResponse> queryMakeMembership(
      const CallContext& ctx, const MakeMembershipRequest& request) = 0;

  // send_join / send_leave / send_knock: accepts the remote user's signed membership event
  // (checks: it is an m.room.member of `membership` for a user of `origin`, event ID matches,
  // origin's signature, hashes, auth against current state; restricted joins get our
  // signature), stores and publishes it. Returns the event as stored (with our signature for
  // restricted joins). The caller builds the answer from queryStateAtEvent/queryAuthChain.
  // Errors: kNotFound (unknown room); kBadJson/kInvalidParam (not the right event);
  // kInvalidSignature; kForbidden (auth rules).
  struct SendMembershipRequest {
    std::string roomId;
    std::string eventId;  // from the path
    std::string membership;
    std::string origin;
    json::Object event;
  };
  virtual Result<RoomEvent> inputSendMembership(const CallContext& ctx,
                                                const SendMembershipRequest& request) = 0;

  // invite v2 received for one of our users: checks the event (an m.room.member invite whose
  // state_key is a local user, sent by a user of `origin`, signed by origin, room version
  // supported), adds our signature, stores it as an outlier with the stripped state so the user
  // sees the invite in /sync (OutputRoomEvent::Kind::kInvite), and returns
  // the event with our signature. Errors: kIncompatibleRoomVersion; kForbidden; kBadJson;
  // kInvalidSignature.
  struct InviteInput {
    std::string roomId;
    std::string eventId;
    std::string roomVersion;
    std::string origin;
    json::Object event;
    std::vector<json::Object> inviteRoomState;
  };
  virtual Result<json::Object> inputInvite(const CallContext& ctx, const InviteInput& invite) = 0;

  // History from before this server joined: asks a server of the room's joined members for up
  // to `limit` events leading up to `fromEventIds` (events we lack, e.g. the prev events of
  // the oldest event a client has seen), checks them like any received PDU and stores them.
  // Returns the accepted ones, in no particular order; empty when no server answered or there
  // is nothing older. Errors: kNotFound (unknown room); kInvalidParam (no fromEventIds).
  virtual Result<std::vector<RoomEvent>> performBackfill(const CallContext& ctx,
                                                         const std::string& roomId,
                                                         const std::vector<std::string>& fromEventIds,
                                                         int limit) = 0;
};

}  // namespace plexus::roomserver
