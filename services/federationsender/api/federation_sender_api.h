// FederationSenderApi: the contract of the federation sender, the only service that talks to
// other servers. Two halves:
//  - outbound requests other services need answered now (the join/leave/knock/invite
//    handshakes, fetching missing events and state, backfill, profile/directory/key queries),
//    signed with X-Matrix and sent over the destination's transport;
//  - queued delivery: locally originated PDUs (taken from the roomserver's bus output, not
//    through this interface) and EDUs (performSendEdu) go into one persisted queue per
//    destination and leave in transactions of at most 50 PDUs and 100 EDUs, with backoff.
//
// Errors: kUnavailable when the destination cannot be reached or timed out (retry later); a
// remote Matrix error keeps its meaning (e.g. kForbidden for M_FORBIDDEN, kNotFound,
// kIncompatibleRoomVersion) with the remote message; kBadJson when the answer has the wrong
// shape. Responses are not verified here: PDUs come back as received, the roomserver checks them.
// Threading: every method may be called from any thread. Methods do not throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::federationsender {

// GET /make_join, /make_leave, /make_knock: the event template the resident server proposes.
struct MakeMembershipResponse {
  std::string roomVersion;  // "1" when the answer has none (spec: absent means v1)
  json::Object event;       // the template (no hashes, signatures or event ID)
};

// PUT /_matrix/federation/v2/send_join/{roomId}/{eventId}.
struct SendJoinRequest {
  std::string roomId;
  std::string eventId;
  json::Object event;        // our signed join event
  bool omitMembers = false;  // ask for a partial-state answer (MSC3706); false for now
};
struct SendJoinResponse {
  std::string origin;                   // the resident server that answered
  std::vector<json::Object> state;      // the room state before the join
  std::vector<json::Object> authChain;  // the auth chain of that state and of the event
  std::optional<json::Object> event;    // the join as the resident server signed it
                                        // (restricted joins: join_authorised_via_users_server)
  bool membersOmitted = false;
  std::vector<std::string> serversInRoom;  // only with membersOmitted
};

// PUT /_matrix/federation/v2/invite/{roomId}/{eventId}.
struct SendInviteRequest {
  std::string roomId;
  std::string eventId;
  std::string roomVersion;
  json::Object event;                         // the invite, signed by us
  std::vector<json::Object> inviteRoomState;  // stripped state for the invitee's client
};

// POST /_matrix/federation/v1/get_missing_events/{roomId}.
struct MissingEventsRequest {
  std::string roomId;
  std::vector<std::string> earliestEvents;  // we have these
  std::vector<std::string> latestEvents;    // we want what leads up to these
  int limit = 10;
  std::int64_t minDepth = 0;
};

// GET /_matrix/federation/v1/backfill/{roomId}?v=..&limit=..
struct BackfillRequest {
  std::string roomId;
  std::vector<std::string> fromEventIds;
  int limit = 50;
};

// GET /_matrix/federation/v1/state_ids/{roomId}?event_id=..
struct StateIdsResponse {
  std::vector<std::string> pduIds;        // the state before the event
  std::vector<std::string> authChainIds;  // the auth chain of that state
};
// GET /_matrix/federation/v1/state/{roomId}?event_id=..
struct StateResponse {
  std::vector<json::Object> pdus;
  std::vector<json::Object> authChain;
};

// GET /_matrix/federation/v1/query/directory?room_alias=..
struct DirectoryResponse {
  std::string roomId;
  std::vector<std::string> servers;
};

// One EDU to queue for a set of destinations.
struct Edu {
  std::string type;  // "m.typing", "m.receipt", "m.presence", "m.device_list_update",
                     // "m.signing_key_update", "m.direct_to_device"
  json::Object content;
};

// A media item fetched from its origin server (GET /_matrix/federation/v1/media/download or
// /thumbnail, following a `Location` redirect of the answer once).
struct RemoteMediaFile {
  std::string contentType;              // "application/octet-stream" when the remote gave none
  std::optional<std::string> fileName;  // from Content-Disposition, when there is one
  std::string bytes;
};

// GET /_matrix/federation/v1/media/thumbnail/{mediaId}?width=..&height=..&method=..
struct MediaThumbnailQuery {
  std::string mediaId;
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::string method = "scale";  // "crop" or "scale"
  std::optional<bool> animated;  // sent only when set
};

class FederationSenderApi {
 public:
  virtual ~FederationSenderApi() = default;

  // --- Membership handshakes ---
  // supportedVersions: the room versions we can join (the `ver` query parameters).
  virtual Result<MakeMembershipResponse> performMakeJoin(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) = 0;
  virtual Result<SendJoinResponse> performSendJoin(const CallContext& ctx,
                                                   const std::string& destination,
                                                   const SendJoinRequest& request) = 0;
  virtual Result<MakeMembershipResponse> performMakeLeave(const CallContext& ctx,
                                                          const std::string& destination,
                                                          const std::string& roomId,
                                                          const std::string& userId) = 0;
  virtual Status performSendLeave(const CallContext& ctx, const std::string& destination,
                                  const std::string& roomId, const std::string& eventId,
                                  const json::Object& event) = 0;
  virtual Result<MakeMembershipResponse> performMakeKnock(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) = 0;
  // Returns knock_room_state (stripped state events).
  virtual Result<std::vector<json::Object>> performSendKnock(const CallContext& ctx,
                                                             const std::string& destination,
                                                             const std::string& roomId,
                                                             const std::string& eventId,
                                                             const json::Object& event) = 0;
  // Returns the invite event signed by the invitee's server too.
  virtual Result<json::Object> performSendInvite(const CallContext& ctx,
                                                 const std::string& destination,
                                                 const SendInviteRequest& request) = 0;

  // --- Fetching room data ---
  virtual Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext& ctx, const std::string& destination,
      const MissingEventsRequest& request) = 0;
  virtual Result<StateIdsResponse> queryStateIds(const CallContext& ctx,
                                                 const std::string& destination,
                                                 const std::string& roomId,
                                                 const std::string& eventId) = 0;
  virtual Result<StateResponse> queryState(const CallContext& ctx, const std::string& destination,
                                           const std::string& roomId,
                                           const std::string& eventId) = 0;
  // One PDU (GET /_matrix/federation/v1/event/{eventId}). Errors: kNotFound.
  virtual Result<json::Object> queryEvent(const CallContext& ctx, const std::string& destination,
                                          const std::string& eventId) = 0;
  // The auth chain of one event (GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}).
  virtual Result<std::vector<json::Object>> queryEventAuth(const CallContext& ctx,
                                                           const std::string& destination,
                                                           const std::string& roomId,
                                                           const std::string& eventId) = 0;
  virtual Result<std::vector<json::Object>> queryBackfill(const CallContext& ctx,
                                                          const std::string& destination,
                                                          const BackfillRequest& request) = 0;

  // --- Queries about users and rooms ---
  // GET /query/profile?user_id=..[&field=..]: the profile object.
  virtual Result<json::Object> queryProfile(const CallContext& ctx, const std::string& destination,
                                            const std::string& userId,
                                            const std::optional<std::string>& field) = 0;
  virtual Result<DirectoryResponse> queryDirectory(const CallContext& ctx,
                                                   const std::string& destination,
                                                   const std::string& roomAlias) = 0;
  // GET /user/devices/{userId}: the whole answer (user_id, stream_id, devices, master_key,
  // self_signing_key).
  virtual Result<json::Object> queryUserDevices(const CallContext& ctx,
                                                const std::string& destination,
                                                const std::string& userId) = 0;
  // POST /user/keys/query with {"device_keys": deviceKeys}: the whole answer.
  virtual Result<json::Object> queryUserKeys(const CallContext& ctx, const std::string& destination,
                                             const json::Object& deviceKeys) = 0;
  // POST /user/keys/claim with {"one_time_keys": oneTimeKeys}: the whole answer.
  virtual Result<json::Object> performClaimKeys(const CallContext& ctx,
                                                const std::string& destination,
                                                const json::Object& oneTimeKeys) = 0;
  // POST /publicRooms with `request` (limit, since, filter, include_all_networks...).
  virtual Result<json::Object> queryPublicRooms(const CallContext& ctx,
                                                const std::string& destination,
                                                const json::Object& request) = 0;

  // --- Media (the content repository of another server) ---
  // The content of mxc://{destination}/{mediaId}: the multipart/mixed answer's second part, or
  // what its `Location` URL serves. At most `maxBytes` of content. Errors: kTooLarge over
  // maxBytes; kBadJson for an answer that is not the spec's multipart/mixed; the remote's
  // errcode otherwise (kNotFound stays kNotFound, kNotYetUploaded); kUnavailable as above.
  virtual Result<RemoteMediaFile> queryMediaDownload(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& mediaId,
                                                     std::int64_t maxBytes) = 0;
  // A thumbnail the remote server made of one of its media items. Errors as queryMediaDownload
  // (kInvalidParam from the remote for content it cannot thumbnail).
  virtual Result<RemoteMediaFile> queryMediaThumbnail(const CallContext& ctx,
                                                      const std::string& destination,
                                                      const MediaThumbnailQuery& query,
                                                      std::int64_t maxBytes) = 0;

  // --- Queued delivery ---
  // Queues an EDU for each destination (our own server name is skipped). Persisted before it
  // returns. Errors: storage errors.
  virtual Status performSendEdu(const CallContext& ctx,
                                const std::vector<std::string>& destinations, const Edu& edu) = 0;
};

}  // namespace plexus::federationsender
