// GrpcRoomserverClient (grpc_roomserver_client.h).
#include "roomserver/grpc/grpc_roomserver_client.h"

#include <string>
#include <utility>

#include "plexus/grpcutil/unary_call.h"
#include "roomserver/grpc/convert.h"

namespace plexus::roomserver {
namespace {

using Stub = v1::RoomserverService::StubInterface;
using grpcutil::Retry;
using grpcutil::unaryCall;

// A send with a transaction is deduplicated by the service, so repeating it is safe.
Retry retryFor(const std::optional<TransactionRef>& transaction) {
  return transaction ? Retry::kIdempotent : Retry::kNever;
}

template <typename Repeated>
void setStrings(const std::vector<std::string>& in, Repeated& out) {
  out.Reserve(static_cast<int>(in.size()));
  for (const auto& s : in) *out.Add() = s;
}

}  // namespace

GrpcRoomserverClient::GrpcRoomserverClient(const std::shared_ptr<grpc::ChannelInterface>& channel)
    : stub_(v1::RoomserverService::NewStub(channel)) {}

GrpcRoomserverClient::GrpcRoomserverClient(std::unique_ptr<Stub> stub) : stub_(std::move(stub)) {}

// ---- Writing --------------------------------------------------------------------------------

Result<CreateRoomResponse> GrpcRoomserverClient::performCreateRoom(
    const CallContext& ctx, const CreateRoomRequest& request) {
  v1::CreateRoomRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformCreateRoom, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<SendEventResponse> GrpcRoomserverClient::performSendEvent(const CallContext& ctx,
                                                                 const SendEventRequest& request) {
  v1::SendEventRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformSendEvent, req, retryFor(request.transaction)));
  return convert::fromProto(resp);
}

Result<JoinResponse> GrpcRoomserverClient::performJoin(const CallContext& ctx,
                                                       const JoinRequest& request) {
  v1::JoinRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformJoin, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<SendEventResponse> GrpcRoomserverClient::performInvite(
    const CallContext& ctx, const MembershipChangeRequest& request) {
  v1::MembershipChangeRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformInvite, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<SendEventResponse> GrpcRoomserverClient::performLeave(
    const CallContext& ctx, const std::string& roomId, const std::string& userId,
    const std::optional<std::string>& reason) {
  v1::PerformLeaveRequest req;
  req.set_room_id(roomId);
  req.set_user_id(userId);
  if (reason) req.set_reason(*reason);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformLeave, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<SendEventResponse> GrpcRoomserverClient::performKick(
    const CallContext& ctx, const MembershipChangeRequest& request) {
  v1::MembershipChangeRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformKick, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<SendEventResponse> GrpcRoomserverClient::performBan(const CallContext& ctx,
                                                           const MembershipChangeRequest& request) {
  v1::MembershipChangeRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformBan, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<SendEventResponse> GrpcRoomserverClient::performUnban(
    const CallContext& ctx, const MembershipChangeRequest& request) {
  v1::MembershipChangeRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformUnban, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<JoinResponse> GrpcRoomserverClient::performKnock(const CallContext& ctx,
                                                        const JoinRequest& request) {
  v1::JoinRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformKnock, req, Retry::kNever));
  return convert::fromProto(resp);
}

Status GrpcRoomserverClient::performForget(const CallContext& ctx, const std::string& roomId,
                                           const std::string& userId) {
  v1::PerformForgetRequest req;
  req.set_room_id(roomId);
  req.set_user_id(userId);
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformForget, req, Retry::kNever));
  return {};
}

Result<SendEventResponse> GrpcRoomserverClient::performRedact(const CallContext& ctx,
                                                              const RedactRequest& request) {
  v1::RedactRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformRedact, req, retryFor(request.transaction)));
  return convert::fromProto(resp);
}

Result<UpgradeRoomResponse> GrpcRoomserverClient::performUpgradeRoom(
    const CallContext& ctx, const UpgradeRoomRequest& request) {
  v1::UpgradeRoomRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformUpgradeRoom, req, Retry::kNever));
  return convert::fromProto(resp);
}

// ---- Aliases and directory ------------------------------------------------------------------

Status GrpcRoomserverClient::performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                                                 const std::string& roomId,
                                                 const std::string& creator) {
  v1::PerformSetRoomAliasRequest req;
  req.set_alias(alias);
  req.set_room_id(roomId);
  req.set_creator(creator);
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformSetRoomAlias, req, Retry::kNever));
  return {};
}

Status GrpcRoomserverClient::performRemoveRoomAlias(const CallContext& ctx,
                                                    const std::string& alias,
                                                    const std::string& requester) {
  v1::PerformRemoveRoomAliasRequest req;
  req.set_alias(alias);
  req.set_requester(requester);
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformRemoveRoomAlias, req, Retry::kNever));
  return {};
}

Result<AliasInfo> GrpcRoomserverClient::queryRoomIdForAlias(const CallContext& ctx,
                                                            const std::string& alias) {
  v1::QueryRoomIdForAliasRequest req;
  req.set_alias(alias);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryRoomIdForAlias, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<std::string>> GrpcRoomserverClient::queryAliasesForRoom(
    const CallContext& ctx, const std::string& roomId) {
  v1::QueryAliasesForRoomRequest req;
  req.set_room_id(roomId);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryAliasesForRoom, req, Retry::kIdempotent));
  return std::vector<std::string>(resp.aliases().begin(), resp.aliases().end());
}

Status GrpcRoomserverClient::performSetRoomVisibility(const CallContext& ctx,
                                                      const std::string& roomId,
                                                      Visibility visibility) {
  v1::PerformSetRoomVisibilityRequest req;
  req.set_room_id(roomId);
  req.set_visibility(convert::toProto(visibility));
  // Setting a value again is harmless.
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformSetRoomVisibility, req, Retry::kIdempotent));
  return {};
}

Result<Visibility> GrpcRoomserverClient::queryRoomVisibility(const CallContext& ctx,
                                                             const std::string& roomId) {
  v1::QueryRoomVisibilityRequest req;
  req.set_room_id(roomId);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryRoomVisibility, req, Retry::kIdempotent));
  return convert::fromProto(resp.visibility());
}

Result<PublicRoomsResponse> GrpcRoomserverClient::queryPublicRooms(
    const CallContext& ctx, const PublicRoomsRequest& request) {
  v1::PublicRoomsRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryPublicRooms, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// ---- Reading --------------------------------------------------------------------------------

Result<std::vector<RoomEvent>> GrpcRoomserverClient::queryCurrentState(
    const CallContext& ctx, const std::string& roomId,
    const std::vector<StateSelector>& selectors) {
  v1::QueryCurrentStateRequest req;
  req.set_room_id(roomId);
  for (const auto& s : selectors) convert::toProto(s, *req.add_selectors());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryCurrentState, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<RoomEvent> GrpcRoomserverClient::queryStateEvent(const CallContext& ctx,
                                                        const std::string& roomId,
                                                        const std::string& type,
                                                        const std::string& stateKey) {
  v1::QueryStateEventRequest req;
  req.set_room_id(roomId);
  req.set_type(type);
  req.set_state_key(stateKey);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryStateEvent, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<RoomEvent>> GrpcRoomserverClient::queryStateAtEvent(const CallContext& ctx,
                                                                       const std::string& eventId,
                                                                       StatePoint point) {
  v1::QueryStateAtEventRequest req;
  req.set_event_id(eventId);
  req.set_point(convert::toProto(point));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryStateAtEvent, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<RoomEvent>> GrpcRoomserverClient::queryEvents(
    const CallContext& ctx, const std::vector<std::string>& eventIds) {
  v1::QueryEventsRequest req;
  setStrings(eventIds, *req.mutable_event_ids());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryEvents, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<RoomEvent> GrpcRoomserverClient::queryEvent(const CallContext& ctx,
                                                   const std::string& eventId) {
  v1::QueryEventRequest req;
  req.set_event_id(eventId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryEvent, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::optional<MembershipInfo>> GrpcRoomserverClient::queryMembership(
    const CallContext& ctx, const std::string& roomId, const std::string& userId) {
  v1::QueryMembershipRequest req;
  req.set_room_id(roomId);
  req.set_user_id(userId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryMembership, req, Retry::kIdempotent));
  if (!resp.has_membership()) return std::optional<MembershipInfo>();
  return std::optional<MembershipInfo>(convert::fromProto(resp.membership()));
}

Result<std::vector<JoinedMember>> GrpcRoomserverClient::queryJoinedMembers(
    const CallContext& ctx, const std::string& roomId) {
  v1::QueryJoinedMembersRequest req;
  req.set_room_id(roomId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryJoinedMembers, req, Retry::kIdempotent));
  std::vector<JoinedMember> out;
  out.reserve(static_cast<std::size_t>(resp.members_size()));
  for (const auto& m : resp.members()) out.push_back(convert::fromProto(m));
  return out;
}

Result<std::vector<std::string>> GrpcRoomserverClient::queryRoomsForUser(
    const CallContext& ctx, const std::string& userId, const std::string& membership) {
  v1::QueryRoomsForUserRequest req;
  req.set_user_id(userId);
  req.set_membership(membership);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryRoomsForUser, req, Retry::kIdempotent));
  return std::vector<std::string>(resp.room_ids().begin(), resp.room_ids().end());
}

Result<std::string> GrpcRoomserverClient::queryRoomVersion(const CallContext& ctx,
                                                           const std::string& roomId) {
  v1::QueryRoomVersionRequest req;
  req.set_room_id(roomId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryRoomVersion, req, Retry::kIdempotent));
  return resp.room_version();
}

Result<bool> GrpcRoomserverClient::queryRoomExists(const CallContext& ctx,
                                                   const std::string& roomId) {
  v1::QueryRoomExistsRequest req;
  req.set_room_id(roomId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryRoomExists, req, Retry::kIdempotent));
  return resp.exists();
}

Result<LatestEvents> GrpcRoomserverClient::queryLatestEvents(const CallContext& ctx,
                                                             const std::string& roomId) {
  v1::QueryLatestEventsRequest req;
  req.set_room_id(roomId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryLatestEvents, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<RoomEvent>> GrpcRoomserverClient::queryAuthChain(
    const CallContext& ctx, const std::vector<std::string>& eventIds) {
  v1::QueryAuthChainRequest req;
  setStrings(eventIds, *req.mutable_event_ids());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryAuthChain, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// ---- Federation -----------------------------------------------------------------------------

Result<std::vector<RoomserverApi::InputEventResult>> GrpcRoomserverClient::inputEvents(
    const CallContext& ctx, const std::string& roomId, const std::vector<InputRoomEvent>& events) {
  v1::InputEventsRequest req;
  req.set_room_id(roomId);
  req.mutable_events()->Reserve(static_cast<int>(events.size()));
  for (const auto& e : events) convert::toProto(e, *req.add_events());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::InputEvents, req, Retry::kNever));
  std::vector<InputEventResult> out;
  out.reserve(static_cast<std::size_t>(resp.results_size()));
  for (const auto& r : resp.results()) out.push_back(convert::fromProto(r));
  return out;
}

Result<RoomserverApi::MakeMembershipResponse> GrpcRoomserverClient::queryMakeMembership(
    const CallContext& ctx, const MakeMembershipRequest& request) {
  v1::MakeMembershipRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryMakeMembership, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<RoomEvent> GrpcRoomserverClient::inputSendMembership(const CallContext& ctx,
                                                            const SendMembershipRequest& request) {
  v1::SendMembershipRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::InputSendMembership, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcRoomserverClient::inputInvite(const CallContext& ctx,
                                                       const InviteInput& invite) {
  v1::InviteInput req;
  convert::toProto(invite, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::InputInvite, req, Retry::kNever));
  return convert::jsonObjectField(resp.event_json(), "event_json");
}

Result<std::vector<RoomEvent>> GrpcRoomserverClient::performBackfill(
    const CallContext& ctx, const std::string& roomId, const std::vector<std::string>& fromEventIds,
    int limit) {
  v1::PerformBackfillRequest req;
  req.set_room_id(roomId);
  setStrings(fromEventIds, *req.mutable_from_event_ids());
  req.set_limit(limit);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformBackfill, req, Retry::kNever));
  return convert::fromProto(resp);
}

}  // namespace plexus::roomserver
