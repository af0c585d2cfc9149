// GrpcRoomserverClient: RoomserverApi over gRPC — the client half of the roomserver's gRPC
// binding. Each call becomes one unary RPC with the CallContext's deadline, trace ID and caller
// (grpcutil::unaryCall); a failed RPC returns the server's Error unchanged (same ErrorCode,
// errcode and message), and transport failures are kUnavailable (libs/grpcutil status.h).
// Reads (query*), performSetRoomVisibility, and performSendEvent / performRedact with a
// transaction (deduplicated by the service) are retried after transport failures; every other
// call is made once. Thread-safe, like the channel.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "plexus/roomserver/v1/roomserver.grpc.pb.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::roomserver {

class GrpcRoomserverClient final : public RoomserverApi {
 public:
  // Talks to the roomserver behind `channel` (e.g. grpcutil::makeInsecureChannel).
  explicit GrpcRoomserverClient(const std::shared_ptr<grpc::ChannelInterface>& channel);
  // Over any stub (tests).
  explicit GrpcRoomserverClient(std::unique_ptr<v1::RoomserverService::StubInterface> stub);

  // RoomserverApi: writing
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

  // RoomserverApi: aliases and directory
  Status performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                             const std::string& roomId, const std::string& creator) override;
  Status performRemoveRoomAlias(const CallContext& ctx, const std::string& alias,
                                const std::string& requester) override;
  Result<AliasInfo> queryRoomIdForAlias(const CallContext& ctx, const std::string& alias) override;
  Result<std::vector<std::string>> queryAliasesForRoom(const CallContext& ctx,
                                                       const std::string& roomId) override;
  Status performSetRoomVisibility(const CallContext& ctx, const std::string& roomId,
                                  Visibility visibility) override;
  Result<Visibility> queryRoomVisibility(const CallContext& ctx,
                                         const std::string& roomId) override;
  Result<PublicRoomsResponse> queryPublicRooms(const CallContext& ctx,
                                               const PublicRoomsRequest& request) override;

  // RoomserverApi: reading
  Result<std::vector<RoomEvent>> queryCurrentState(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<StateSelector>& selectors = {}) override;
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

  // RoomserverApi: federation
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
  std::unique_ptr<v1::RoomserverService::StubInterface> stub_;
};

}  // namespace plexus::roomserver
