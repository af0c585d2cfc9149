// ShardedRoomserver: the roomserver of the cluster as callers see it — one RoomserverApi in front
// of N shards (gRPC clients), each room handled by exactly one shard (shard_hash.h). Calls about
// a room go to its shard; new rooms go to the shards in turn (each creates an ID it owns); calls
// keyed by event ID or user ask every shard and merge. Remote aliases are resolved first (so a
// join lands on the room's shard, not on whichever shard asked).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "roomserver/api/roomserver_api.h"

namespace plexus::node {

class ShardedRoomserver final : public roomserver::RoomserverApi {
 public:
  // Room ID and the servers to join through for a room alias of another server.
  using AliasResolver =
      std::function<Result<roomserver::AliasInfo>(const CallContext&, const std::string& alias)>;

  // `shards[i]` is shard i; every pointer must outlive this object. `serverName` tells our
  // aliases from other servers'; `resolveRemoteAlias` may be empty (no federation).
  ShardedRoomserver(std::vector<roomserver::RoomserverApi*> shards, std::string serverName,
                    AliasResolver resolveRemoteAlias);

  // The shard of a room.
  roomserver::RoomserverApi& shardFor(std::string_view roomId);

  Result<roomserver::CreateRoomResponse> performCreateRoom(
      const CallContext& ctx, const roomserver::CreateRoomRequest& request) override;
  Result<roomserver::SendEventResponse> performSendEvent(
      const CallContext& ctx, const roomserver::SendEventRequest& request) override;
  Result<roomserver::JoinResponse> performJoin(const CallContext& ctx,
                                               const roomserver::JoinRequest& request) override;
  Result<roomserver::SendEventResponse> performInvite(
      const CallContext& ctx, const roomserver::MembershipChangeRequest& request) override;
  Result<roomserver::SendEventResponse> performLeave(
      const CallContext& ctx, const std::string& roomId, const std::string& userId,
      const std::optional<std::string>& reason) override;
  Result<roomserver::SendEventResponse> performKick(
      const CallContext& ctx, const roomserver::MembershipChangeRequest& request) override;
  Result<roomserver::SendEventResponse> performBan(
      const CallContext& ctx, const roomserver::MembershipChangeRequest& request) override;
  Result<roomserver::SendEventResponse> performUnban(
      const CallContext& ctx, const roomserver::MembershipChangeRequest& request) override;
  Result<roomserver::JoinResponse> performKnock(const CallContext& ctx,
                                                const roomserver::JoinRequest& request) override;
  Status performForget(const CallContext& ctx, const std::string& roomId,
                       const std::string& userId) override;
  Result<roomserver::SendEventResponse> performRedact(
      const CallContext& ctx, const roomserver::RedactRequest& request) override;
  Result<roomserver::UpgradeRoomResponse> performUpgradeRoom(
      const CallContext& ctx, const roomserver::UpgradeRoomRequest& request) override;
  Status performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                             const std::string& roomId, const std::string& creator) override;
  Status performRemoveRoomAlias(const CallContext& ctx, const std::string& alias,
                                const std::string& requester) override;
  Result<roomserver::AliasInfo> queryRoomIdForAlias(const CallContext& ctx,
                                                    const std::string& alias) override;
  Result<std::vector<std::string>> queryAliasesForRoom(const CallContext& ctx,
                                                       const std::string& roomId) override;
  Status performSetRoomVisibility(const CallContext& ctx, const std::string& roomId,
                                  roomserver::Visibility visibility) override;
  Result<roomserver::Visibility> queryRoomVisibility(const CallContext& ctx,
                                                     const std::string& roomId) override;
  Result<roomserver::PublicRoomsResponse> queryPublicRooms(
      const CallContext& ctx, const roomserver::PublicRoomsRequest& request) override;
  Result<std::vector<roomserver::RoomEvent>> queryCurrentState(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<roomserver::StateSelector>& selectors) override;
  Result<roomserver::RoomEvent> queryStateEvent(const CallContext& ctx, const std::string& roomId,
                                                const std::string& type,
                                                const std::string& stateKey) override;
  Result<std::vector<roomserver::RoomEvent>> queryStateAtEvent(
      const CallContext& ctx, const std::string& eventId, roomserver::StatePoint point) override;
  Result<std::vector<roomserver::RoomEvent>> queryEvents(
      const CallContext& ctx, const std::vector<std::string>& eventIds) override;
  Result<roomserver::RoomEvent> queryEvent(const CallContext& ctx,
                                           const std::string& eventId) override;
  Result<std::optional<roomserver::MembershipInfo>> queryMembership(
      const CallContext& ctx, const std::string& roomId, const std::string& userId) override;
  Result<std::vector<roomserver::JoinedMember>> queryJoinedMembers(
      const CallContext& ctx, const std::string& roomId) override;
  Result<std::vector<std::string>> queryRoomsForUser(const CallContext& ctx,
                                                     const std::string& userId,
                                                     const std::string& membership) override;
  Result<std::string> queryRoomVersion(const CallContext& ctx, const std::string& roomId) override;
  Result<bool> queryRoomExists(const CallContext& ctx, const std::string& roomId) override;
  Result<roomserver::LatestEvents> queryLatestEvents(const CallContext& ctx,
                                                     const std::string& roomId) override;
  Result<std::vector<roomserver::RoomEvent>> queryAuthChain(
      const CallContext& ctx, const std::vector<std::string>& eventIds) override;
  Result<std::vector<InputEventResult>> inputEvents(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<InputRoomEvent>& events) override;
  Result<MakeMembershipResponse> queryMakeMembership(const CallContext& ctx,
                                                     const MakeMembershipRequest& request) override;
  Result<roomserver::RoomEvent> inputSendMembership(const CallContext& ctx,
                                                    const SendMembershipRequest& request) override;
  Result<json::Object> inputInvite(const CallContext& ctx, const InviteInput& invite) override;
  Result<std::vector<roomserver::RoomEvent>> performBackfill(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<std::string>& fromEventIds, int limit) override;

 private:
  // A join or knock with its alias replaced by the room ID, so it can be routed.
  Result<roomserver::JoinRequest> resolved(const CallContext& ctx,
                                           const roomserver::JoinRequest& request);
  // The first shard's answer that is not kNotFound (the last error otherwise).
  template <typename T, typename Call>
  Result<T> firstFound(Call call);

  std::vector<roomserver::RoomserverApi*> shards_;
  std::string serverName_;
  AliasResolver resolveRemoteAlias_;
  std::atomic<std::size_t> nextCreate_{0};
};

}  // namespace plexus::node
