// RoomserverService: the in-process implementation of RoomserverApi. Writes to one room are
// serialized by a mutex per room (different rooms proceed in parallel); the head of each room
// (current state, extremities) is cached in memory after the first write, so a send needs no
// database reads. Reads go to the database.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "federationsender/api/federation_sender_api.h"
#include "plexus/bus/output_sink.h"
#include "plexus/events/server_identity.h"
#include "plexus/storage/database.h"
#include "roomserver/api/event_key_source.h"
#include "roomserver/api/roomserver_api.h"
#include "roomserver/impl/check_workers.h"
#include "roomserver/impl/room_input.h"
#include "roomserver/impl/room_state.h"
#include "roomserver/impl/room_writer.h"
#include "roomserver/impl/roomserver_observer.h"
#include "roomserver/impl/send_batcher.h"
#include "roomserver/storage/sql_roomserver_store.h"

namespace plexus::roomserver {

class RoomserverService final : public RoomserverApi {
 public:
  struct Options {
    std::function<std::int64_t()> clock;  // ms since the epoch; default: the system clock
    std::size_t maxPrevEvents = 10;
    // Federation (both may be null: then rooms on other servers cannot be joined, and events
    // received over federation verify only when signed by us). The federation sender also
    // depends on the roomserver: the composition root may set it later with setFederation().
    federationsender::FederationSenderApi* federation = nullptr;
    EventKeySource* keys = nullptr;
    InputLimits inputLimits;
    // The cluster's roomserver shards: whether a room ID belongs to this shard. New rooms
    // (createRoom, upgrades) get an ID it accepts. Empty: every room is ours (the node).
    std::function<bool(std::string_view roomId)> ownsRoom;
    // Metrics (may be null); must outlive the service.
    RoomserverObserver* observer = nullptr;
    // Group commit of messages across rooms (send_batcher.h).
    SendBatcher::Options sendBatching;
  };

  // `profiles` fills displayname/avatar_url of the member events it builds.
  // `outputs` (normally the bus::Outbox on `db`) receives the OutputRoomEvents inside the
  // transactions that write the events.
  RoomserverService(events::ServerIdentity identity, storage::Database& db,
                    bus::OutputSink& outputs, ProfileLookup profiles, Options options);
  RoomserverService(events::ServerIdentity identity, storage::Database& db,
                    bus::OutputSink& outputs, ProfileLookup profiles)
      : RoomserverService(std::move(identity), db, outputs, std::move(profiles), Options{}) {}
  ~RoomserverService() override;

  // Applies the schema migrations. Call once before any other method.
  Status start();

  // The group commit of messages (its counters: tests and metrics).
  const SendBatcher& sendBatcher() const { return sendBatcher_; }

  // Late binding of the federation sender (it consumes our output). Call before serving
  // requests that need it; the pointer must outlive this service.
  void setFederation(federationsender::FederationSenderApi* federation) {
    federation_.store(federation);
  }

  // RoomserverApi
  Result<CreateRoomResponse> performCreateRoom(const CallContext& ctx,
                                               const CreateRoomRequest& request) override;
  Result<SendEventResponse> performSendEvent(const CallContext& ctx,
                                             const SendEventRequest& request) override;
  Result<JoinResponse> performJoin(const CallContext& ctx, const JoinRequest& request) override;
  Result<SendEventResponse> performInvite(const CallContext& ctx,
                                          const MembershipChangeRequest& request) override;
  Result<SendEventResponse> performLeave(const CallContext& ctx, const std::string& roomId,
                                         const std::string& userId,
                                         const std::optional<std::string>& reason) override;
  Result<SendEventResponse> performKick(const CallContext& ctx,
                                        const MembershipChangeRequest& request) override;
  Result<SendEventResponse> performBan(const CallContext& ctx,
                                       const MembershipChangeRequest& request) override;
  Result<SendEventResponse> performUnban(const CallContext& ctx,
                                         const MembershipChangeRequest& request) override;
  Result<JoinResponse> performKnock(const CallContext& ctx, const JoinRequest& request) override;
  Status performForget(const CallContext& ctx, const std::string& roomId,
                       const std::string& userId) override;
  Result<SendEventResponse> performRedact(const CallContext& ctx,
                                          const RedactRequest& request) override;
  Result<UpgradeRoomResponse> performUpgradeRoom(const CallContext& ctx,
                                                 const UpgradeRoomRequest& request) override;

  Status performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                             const std::string& roomId, const std::string& creator) override;
  Status performRemoveRoomAlias(const CallContext& ctx, const std::string& alias,
                                const std::string& requester) override;
  Result<AliasInfo> queryRoomIdForAlias(const CallContext& ctx, const std::string& alias) override;
  Result<std::vector<std::string>> queryAliasesForRoom(const CallContext& ctx,
                                                       const std::string& roomId) override;
  Status performSetRoomVisibility(const CallContext& ctx, const std::string& roomId,
                                  Visibility visibility) override;
  Result<Visibility> queryRoomVisibility(const CallContext& ctx, const std::string& roomId) override;
  Result<PublicRoomsResponse> queryPublicRooms(const CallContext& ctx,
                                               const PublicRoomsRequest& request) override;

  Result<std::vector<RoomEvent>> queryCurrentState(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<StateSelector>& selectors) override;
  Result<RoomEvent> queryStateEvent(const CallContext& ctx, const std::string& roomId,
                                    const std::string& type, const std::string& stateKey) override;
  Result<std::vector<RoomEvent>> queryStateAtEvent(const CallContext& ctx,
                                                   const std::string& eventId,
                                                   StatePoint point) override;
  Result<std::vector<RoomEvent>> queryEvents(const CallContext& ctx,
                                             const std::vector<std::string>& eventIds) override;
  Result<RoomEvent> queryEvent(const CallContext& ctx, const std::string& eventId) override;
  Result<std::optional<MembershipInfo>> queryMembership(const CallContext& ctx,
                                                        const std::string& roomId,
                                                        const std::string& userId) override;
  Result<std::vector<JoinedMember>> queryJoinedMembers(const CallContext& ctx,
                                                       const std::string& roomId) override;
  Result<std::vector<std::string>> queryRoomsForUser(const CallContext& ctx,
                                                     const std::string& userId,
                                                     const std::string& membership) override;
  Result<std::string> queryRoomVersion(const CallContext& ctx, const std::string& roomId) override;
  Result<bool> queryRoomExists(const CallContext& ctx, const std::string& roomId) override;
  Result<LatestEvents> queryLatestEvents(const CallContext& ctx,
                                         const std::string& roomId) override;
  Result<std::vector<RoomEvent>> queryAuthChain(const CallContext& ctx,
                                                const std::vector<std::string>& eventIds) override;
  Result<std::vector<InputEventResult>> inputEvents(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<InputRoomEvent>& events) override;
  Result<MakeMembershipResponse> queryMakeMembership(const CallContext& ctx,
                                                     const MakeMembershipRequest& request) override;
  Result<RoomEvent> inputSendMembership(const CallContext& ctx,
                                        const SendMembershipRequest& request) override;
  Result<json::Object> inputInvite(const CallContext& ctx, const InviteInput& invite) override;
  Result<std::vector<RoomEvent>> performBackfill(const CallContext& ctx, const std::string& roomId,
                                                 const std::vector<std::string>& fromEventIds,
                                                 int limit) override;

 private:
  // One room's write lock and cached head.
  struct RoomEntry {
    std::mutex mutex;
    std::optional<RoomState> head;  // guarded by mutex
  };
  // A room's entry with its mutex held and its head loaded. Errors: kNotFound.
  struct LockedRoom {
    std::shared_ptr<RoomEntry> entry;
    std::unique_lock<std::mutex> lock;
    RoomState& head() { return *entry->head; }
  };
  Result<LockedRoom> lockRoom(const std::string& roomId);
  std::shared_ptr<RoomEntry> entryFor(const std::string& roomId);

  RoomWriter::Deps writerDeps();
  // options_.sendBatching with the observer's batch-size hook.
  SendBatcher::Options batchingOptions() const;
  // performSendEvent without the answer for a transaction ID used before.
  Result<SendEventResponse> sendEvent(const CallContext& ctx, const SendEventRequest& request);
  // Builds, stores and publishes one event in a locked room.
  Result<SendEventResponse> sendLocked(LockedRoom& room, const EventDraft& draft,
                                       const std::optional<TransactionRef>& transaction);
  Result<SendEventResponse> sendMember(const CallContext& ctx, const std::string& roomId,
                                       const std::string& sender, const std::string& target,
                                       const std::string& membership,
                                       const std::optional<std::string>& reason, bool withProfile,
                                       bool isDirect = false,
                                       const std::optional<std::string>& requiredTargetMembership = {});
  // Room ID for "!id" or "#alias". Errors: kNotFound, kInvalidParam.
  Result<std::string> resolveRoom(const std::string& roomIdOrAlias);
  Result<StoredRoom> roomOrNotFound(const std::string& roomId);
  // Whether a local user is joined to the room (remote_join.cc).
  Result<bool> hasLocalMember(std::int64_t roomNid);
  // Our user's membership event from a resident server's make_* template: hashes, signatures,
  // unsigned (and v1-2 event_id) dropped, our timestamp, the user's profile (withProfile) and
  // reason added, hashed and signed by us (remote_join.cc).
  json::Object signedFromTemplate(const CallContext& ctx, const json::Object& templ,
                                  const events::RoomVersion& version, const std::string& userId,
                                  const std::optional<std::string>& reason, bool withProfile);
  // Whether a stored remote invite still stands (queries.cc).
  Result<bool> remoteInviteIsCurrent(const RemoteInviteRow& invite);
  Result<RoomEvent> toRoomEvent(const StoredEvent& stored, const events::RoomVersion& version);
  Result<std::vector<RoomEvent>> toRoomEvents(const std::vector<StoredEvent>& stored);
  Result<PublicRoom> describePublicRoom(const StoredRoom& room);
  std::string newRoomId();
  // A writer for a new room with its m.room.create event (by `creator`, with `createContent`)
  // appended, whose room ID this shard owns (Options::ownsRoom): IDs are drawn again (v1-11) or
  // the create event's timestamp moves on (v12+, where the ID is the create event's hash).
  // Errors: the create event's (kForbidden for bad content), kInternal after many misses.
  Result<std::unique_ptr<RoomWriter>> startNewRoom(const events::RoomVersion* version,
                                                   const std::string& creator,
                                                   const json::Object& createContent);
  // Federation helpers (federation_input.cc, remote_join.cc, resident_membership.cc, invites.cc).
  RoomInput::Deps inputDeps(const CallContext& ctx, const EventVerifier& verifier);
  // A room's entry with its mutex held, for a room that may not exist yet (head possibly empty).
  LockedRoom lockRoomForCreate(const std::string& roomId);
  // The room a join or knock names and the servers to ask for it (the request's, then for a
  // remote alias the directory's and the alias's server), whether it is known here and whether a
  // local user is joined there (remote_join.cc).
  struct MembershipTarget {
    std::string roomId;
    std::vector<std::string> servers;
    std::optional<StoredRoom> room;
    bool resident = false;
  };
  Result<MembershipTarget> membershipTarget(const CallContext& ctx, const JoinRequest& request);
  Result<JoinResponse> performRemoteJoin(const CallContext& ctx, const std::string& roomId,
                                         const JoinRequest& request,
                                         std::vector<std::string> servers);
  Result<SendEventResponse> performRemoteInvite(const CallContext& ctx,
                                                const MembershipChangeRequest& request);
  // inputEvents for a room this server is not in: the leave or ban of a local user holding a
  // remote invite or knock there (out_of_band_membership.cc); anything else is kNotFound.
  Result<std::vector<InputEventResult>> inputOutOfBand(const CallContext& ctx,
                                                       const std::string& roomId,
                                                       const std::vector<InputRoomEvent>& events);
  Result<SendEventResponse> rejectRemoteInvite(const CallContext& ctx, const RemoteInviteRow& invite,
                                               const std::optional<std::string>& reason);
  Result<JoinResponse> joinVia(const CallContext& ctx, const std::string& server,
                               const std::string& roomId, const JoinRequest& request);
  // Knocking over federation (remote_knock.cc).
  Result<JoinResponse> performRemoteKnock(const CallContext& ctx, const std::string& roomId,
                                          const JoinRequest& request,
                                          const std::vector<std::string>& servers);
  Result<JoinResponse> knockVia(const CallContext& ctx, const std::string& server,
                                const std::string& roomId, const JoinRequest& request);
  // "knock" when a row of roomserver_remote_invites holds our knock, else "invite".
  static std::string remoteMembershipOf(const RemoteInviteRow& row);
  std::int64_t now() const { return options_.clock(); }
  // A timestamp for a new room's events, later than that of every room created before: a v12
  // room ID is the hash of its create event, so two identical createRoom requests in the same
  // millisecond must still get different create events.
  std::int64_t newRoomTimestamp();

  events::ServerIdentity identity_;
  storage::Database& db_;
  bus::OutputSink& outputs_;
  ProfileLookup profiles_;
  Options options_;
  SqlRoomserverStore store_;
  SendBatcher sendBatcher_{db_, store_, outputs_, batchingOptions()};
  std::atomic<federationsender::FederationSenderApi*> federation_{nullptr};

  CheckWorkers checkWorkers_;  // federation input's signature checks (federation_input.cc)
  std::atomic<std::int64_t> lastRoomTimestamp_{0};
  std::mutex roomsMutex_;
  std::map<std::string, std::shared_ptr<RoomEntry>, std::less<>> rooms_;
};

}  // namespace plexus::roomserver
