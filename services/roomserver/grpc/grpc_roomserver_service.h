// GrpcRoomserverService: the server half of the roomserver's gRPC binding. Adapts any
// RoomserverApi (normally the in-process RoomserverService) to the generated
// plexus.roomserver.v1.RoomserverService: each RPC converts its request, calls the
// implementation with the caller's deadline, trace ID and caller, and answers the result or the
// Error (errcode in trailing metadata, grpcutil). A request that does not convert (a *_json
// field that is not a JSON object, an enum value outside the contract) is answered with
// kBadJson / kInvalidParam without calling the implementation. Register it with a
// grpc::ServerBuilder (after grpcutil::configureServerBuilder). Thread-safe when the
// RoomserverApi is.
#pragma once

#include "plexus/roomserver/v1/roomserver.grpc.pb.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::roomserver {

class GrpcRoomserverService final : public v1::RoomserverService::Service {
 public:
  // `api` must outlive the server this service is registered with.
  explicit GrpcRoomserverService(RoomserverApi& api) : api_(api) {}

  // v1::RoomserverService::Service: writing
  grpc::Status PerformCreateRoom(grpc::ServerContext* server, const v1::CreateRoomRequest* request,
                                 v1::CreateRoomResponse* response) override;
  grpc::Status PerformSendEvent(grpc::ServerContext* server, const v1::SendEventRequest* request,
                                v1::SendEventResponse* response) override;
  grpc::Status PerformJoin(grpc::ServerContext* server, const v1::JoinRequest* request,
                           v1::JoinResponse* response) override;
  grpc::Status PerformInvite(grpc::ServerContext* server,
                             const v1::MembershipChangeRequest* request,
                             v1::SendEventResponse* response) override;
  grpc::Status PerformLeave(grpc::ServerContext* server, const v1::PerformLeaveRequest* request,
                            v1::SendEventResponse* response) override;
  grpc::Status PerformKick(grpc::ServerContext* server, const v1::MembershipChangeRequest* request,
                           v1::SendEventResponse* response) override;
  grpc::Status PerformBan(grpc::ServerContext* server, const v1::MembershipChangeRequest* request,
                          v1::SendEventResponse* response) override;
  grpc::Status PerformUnban(grpc::ServerContext* server, const v1::MembershipChangeRequest* request,
                            v1::SendEventResponse* response) override;
  grpc::Status PerformKnock(grpc::ServerContext* server, const v1::JoinRequest* request,
                            v1::JoinResponse* response) override;
  grpc::Status PerformForget(grpc::ServerContext* server, const v1::PerformForgetRequest* request,
                             v1::PerformForgetResponse* response) override;
  grpc::Status PerformRedact(grpc::ServerContext* server, const v1::RedactRequest* request,
                             v1::SendEventResponse* response) override;
  grpc::Status PerformUpgradeRoom(grpc::ServerContext* server,
                                  const v1::UpgradeRoomRequest* request,
                                  v1::UpgradeRoomResponse* response) override;

  // Aliases and directory
  grpc::Status PerformSetRoomAlias(grpc::ServerContext* server,
                                   const v1::PerformSetRoomAliasRequest* request,
                                   v1::PerformSetRoomAliasResponse* response) override;
  grpc::Status PerformRemoveRoomAlias(grpc::ServerContext* server,
                                      const v1::PerformRemoveRoomAliasRequest* request,
                                      v1::PerformRemoveRoomAliasResponse* response) override;
  grpc::Status QueryRoomIdForAlias(grpc::ServerContext* server,
                                   const v1::QueryRoomIdForAliasRequest* request,
                                   v1::AliasInfo* response) override;
  grpc::Status QueryAliasesForRoom(grpc::ServerContext* server,
                                   const v1::QueryAliasesForRoomRequest* request,
                                   v1::QueryAliasesForRoomResponse* response) override;
  grpc::Status PerformSetRoomVisibility(grpc::ServerContext* server,
                                        const v1::PerformSetRoomVisibilityRequest* request,
                                        v1::PerformSetRoomVisibilityResponse* response) override;
  grpc::Status QueryRoomVisibility(grpc::ServerContext* server,
                                   const v1::QueryRoomVisibilityRequest* request,
                                   v1::QueryRoomVisibilityResponse* response) override;
  grpc::Status QueryPublicRooms(grpc::ServerContext* server, const v1::PublicRoomsRequest* request,
                                v1::PublicRoomsResponse* response) override;

  // Reading
  grpc::Status QueryCurrentState(grpc::ServerContext* server,
                                 const v1::QueryCurrentStateRequest* request,
                                 v1::RoomEvents* response) override;
  grpc::Status QueryStateEvent(grpc::ServerContext* server,
                               const v1::QueryStateEventRequest* request,
                               v1::RoomEvent* response) override;
  grpc::Status QueryStateAtEvent(grpc::ServerContext* server,
                                 const v1::QueryStateAtEventRequest* request,
                                 v1::RoomEvents* response) override;
  grpc::Status QueryEvents(grpc::ServerContext* server, const v1::QueryEventsRequest* request,
                           v1::RoomEvents* response) override;
  grpc::Status QueryEvent(grpc::ServerContext* server, const v1::QueryEventRequest* request,
                          v1::RoomEvent* response) override;
  grpc::Status QueryMembership(grpc::ServerContext* server,
                               const v1::QueryMembershipRequest* request,
                               v1::QueryMembershipResponse* response) override;
  grpc::Status QueryJoinedMembers(grpc::ServerContext* server,
                                  const v1::QueryJoinedMembersRequest* request,
                                  v1::QueryJoinedMembersResponse* response) override;
  grpc::Status QueryRoomsForUser(grpc::ServerContext* server,
                                 const v1::QueryRoomsForUserRequest* request,
                                 v1::QueryRoomsForUserResponse* response) override;
  grpc::Status QueryRoomVersion(grpc::ServerContext* server,
                                const v1::QueryRoomVersionRequest* request,
                                v1::QueryRoomVersionResponse* response) override;
  grpc::Status QueryRoomExists(grpc::ServerContext* server,
                               const v1::QueryRoomExistsRequest* request,
                               v1::QueryRoomExistsResponse* response) override;
  grpc::Status QueryLatestEvents(grpc::ServerContext* server,
                                 const v1::QueryLatestEventsRequest* request,
                                 v1::LatestEvents* response) override;
  grpc::Status QueryAuthChain(grpc::ServerContext* server, const v1::QueryAuthChainRequest* request,
                              v1::RoomEvents* response) override;

  // Federation
  grpc::Status InputEvents(grpc::ServerContext* server, const v1::InputEventsRequest* request,
                           v1::InputEventsResponse* response) override;
  grpc::Status QueryMakeMembership(grpc::ServerContext* server,
                                   const v1::MakeMembershipRequest* request,
                                   v1::MakeMembershipResponse* response) override;
  grpc::Status InputSendMembership(grpc::ServerContext* server,
                                   const v1::SendMembershipRequest* request,
                                   v1::RoomEvent* response) override;
  grpc::Status InputInvite(grpc::ServerContext* server, const v1::InviteInput* request,
                           v1::InputInviteResponse* response) override;
  grpc::Status PerformBackfill(grpc::ServerContext* server,
                               const v1::PerformBackfillRequest* request,
                               v1::RoomEvents* response) override;

 private:
  RoomserverApi& api_;
};

}  // namespace plexus::roomserver
