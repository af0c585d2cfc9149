// GrpcKeyserverService (grpc_keyserver_service.h).
#include "keyserver/grpc/grpc_keyserver_service.h"

#include "keyserver/grpc/convert.h"
#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"

namespace plexus::keyserver {
namespace {

// The answer for a call whose result is `result`: OK with the converted value, or the error.
template <typename T, typename Message>
grpc::Status reply(grpc::ServerContext& server, const Result<T>& result, Message& response) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  convert::toProto(*result, response);
  return grpc::Status::OK;
}

// The answer for a call without a value.
grpc::Status done(grpc::ServerContext& server, const Status& status) {
  if (!status.ok()) return grpcutil::toGrpcStatus(server, status.error());
  return grpc::Status::OK;
}

}  // namespace

grpc::Status GrpcKeyserverService::PerformUploadKeys(grpc::ServerContext* server,
                                                     const v1::PerformUploadKeysRequest* request,
                                                     v1::OneTimeKeyCounts* response) {
  std::optional<json::Object> deviceKeys;
  if (request->has_device_keys_json()) {
    auto parsed = convert::jsonObjectField(request->device_keys_json(), "device_keys_json");
    if (!parsed.ok()) return grpcutil::toGrpcStatus(*server, parsed.error());
    deviceKeys = std::move(*parsed);
  }
  auto oneTimeKeys = convert::jsonObjectField(request->one_time_keys_json(), "one_time_keys_json");
  if (!oneTimeKeys.ok()) return grpcutil::toGrpcStatus(*server, oneTimeKeys.error());
  auto fallbackKeys = convert::jsonObjectField(request->fallback_keys_json(), "fallback_keys_json");
  if (!fallbackKeys.ok()) return grpcutil::toGrpcStatus(*server, fallbackKeys.error());
  auto result =
      api_.performUploadKeys(grpcutil::callContextFrom(*server), request->user_id(),
                             request->device_id(), deviceKeys, *oneTimeKeys, *fallbackKeys);
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::PerformSetDeviceDisplayName(
    grpc::ServerContext* server, const v1::PerformSetDeviceDisplayNameRequest* request,
    v1::PerformSetDeviceDisplayNameResponse* /*response*/) {
  return done(*server, api_.performSetDeviceDisplayName(grpcutil::callContextFrom(*server),
                                                        request->user_id(), request->device_id(),
                                                        request->display_name()));
}

grpc::Status GrpcKeyserverService::QueryKeys(grpc::ServerContext* server,
                                             const v1::QueryKeysRequest* request,
                                             v1::QueryKeysResponse* response) {
  auto result = api_.queryKeys(grpcutil::callContextFrom(*server), request->requesting_user_id(),
                               convert::fromProto(*request));
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::PerformClaimKeys(grpc::ServerContext* server,
                                                    const v1::ClaimKeysRequest* request,
                                                    v1::ClaimKeysResponse* response) {
  auto result =
      api_.performClaimKeys(grpcutil::callContextFrom(*server), convert::fromProto(*request));
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::QueryOneTimeKeyCounts(grpc::ServerContext* server,
                                                         const v1::DeviceRef* request,
                                                         v1::OneTimeKeyCounts* response) {
  auto result = api_.queryOneTimeKeyCounts(grpcutil::callContextFrom(*server), request->user_id(),
                                           request->device_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::QueryUnusedFallbackKeyTypes(grpc::ServerContext* server,
                                                               const v1::DeviceRef* request,
                                                               v1::FallbackKeyTypes* response) {
  auto result = api_.queryUnusedFallbackKeyTypes(grpcutil::callContextFrom(*server),
                                                 request->user_id(), request->device_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->mutable_algorithms()->Add(result->begin(), result->end());
  return grpc::Status::OK;
}

grpc::Status GrpcKeyserverService::QueryDeviceListPosition(
    grpc::ServerContext* server, const v1::QueryDeviceListPositionRequest* /*request*/,
    v1::StreamPosition* response) {
  auto result = api_.queryDeviceListPosition(grpcutil::callContextFrom(*server));
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_position(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcKeyserverService::QueryKeyChanges(grpc::ServerContext* server,
                                                   const v1::QueryKeyChangesRequest* request,
                                                   v1::KeyChanges* response) {
  auto result = api_.queryKeyChanges(grpcutil::callContextFrom(*server),
                                     request->requesting_user_id(), request->from(), request->to());
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::InputDeviceListUpdate(grpc::ServerContext* server,
                                                         const v1::InputEduRequest* request,
                                                         v1::InputEduResponse* /*response*/) {
  auto content = convert::jsonObjectField(request->content_json(), "content_json");
  if (!content.ok()) return grpcutil::toGrpcStatus(*server, content.error());
  return done(*server, api_.inputDeviceListUpdate(grpcutil::callContextFrom(*server),
                                                  request->origin(), *content));
}

grpc::Status GrpcKeyserverService::InputSigningKeyUpdate(grpc::ServerContext* server,
                                                         const v1::InputEduRequest* request,
                                                         v1::InputEduResponse* /*response*/) {
  auto content = convert::jsonObjectField(request->content_json(), "content_json");
  if (!content.ok()) return grpcutil::toGrpcStatus(*server, content.error());
  return done(*server, api_.inputSigningKeyUpdate(grpcutil::callContextFrom(*server),
                                                  request->origin(), *content));
}

grpc::Status GrpcKeyserverService::QueryUserDeviceListStreamId(
    grpc::ServerContext* server, const v1::QueryUserDeviceListStreamIdRequest* request,
    v1::StreamPosition* response) {
  auto result =
      api_.queryUserDeviceListStreamId(grpcutil::callContextFrom(*server), request->user_id());
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_position(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcKeyserverService::PerformUploadCrossSigningKeys(
    grpc::ServerContext* server, const v1::CrossSigningKeysRequest* request,
    v1::PerformUploadCrossSigningKeysResponse* /*response*/) {
  auto keys = convert::fromProto(request->keys());
  if (!keys.ok()) return grpcutil::toGrpcStatus(*server, keys.error());
  return done(*server, api_.performUploadCrossSigningKeys(grpcutil::callContextFrom(*server),
                                                          request->user_id(), *keys));
}

grpc::Status GrpcKeyserverService::QueryCrossSigningUploadIsNoOp(
    grpc::ServerContext* server, const v1::CrossSigningKeysRequest* request,
    v1::QueryCrossSigningUploadIsNoOpResponse* response) {
  auto keys = convert::fromProto(request->keys());
  if (!keys.ok()) return grpcutil::toGrpcStatus(*server, keys.error());
  auto result = api_.queryCrossSigningUploadIsNoOp(grpcutil::callContextFrom(*server),
                                                   request->user_id(), *keys);
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_no_op(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcKeyserverService::PerformUploadSignatures(
    grpc::ServerContext* server, const v1::PerformUploadSignaturesRequest* request,
    v1::UploadSignaturesResponse* response) {
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return grpcutil::toGrpcStatus(*server, body.error());
  auto result =
      api_.performUploadSignatures(grpcutil::callContextFrom(*server), request->user_id(), *body);
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::PerformDeleteDeviceKeys(
    grpc::ServerContext* server, const v1::PerformDeleteDeviceKeysRequest* request,
    v1::PerformDeleteDeviceKeysResponse* /*response*/) {
  std::vector<std::string> deviceIds(request->device_ids().begin(), request->device_ids().end());
  return done(*server, api_.performDeleteDeviceKeys(grpcutil::callContextFrom(*server),
                                                    request->user_id(), deviceIds));
}

grpc::Status GrpcKeyserverService::PerformDeleteUserKeys(
    grpc::ServerContext* server, const v1::PerformDeleteUserKeysRequest* request,
    v1::PerformDeleteUserKeysResponse* /*response*/) {
  return done(*server,
              api_.performDeleteUserKeys(grpcutil::callContextFrom(*server), request->user_id()));
}

grpc::Status GrpcKeyserverService::PerformCreateBackupVersion(
    grpc::ServerContext* server, const v1::PerformCreateBackupVersionRequest* request,
    v1::PerformCreateBackupVersionResponse* response) {
  auto authData = convert::jsonObjectField(request->auth_data_json(), "auth_data_json");
  if (!authData.ok()) return grpcutil::toGrpcStatus(*server, authData.error());
  auto result = api_.performCreateBackupVersion(
      grpcutil::callContextFrom(*server), request->user_id(), request->algorithm(), *authData);
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_version(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcKeyserverService::QueryBackupVersion(grpc::ServerContext* server,
                                                      const v1::QueryBackupVersionRequest* request,
                                                      v1::BackupVersion* response) {
  std::optional<std::string> version;
  if (request->has_version()) version = request->version();
  auto result =
      api_.queryBackupVersion(grpcutil::callContextFrom(*server), request->user_id(), version);
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::PerformUpdateBackupVersion(
    grpc::ServerContext* server, const v1::PerformUpdateBackupVersionRequest* request,
    v1::PerformUpdateBackupVersionResponse* /*response*/) {
  auto authData = convert::jsonObjectField(request->auth_data_json(), "auth_data_json");
  if (!authData.ok()) return grpcutil::toGrpcStatus(*server, authData.error());
  return done(*server, api_.performUpdateBackupVersion(grpcutil::callContextFrom(*server),
                                                       request->user_id(), request->version(),
                                                       request->algorithm(), *authData));
}

grpc::Status GrpcKeyserverService::PerformDeleteBackupVersion(
    grpc::ServerContext* server, const v1::PerformDeleteBackupVersionRequest* request,
    v1::PerformDeleteBackupVersionResponse* /*response*/) {
  return done(*server, api_.performDeleteBackupVersion(grpcutil::callContextFrom(*server),
                                                       request->user_id(), request->version()));
}

grpc::Status GrpcKeyserverService::PerformUploadBackupKeys(
    grpc::ServerContext* server, const v1::PerformUploadBackupKeysRequest* request,
    v1::BackupKeysSummary* response) {
  auto keys = convert::fromProto(request->keys());
  if (!keys.ok()) return grpcutil::toGrpcStatus(*server, keys.error());
  auto result = api_.performUploadBackupKeys(grpcutil::callContextFrom(*server), request->user_id(),
                                             request->version(), *keys);
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::QueryBackupKeys(grpc::ServerContext* server,
                                                   const v1::BackupKeysSelection* request,
                                                   v1::BackupKeys* response) {
  auto result = api_.queryBackupKeys(grpcutil::callContextFrom(*server), request->user_id(),
                                     request->version(), convert::fromProto(request->selector()));
  return reply(*server, result, *response);
}

grpc::Status GrpcKeyserverService::PerformDeleteBackupKeys(grpc::ServerContext* server,
                                                           const v1::BackupKeysSelection* request,
                                                           v1::BackupKeysSummary* response) {
  auto result =
      api_.performDeleteBackupKeys(grpcutil::callContextFrom(*server), request->user_id(),
                                   request->version(), convert::fromProto(request->selector()));
  return reply(*server, result, *response);
}

}  // namespace plexus::keyserver
