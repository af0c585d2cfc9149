// GrpcFederationSenderService (grpc_federation_sender_service.h).
#include "federationsender/grpc/grpc_federation_sender_service.h"

#include "federationsender/grpc/convert.h"
#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"

namespace plexus::federationsender {
namespace {

// The answer for a call whose result is `result`: OK with the converted value, or the error.
template <typename T, typename Message>
grpc::Status reply(grpc::ServerContext& server, const Result<T>& result, Message& response) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  convert::toProto(*result, response);
  return grpc::Status::OK;
}

// The same for a call answering one JSON object.
grpc::Status replyObject(grpc::ServerContext& server, const Result<json::Object>& result,
                         v1::JsonObject& response) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  response.set_json(convert::jsonText(*result));
  return grpc::Status::OK;
}

grpc::Status done(grpc::ServerContext& server, const Status& status) {
  if (!status.ok()) return grpcutil::toGrpcStatus(server, status.error());
  return grpc::Status::OK;
}

std::vector<std::string> strings(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

}  // namespace

grpc::Status GrpcFederationSenderService::PerformMakeJoin(grpc::ServerContext* server,
                                                          const v1::MakeMembershipRequest* request,
                                                          v1::MakeMembershipResponse* response) {
  auto result = api_.performMakeJoin(grpcutil::callContextFrom(*server), request->destination(),
                                     request->room_id(), request->user_id(),
                                     strings(request->supported_versions()));
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformSendJoin(grpc::ServerContext* server,
                                                          const v1::PerformSendJoinRequest* request,
                                                          v1::SendJoinResponse* response) {
  auto join = convert::fromProto(request->request());
  if (!join.ok()) return grpcutil::toGrpcStatus(*server, join.error());
  auto result =
      api_.performSendJoin(grpcutil::callContextFrom(*server), request->destination(), *join);
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformMakeLeave(grpc::ServerContext* server,
                                                           const v1::MakeMembershipRequest* request,
                                                           v1::MakeMembershipResponse* response) {
  auto result = api_.performMakeLeave(grpcutil::callContextFrom(*server), request->destination(),
                                      request->room_id(), request->user_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformSendLeave(
    grpc::ServerContext* server, const v1::SendMembershipEventRequest* request,
    v1::PerformSendLeaveResponse* /*response*/) {
  auto event = convert::jsonObjectField(request->event_json(), "event_json");
  if (!event.ok()) return grpcutil::toGrpcStatus(*server, event.error());
  return done(*server,
              api_.performSendLeave(grpcutil::callContextFrom(*server), request->destination(),
                                    request->room_id(), request->event_id(), *event));
}

grpc::Status GrpcFederationSenderService::PerformMakeKnock(grpc::ServerContext* server,
                                                           const v1::MakeMembershipRequest* request,
                                                           v1::MakeMembershipResponse* response) {
  auto result = api_.performMakeKnock(grpcutil::callContextFrom(*server), request->destination(),
                                      request->room_id(), request->user_id(),
                                      strings(request->supported_versions()));
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformSendKnock(
    grpc::ServerContext* server, const v1::SendMembershipEventRequest* request,
    v1::Events* response) {
  auto event = convert::jsonObjectField(request->event_json(), "event_json");
  if (!event.ok()) return grpcutil::toGrpcStatus(*server, event.error());
  auto result = api_.performSendKnock(grpcutil::callContextFrom(*server), request->destination(),
                                      request->room_id(), request->event_id(), *event);
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformSendInvite(
    grpc::ServerContext* server, const v1::PerformSendInviteRequest* request,
    v1::JsonObject* response) {
  auto invite = convert::fromProto(request->request());
  if (!invite.ok()) return grpcutil::toGrpcStatus(*server, invite.error());
  auto result =
      api_.performSendInvite(grpcutil::callContextFrom(*server), request->destination(), *invite);
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryMissingEvents(
    grpc::ServerContext* server, const v1::QueryMissingEventsRequest* request,
    v1::Events* response) {
  auto result = api_.queryMissingEvents(grpcutil::callContextFrom(*server), request->destination(),
                                        convert::fromProto(request->request()));
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryStateIds(grpc::ServerContext* server,
                                                        const v1::RoomEventRequest* request,
                                                        v1::StateIdsResponse* response) {
  auto result = api_.queryStateIds(grpcutil::callContextFrom(*server), request->destination(),
                                   request->room_id(), request->event_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryState(grpc::ServerContext* server,
                                                     const v1::RoomEventRequest* request,
                                                     v1::StateResponse* response) {
  auto result = api_.queryState(grpcutil::callContextFrom(*server), request->destination(),
                                request->room_id(), request->event_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryEvent(grpc::ServerContext* server,
                                                     const v1::QueryEventRequest* request,
                                                     v1::JsonObject* response) {
  auto result = api_.queryEvent(grpcutil::callContextFrom(*server), request->destination(),
                                request->event_id());
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryEventAuth(grpc::ServerContext* server,
                                                         const v1::RoomEventRequest* request,
                                                         v1::Events* response) {
  auto result = api_.queryEventAuth(grpcutil::callContextFrom(*server), request->destination(),
                                    request->room_id(), request->event_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryBackfill(grpc::ServerContext* server,
                                                        const v1::QueryBackfillRequest* request,
                                                        v1::Events* response) {
  auto result = api_.queryBackfill(grpcutil::callContextFrom(*server), request->destination(),
                                   convert::fromProto(request->request()));
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryProfile(grpc::ServerContext* server,
                                                       const v1::QueryProfileRequest* request,
                                                       v1::JsonObject* response) {
  std::optional<std::string> field;
  if (request->has_field()) field = request->field();
  auto result = api_.queryProfile(grpcutil::callContextFrom(*server), request->destination(),
                                  request->user_id(), field);
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryDirectory(grpc::ServerContext* server,
                                                         const v1::QueryDirectoryRequest* request,
                                                         v1::DirectoryResponse* response) {
  auto result = api_.queryDirectory(grpcutil::callContextFrom(*server), request->destination(),
                                    request->room_alias());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryUserDevices(
    grpc::ServerContext* server, const v1::QueryUserDevicesRequest* request,
    v1::JsonObject* response) {
  auto result = api_.queryUserDevices(grpcutil::callContextFrom(*server), request->destination(),
                                      request->user_id());
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryUserKeys(grpc::ServerContext* server,
                                                        const v1::DestinationJsonRequest* request,
                                                        v1::JsonObject* response) {
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return grpcutil::toGrpcStatus(*server, body.error());
  auto result =
      api_.queryUserKeys(grpcutil::callContextFrom(*server), request->destination(), *body);
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformClaimKeys(
    grpc::ServerContext* server, const v1::DestinationJsonRequest* request,
    v1::JsonObject* response) {
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return grpcutil::toGrpcStatus(*server, body.error());
  auto result =
      api_.performClaimKeys(grpcutil::callContextFrom(*server), request->destination(), *body);
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryPublicRooms(
    grpc::ServerContext* server, const v1::DestinationJsonRequest* request,
    v1::JsonObject* response) {
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return grpcutil::toGrpcStatus(*server, body.error());
  auto result =
      api_.queryPublicRooms(grpcutil::callContextFrom(*server), request->destination(), *body);
  return replyObject(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryMediaDownload(
    grpc::ServerContext* server, const v1::QueryMediaDownloadRequest* request,
    v1::RemoteMediaFile* response) {
  auto result = api_.queryMediaDownload(grpcutil::callContextFrom(*server), request->destination(),
                                        request->media_id(), request->max_bytes());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::QueryMediaThumbnail(
    grpc::ServerContext* server, const v1::QueryMediaThumbnailRequest* request,
    v1::RemoteMediaFile* response) {
  auto result =
      api_.queryMediaThumbnail(grpcutil::callContextFrom(*server), request->destination(),
                               convert::fromProto(request->query()), request->max_bytes());
  return reply(*server, result, *response);
}

grpc::Status GrpcFederationSenderService::PerformSendEdu(grpc::ServerContext* server,
                                                         const v1::PerformSendEduRequest* request,
                                                         v1::PerformSendEduResponse* /*response*/) {
  auto edu = convert::fromProto(request->edu());
  if (!edu.ok()) return grpcutil::toGrpcStatus(*server, edu.error());
  return done(*server, api_.performSendEdu(grpcutil::callContextFrom(*server),
                                           strings(request->destinations()), *edu));
}

}  // namespace plexus::federationsender
