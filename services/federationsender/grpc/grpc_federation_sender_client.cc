// GrpcFederationSenderClient (grpc_federation_sender_client.h).
#include "federationsender/grpc/grpc_federation_sender_client.h"

#include "federationsender/grpc/convert.h"
#include "plexus/grpcutil/unary_call.h"

namespace plexus::federationsender {
namespace {

using Stub = v1::FederationSenderService::StubInterface;
using grpcutil::Retry;
using grpcutil::unaryCall;

v1::MakeMembershipRequest makeMembership(const std::string& destination, const std::string& roomId,
                                         const std::string& userId,
                                         const std::vector<std::string>& supportedVersions) {
  v1::MakeMembershipRequest req;
  req.set_destination(destination);
  req.set_room_id(roomId);
  req.set_user_id(userId);
  req.mutable_supported_versions()->Add(supportedVersions.begin(), supportedVersions.end());
  return req;
}

v1::SendMembershipEventRequest sendMembership(const std::string& destination,
                                              const std::string& roomId, const std::string& eventId,
                                              const json::Object& event) {
  v1::SendMembershipEventRequest req;
  req.set_destination(destination);
  req.set_room_id(roomId);
  req.set_event_id(eventId);
  req.set_event_json(convert::jsonText(event));
  return req;
}

v1::RoomEventRequest roomEvent(const std::string& destination, const std::string& roomId,
                               const std::string& eventId) {
  v1::RoomEventRequest req;
  req.set_destination(destination);
  req.set_room_id(roomId);
  req.set_event_id(eventId);
  return req;
}

v1::DestinationJsonRequest destinationJson(const std::string& destination,
                                           const json::Object& body) {
  v1::DestinationJsonRequest req;
  req.set_destination(destination);
  req.set_body_json(convert::jsonText(body));
  return req;
}

Result<json::Object> objectOf(const v1::JsonObject& response) {
  return convert::jsonObjectField(response.json(), "json");
}

}  // namespace

GrpcFederationSenderClient::GrpcFederationSenderClient(
    const std::shared_ptr<grpc::ChannelInterface>& channel)
    : stub_(v1::FederationSenderService::NewStub(channel)) {}

GrpcFederationSenderClient::GrpcFederationSenderClient(
    std::unique_ptr<v1::FederationSenderService::StubInterface> stub)
    : stub_(std::move(stub)) {}

// make_join / make_leave / make_knock are GETs of a template: safe to repeat.
Result<MakeMembershipResponse> GrpcFederationSenderClient::performMakeJoin(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& userId, const std::vector<std::string>& supportedVersions) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformMakeJoin,
                                  makeMembership(destination, roomId, userId, supportedVersions),
                                  Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<SendJoinResponse> GrpcFederationSenderClient::performSendJoin(
    const CallContext& ctx, const std::string& destination, const SendJoinRequest& request) {
  v1::PerformSendJoinRequest req;
  req.set_destination(destination);
  convert::toProto(request, *req.mutable_request());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformSendJoin, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<MakeMembershipResponse> GrpcFederationSenderClient::performMakeLeave(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& userId) {
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformMakeLeave,
                       makeMembership(destination, roomId, userId, {}), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcFederationSenderClient::performSendLeave(const CallContext& ctx,
                                                    const std::string& destination,
                                                    const std::string& roomId,
                                                    const std::string& eventId,
                                                    const json::Object& event) {
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformSendLeave,
                            sendMembership(destination, roomId, eventId, event), Retry::kNever));
  return {};
}

Result<MakeMembershipResponse> GrpcFederationSenderClient::performMakeKnock(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& userId, const std::vector<std::string>& supportedVersions) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformMakeKnock,
                                  makeMembership(destination, roomId, userId, supportedVersions),
                                  Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<json::Object>> GrpcFederationSenderClient::performSendKnock(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& eventId, const json::Object& event) {
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformSendKnock,
                       sendMembership(destination, roomId, eventId, event), Retry::kNever));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcFederationSenderClient::performSendInvite(
    const CallContext& ctx, const std::string& destination, const SendInviteRequest& request) {
  v1::PerformSendInviteRequest req;
  req.set_destination(destination);
  convert::toProto(request, *req.mutable_request());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformSendInvite, req, Retry::kNever));
  return objectOf(resp);
}

Result<std::vector<json::Object>> GrpcFederationSenderClient::queryMissingEvents(
    const CallContext& ctx, const std::string& destination, const MissingEventsRequest& request) {
  v1::QueryMissingEventsRequest req;
  req.set_destination(destination);
  convert::toProto(request, *req.mutable_request());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryMissingEvents, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<StateIdsResponse> GrpcFederationSenderClient::queryStateIds(const CallContext& ctx,
                                                                   const std::string& destination,
                                                                   const std::string& roomId,
                                                                   const std::string& eventId) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryStateIds,
                                  roomEvent(destination, roomId, eventId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<StateResponse> GrpcFederationSenderClient::queryState(const CallContext& ctx,
                                                             const std::string& destination,
                                                             const std::string& roomId,
                                                             const std::string& eventId) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryState,
                                  roomEvent(destination, roomId, eventId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcFederationSenderClient::queryEvent(const CallContext& ctx,
                                                            const std::string& destination,
                                                            const std::string& eventId) {
  v1::QueryEventRequest req;
  req.set_destination(destination);
  req.set_event_id(eventId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryEvent, req, Retry::kIdempotent));
  return objectOf(resp);
}

Result<std::vector<json::Object>> GrpcFederationSenderClient::queryEventAuth(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& eventId) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryEventAuth,
                                  roomEvent(destination, roomId, eventId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<json::Object>> GrpcFederationSenderClient::queryBackfill(
    const CallContext& ctx, const std::string& destination, const BackfillRequest& request) {
  v1::QueryBackfillRequest req;
  req.set_destination(destination);
  convert::toProto(request, *req.mutable_request());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryBackfill, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcFederationSenderClient::queryProfile(
    const CallContext& ctx, const std::string& destination, const std::string& userId,
    const std::optional<std::string>& field) {
  v1::QueryProfileRequest req;
  req.set_destination(destination);
  req.set_user_id(userId);
  if (field) req.set_field(*field);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryProfile, req, Retry::kIdempotent));
  return objectOf(resp);
}

Result<DirectoryResponse> GrpcFederationSenderClient::queryDirectory(const CallContext& ctx,
                                                                     const std::string& destination,
                                                                     const std::string& roomAlias) {
  v1::QueryDirectoryRequest req;
  req.set_destination(destination);
  req.set_room_alias(roomAlias);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryDirectory, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcFederationSenderClient::queryUserDevices(const CallContext& ctx,
                                                                  const std::string& destination,
                                                                  const std::string& userId) {
  v1::QueryUserDevicesRequest req;
  req.set_destination(destination);
  req.set_user_id(userId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryUserDevices, req, Retry::kIdempotent));
  return objectOf(resp);
}

Result<json::Object> GrpcFederationSenderClient::queryUserKeys(const CallContext& ctx,
                                                               const std::string& destination,
                                                               const json::Object& deviceKeys) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryUserKeys,
                                  destinationJson(destination, deviceKeys), Retry::kIdempotent));
  return objectOf(resp);
}

// Claiming takes one-time keys on the remote server: never repeated.
Result<json::Object> GrpcFederationSenderClient::performClaimKeys(const CallContext& ctx,
                                                                  const std::string& destination,
                                                                  const json::Object& oneTimeKeys) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformClaimKeys,
                                  destinationJson(destination, oneTimeKeys), Retry::kNever));
  return objectOf(resp);
}

Result<json::Object> GrpcFederationSenderClient::queryPublicRooms(const CallContext& ctx,
                                                                  const std::string& destination,
                                                                  const json::Object& request) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryPublicRooms,
                                  destinationJson(destination, request), Retry::kIdempotent));
  return objectOf(resp);
}

Result<RemoteMediaFile> GrpcFederationSenderClient::queryMediaDownload(
    const CallContext& ctx, const std::string& destination, const std::string& mediaId,
    std::int64_t maxBytes) {
  v1::QueryMediaDownloadRequest req;
  req.set_destination(destination);
  req.set_media_id(mediaId);
  req.set_max_bytes(maxBytes);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryMediaDownload, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<RemoteMediaFile> GrpcFederationSenderClient::queryMediaThumbnail(
    const CallContext& ctx, const std::string& destination, const MediaThumbnailQuery& query,
    std::int64_t maxBytes) {
  v1::QueryMediaThumbnailRequest req;
  req.set_destination(destination);
  convert::toProto(query, *req.mutable_query());
  req.set_max_bytes(maxBytes);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryMediaThumbnail, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// A repeat would queue the EDU twice: never repeated.
Status GrpcFederationSenderClient::performSendEdu(const CallContext& ctx,
                                                  const std::vector<std::string>& destinations,
                                                  const Edu& edu) {
  v1::PerformSendEduRequest req;
  req.mutable_destinations()->Add(destinations.begin(), destinations.end());
  convert::toProto(edu, *req.mutable_edu());
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformSendEdu, req, Retry::kNever));
  return {};
}

}  // namespace plexus::federationsender
