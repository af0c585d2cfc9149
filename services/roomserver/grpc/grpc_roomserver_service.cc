// GrpcRoomserverService (grpc_roomserver_service.h).
#include "roomserver/grpc/grpc_roomserver_service.h"

#include <string>
#include <utility>
#include <vector>

#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"
#include "roomserver/grpc/convert.h"

namespace plexus::roomserver {
namespace {

// The answer for a call whose result is `result`: OK with the converted value, or the error.
template <typename T, typename Message>
grpc::Status reply(grpc::ServerContext& server, const Result<T>& result, Message& response) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  convert::toProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status reply(grpc::ServerContext& server, const Status& result) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  return grpc::Status::OK;
}

std::vector<std::string> strings(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

}  // namespace

// ---- Writing --------------------------------------------------------------------------------

grpc::Status GrpcRoomserverService::PerformCreateRoom(grpc::ServerContext* server,
                                                      const v1::CreateRoomRequest* request,
                                                      v1::CreateRoomResponse* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.performCreateRoom(grpcutil::callContextFrom(*server), *req),
               *response);
}

grpc::Status GrpcRoomserverService::PerformSendEvent(grpc::ServerContext* server,
                                                     const v1::SendEventRequest* request,
                                                     v1::SendEventResponse* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.performSendEvent(grpcutil::callContextFrom(*server), *req), *response);
}

grpc::Status GrpcRoomserverService::PerformJoin(grpc::ServerContext* server,
                                                const v1::JoinRequest* request,
                                                v1::JoinResponse* response) {
  return reply(*server,
               api_.performJoin(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformInvite(grpc::ServerContext* server,
                                                  const v1::MembershipChangeRequest* request,
                                                  v1::SendEventResponse* response) {
  return reply(*server,
               api_.performInvite(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformLeave(grpc::ServerContext* server,
                                                 const v1::PerformLeaveRequest* request,
                                                 v1::SendEventResponse* response) {
  std::optional<std::string> reason;
  if (request->has_reason()) reason = request->reason();
  return reply(*server,
               api_.performLeave(grpcutil::callContextFrom(*server), request->room_id(),
                                 request->user_id(), reason),
               *response);
}

grpc::Status GrpcRoomserverService::PerformKick(grpc::ServerContext* server,
                                                const v1::MembershipChangeRequest* request,
                                                v1::SendEventResponse* response) {
  return reply(*server,
               api_.performKick(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformBan(grpc::ServerContext* server,
                                               const v1::MembershipChangeRequest* request,
                                               v1::SendEventResponse* response) {
  return reply(*server,
               api_.performBan(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformUnban(grpc::ServerContext* server,
                                                 const v1::MembershipChangeRequest* request,
                                                 v1::SendEventResponse* response) {
  return reply(*server,
               api_.performUnban(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformKnock(grpc::ServerContext* server,
                                                 const v1::JoinRequest* request,
                                                 v1::JoinResponse* response) {
  return reply(*server,
               api_.performKnock(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformForget(grpc::ServerContext* server,
                                                  const v1::PerformForgetRequest* request,
                                                  v1::PerformForgetResponse* /*response*/) {
  return reply(*server, api_.performForget(grpcutil::callContextFrom(*server), request->room_id(),
                                           request->user_id()));
}

grpc::Status GrpcRoomserverService::PerformRedact(grpc::ServerContext* server,
                                                  const v1::RedactRequest* request,
                                                  v1::SendEventResponse* response) {
  return reply(*server,
               api_.performRedact(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcRoomserverService::PerformUpgradeRoom(grpc::ServerContext* server,
                                                       const v1::UpgradeRoomRequest* request,
                                                       v1::UpgradeRoomResponse* response) {
  return reply(
      *server,
      api_.performUpgradeRoom(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
      *response);
}

// ---- Aliases and directory ------------------------------------------------------------------

grpc::Status GrpcRoomserverService::PerformSetRoomAlias(
    grpc::ServerContext* server, const v1::PerformSetRoomAliasRequest* request,
    v1::PerformSetRoomAliasResponse* /*response*/) {
  return reply(*server,
               api_.performSetRoomAlias(grpcutil::callContextFrom(*server), request->alias(),
                                        request->room_id(), request->creator()));
}

grpc::Status GrpcRoomserverService::PerformRemoveRoomAlias(
    grpc::ServerContext* server, const v1::PerformRemoveRoomAliasRequest* request,
    v1::PerformRemoveRoomAliasResponse* /*response*/) {
  return reply(*server, api_.performRemoveRoomAlias(grpcutil::callContextFrom(*server),
                                                    request->alias(), request->requester()));
}

grpc::Status GrpcRoomserverService::QueryRoomIdForAlias(
    grpc::ServerContext* server, const v1::QueryRoomIdForAliasRequest* request,
    v1::AliasInfo* response) {
  return reply(*server,
               api_.queryRoomIdForAlias(grpcutil::callContextFrom(*server), request->alias()),
               *response);
}

grpc::Status GrpcRoomserverService::QueryAliasesForRoom(
    grpc::ServerContext* server, const v1::QueryAliasesForRoomRequest* request,
    v1::QueryAliasesForRoomResponse* response) {
  auto result = api_.queryAliasesForRoom(grpcutil::callContextFrom(*server), request->room_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  for (auto& alias : *result) response->add_aliases(std::move(alias));
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::PerformSetRoomVisibility(
    grpc::ServerContext* server, const v1::PerformSetRoomVisibilityRequest* request,
    v1::PerformSetRoomVisibilityResponse* /*response*/) {
  auto visibility = convert::fromProto(request->visibility());
  if (!visibility.ok()) return grpcutil::toGrpcStatus(*server, visibility.error());
  return reply(*server, api_.performSetRoomVisibility(grpcutil::callContextFrom(*server),
                                                      request->room_id(), *visibility));
}

grpc::Status GrpcRoomserverService::QueryRoomVisibility(
    grpc::ServerContext* server, const v1::QueryRoomVisibilityRequest* request,
    v1::QueryRoomVisibilityResponse* response) {
  auto result = api_.queryRoomVisibility(grpcutil::callContextFrom(*server), request->room_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_visibility(convert::toProto(*result));
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryPublicRooms(grpc::ServerContext* server,
                                                     const v1::PublicRoomsRequest* request,
                                                     v1::PublicRoomsResponse* response) {
  return reply(
      *server,
      api_.queryPublicRooms(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
      *response);
}

// ---- Reading --------------------------------------------------------------------------------

grpc::Status GrpcRoomserverService::QueryCurrentState(grpc::ServerContext* server,
                                                      const v1::QueryCurrentStateRequest* request,
                                                      v1::RoomEvents* response) {
  std::vector<StateSelector> selectors;
  selectors.reserve(static_cast<std::size_t>(request->selectors_size()));
  for (const auto& s : request->selectors()) selectors.push_back(convert::fromProto(s));
  return reply(
      *server,
      api_.queryCurrentState(grpcutil::callContextFrom(*server), request->room_id(), selectors),
      *response);
}

grpc::Status GrpcRoomserverService::QueryStateEvent(grpc::ServerContext* server,
                                                    const v1::QueryStateEventRequest* request,
                                                    v1::RoomEvent* response) {
  return reply(*server,
               api_.queryStateEvent(grpcutil::callContextFrom(*server), request->room_id(),
                                    request->type(), request->state_key()),
               *response);
}

grpc::Status GrpcRoomserverService::QueryStateAtEvent(grpc::ServerContext* server,
                                                      const v1::QueryStateAtEventRequest* request,
                                                      v1::RoomEvents* response) {
  auto point = convert::fromProto(request->point());
  if (!point.ok()) return grpcutil::toGrpcStatus(*server, point.error());
  return reply(
      *server,
      api_.queryStateAtEvent(grpcutil::callContextFrom(*server), request->event_id(), *point),
      *response);
}

grpc::Status GrpcRoomserverService::QueryEvents(grpc::ServerContext* server,
                                                const v1::QueryEventsRequest* request,
                                                v1::RoomEvents* response) {
  return reply(*server,
               api_.queryEvents(grpcutil::callContextFrom(*server), strings(request->event_ids())),
               *response);
}

grpc::Status GrpcRoomserverService::QueryEvent(grpc::ServerContext* server,
                                               const v1::QueryEventRequest* request,
                                               v1::RoomEvent* response) {
  return reply(*server, api_.queryEvent(grpcutil::callContextFrom(*server), request->event_id()),
               *response);
}

grpc::Status GrpcRoomserverService::QueryMembership(grpc::ServerContext* server,
                                                    const v1::QueryMembershipRequest* request,
                                                    v1::QueryMembershipResponse* response) {
  auto result = api_.queryMembership(grpcutil::callContextFrom(*server), request->room_id(),
                                     request->user_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  if (*result) convert::toProto(**result, *response->mutable_membership());
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryJoinedMembers(grpc::ServerContext* server,
                                                       const v1::QueryJoinedMembersRequest* request,
                                                       v1::QueryJoinedMembersResponse* response) {
  auto result = api_.queryJoinedMembers(grpcutil::callContextFrom(*server), request->room_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->mutable_members()->Reserve(static_cast<int>(result->size()));
  for (const auto& m : *result) convert::toProto(m, *response->add_members());
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryRoomsForUser(grpc::ServerContext* server,
                                                      const v1::QueryRoomsForUserRequest* request,
                                                      v1::QueryRoomsForUserResponse* response) {
  auto result = api_.queryRoomsForUser(grpcutil::callContextFrom(*server), request->user_id(),
                                       request->membership());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  for (auto& id : *result) response->add_room_ids(std::move(id));
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryRoomVersion(grpc::ServerContext* server,
                                                     const v1::QueryRoomVersionRequest* request,
                                                     v1::QueryRoomVersionResponse* response) {
  auto result = api_.queryRoomVersion(grpcutil::callContextFrom(*server), request->room_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_room_version(std::move(result).value());
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryRoomExists(grpc::ServerContext* server,
                                                    const v1::QueryRoomExistsRequest* request,
                                                    v1::QueryRoomExistsResponse* response) {
  auto result = api_.queryRoomExists(grpcutil::callContextFrom(*server), request->room_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_exists(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryLatestEvents(grpc::ServerContext* server,
                                                      const v1::QueryLatestEventsRequest* request,
                                                      v1::LatestEvents* response) {
  return reply(*server,
               api_.queryLatestEvents(grpcutil::callContextFrom(*server), request->room_id()),
               *response);
}

grpc::Status GrpcRoomserverService::QueryAuthChain(grpc::ServerContext* server,
                                                   const v1::QueryAuthChainRequest* request,
                                                   v1::RoomEvents* response) {
  return reply(
      *server,
      api_.queryAuthChain(grpcutil::callContextFrom(*server), strings(request->event_ids())),
      *response);
}

// ---- Federation -----------------------------------------------------------------------------

grpc::Status GrpcRoomserverService::InputEvents(grpc::ServerContext* server,
                                                const v1::InputEventsRequest* request,
                                                v1::InputEventsResponse* response) {
  std::vector<RoomserverApi::InputRoomEvent> events;
  events.reserve(static_cast<std::size_t>(request->events_size()));
  for (const auto& e : request->events()) {
    auto event = convert::fromProto(e);
    if (!event.ok()) return grpcutil::toGrpcStatus(*server, event.error());
    events.push_back(std::move(event).value());
  }
  auto result = api_.inputEvents(grpcutil::callContextFrom(*server), request->room_id(), events);
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->mutable_results()->Reserve(static_cast<int>(result->size()));
  for (const auto& r : *result) convert::toProto(r, *response->add_results());
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::QueryMakeMembership(grpc::ServerContext* server,
                                                        const v1::MakeMembershipRequest* request,
                                                        v1::MakeMembershipResponse* response) {
  return reply(
      *server,
      api_.queryMakeMembership(grpcutil::callContextFrom(*server), convert::fromProto(*request)),
      *response);
}

grpc::Status GrpcRoomserverService::InputSendMembership(grpc::ServerContext* server,
                                                        const v1::SendMembershipRequest* request,
                                                        v1::RoomEvent* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.inputSendMembership(grpcutil::callContextFrom(*server), *req),
               *response);
}

grpc::Status GrpcRoomserverService::InputInvite(grpc::ServerContext* server,
                                                const v1::InviteInput* request,
                                                v1::InputInviteResponse* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  auto result = api_.inputInvite(grpcutil::callContextFrom(*server), *req);
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_event_json(convert::jsonText(*result));
  return grpc::Status::OK;
}

grpc::Status GrpcRoomserverService::PerformBackfill(grpc::ServerContext* server,
                                                    const v1::PerformBackfillRequest* request,
                                                    v1::RoomEvents* response) {
  return reply(*server,
               api_.performBackfill(grpcutil::callContextFrom(*server), request->room_id(),
                                    strings(request->from_event_ids()), request->limit()),
               *response);
}

}  // namespace plexus::roomserver
