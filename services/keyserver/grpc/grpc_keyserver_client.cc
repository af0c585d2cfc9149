// GrpcKeyserverClient (grpc_keyserver_client.h).
#include "keyserver/grpc/grpc_keyserver_client.h"

#include <string>

#include "keyserver/grpc/convert.h"
#include "plexus/grpcutil/unary_call.h"

namespace plexus::keyserver {
namespace {

using Stub = v1::KeyserverService::StubInterface;
using grpcutil::Retry;
using grpcutil::unaryCall;

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

GrpcKeyserverClient::GrpcKeyserverClient(const std::shared_ptr<grpc::ChannelInterface>& channel)
    : stub_(v1::KeyserverService::NewStub(channel)) {}

GrpcKeyserverClient::GrpcKeyserverClient(std::unique_ptr<v1::KeyserverService::StubInterface> stub)
    : stub_(std::move(stub)) {}

// Uploading the same keys again is a no-op (keyserver_api.h), so a lost answer may be retried.
Result<OneTimeKeyCounts> GrpcKeyserverClient::performUploadKeys(
    const CallContext& ctx, std::string_view userId, std::string_view deviceId,
    const std::optional<json::Object>& deviceKeys, const json::Object& oneTimeKeys,
    const json::Object& fallbackKeys) {
  v1::PerformUploadKeysRequest req;
  req.set_user_id(str(userId));
  req.set_device_id(str(deviceId));
  if (deviceKeys) req.set_device_keys_json(convert::jsonText(*deviceKeys));
  req.set_one_time_keys_json(convert::jsonText(oneTimeKeys));
  req.set_fallback_keys_json(convert::jsonText(fallbackKeys));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformUploadKeys, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcKeyserverClient::performSetDeviceDisplayName(const CallContext& ctx,
                                                        std::string_view userId,
                                                        std::string_view deviceId,
                                                        std::string_view displayName) {
  v1::PerformSetDeviceDisplayNameRequest req;
  req.set_user_id(str(userId));
  req.set_device_id(str(deviceId));
  req.set_display_name(str(displayName));
  PLEXUS_TRY_VOID(
      unaryCall(*stub_, ctx, &Stub::PerformSetDeviceDisplayName, req, Retry::kIdempotent));
  return {};
}

Result<QueryKeysResponse> GrpcKeyserverClient::queryKeys(const CallContext& ctx,
                                                         std::string_view requestingUserId,
                                                         const DeviceKeysQuery& query) {
  v1::QueryKeysRequest req;
  req.set_requesting_user_id(str(requestingUserId));
  convert::toProto(query, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryKeys, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// Each claim hands out keys: never repeated.
Result<ClaimKeysResponse> GrpcKeyserverClient::performClaimKeys(const CallContext& ctx,
                                                                const ClaimKeysRequest& request) {
  v1::ClaimKeysRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformClaimKeys, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<OneTimeKeyCounts> GrpcKeyserverClient::queryOneTimeKeyCounts(const CallContext& ctx,
                                                                    std::string_view userId,
                                                                    std::string_view deviceId) {
  v1::DeviceRef req;
  req.set_user_id(str(userId));
  req.set_device_id(str(deviceId));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryOneTimeKeyCounts, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::vector<std::string>> GrpcKeyserverClient::queryUnusedFallbackKeyTypes(
    const CallContext& ctx, std::string_view userId, std::string_view deviceId) {
  v1::DeviceRef req;
  req.set_user_id(str(userId));
  req.set_device_id(str(deviceId));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryUnusedFallbackKeyTypes, req, Retry::kIdempotent));
  return std::vector<std::string>(resp.algorithms().begin(), resp.algorithms().end());
}

Result<std::int64_t> GrpcKeyserverClient::queryDeviceListPosition(const CallContext& ctx) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryDeviceListPosition,
                                  v1::QueryDeviceListPositionRequest{}, Retry::kIdempotent));
  return resp.position();
}

Result<KeyChanges> GrpcKeyserverClient::queryKeyChanges(const CallContext& ctx,
                                                        std::string_view requestingUserId,
                                                        std::int64_t from, std::int64_t to) {
  v1::QueryKeyChangesRequest req;
  req.set_requesting_user_id(str(requestingUserId));
  req.set_from(from);
  req.set_to(to);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryKeyChanges, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcKeyserverClient::inputDeviceListUpdate(const CallContext& ctx, std::string_view origin,
                                                  const json::Object& content) {
  v1::InputEduRequest req;
  req.set_origin(str(origin));
  req.set_content_json(convert::jsonText(content));
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::InputDeviceListUpdate, req, Retry::kNever));
  return {};
}

Status GrpcKeyserverClient::inputSigningKeyUpdate(const CallContext& ctx, std::string_view origin,
                                                  const json::Object& content) {
  v1::InputEduRequest req;
  req.set_origin(str(origin));
  req.set_content_json(convert::jsonText(content));
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::InputSigningKeyUpdate, req, Retry::kNever));
  return {};
}

Result<std::int64_t> GrpcKeyserverClient::queryUserDeviceListStreamId(const CallContext& ctx,
                                                                      std::string_view userId) {
  v1::QueryUserDeviceListStreamIdRequest req;
  req.set_user_id(str(userId));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryUserDeviceListStreamId, req, Retry::kIdempotent));
  return resp.position();
}

// Stores the given keys as they are: repeating the upload leaves the same keys.
Status GrpcKeyserverClient::performUploadCrossSigningKeys(const CallContext& ctx,
                                                          std::string_view userId,
                                                          const CrossSigningKeys& keys) {
  v1::CrossSigningKeysRequest req;
  req.set_user_id(str(userId));
  convert::toProto(keys, *req.mutable_keys());
  PLEXUS_TRY_VOID(
      unaryCall(*stub_, ctx, &Stub::PerformUploadCrossSigningKeys, req, Retry::kIdempotent));
  return {};
}

Result<bool> GrpcKeyserverClient::queryCrossSigningUploadIsNoOp(const CallContext& ctx,
                                                                std::string_view userId,
                                                                const CrossSigningKeys& keys) {
  v1::CrossSigningKeysRequest req;
  req.set_user_id(str(userId));
  convert::toProto(keys, *req.mutable_keys());
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryCrossSigningUploadIsNoOp, req, Retry::kIdempotent));
  return resp.no_op();
}

// Stores signatures: the same signatures again change nothing.
Result<UploadSignaturesResponse> GrpcKeyserverClient::performUploadSignatures(
    const CallContext& ctx, std::string_view userId, const json::Object& body) {
  v1::PerformUploadSignaturesRequest req;
  req.set_user_id(str(userId));
  req.set_body_json(convert::jsonText(body));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformUploadSignatures, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// Unknown devices are ignored, so a repeated deletion answers the same.
Status GrpcKeyserverClient::performDeleteDeviceKeys(const CallContext& ctx, std::string_view userId,
                                                    const std::vector<std::string>& deviceIds) {
  v1::PerformDeleteDeviceKeysRequest req;
  req.set_user_id(str(userId));
  req.mutable_device_ids()->Add(deviceIds.begin(), deviceIds.end());
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformDeleteDeviceKeys, req, Retry::kIdempotent));
  return {};
}

Status GrpcKeyserverClient::performDeleteUserKeys(const CallContext& ctx, std::string_view userId) {
  v1::PerformDeleteUserKeysRequest req;
  req.set_user_id(str(userId));
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformDeleteUserKeys, req, Retry::kIdempotent));
  return {};
}

// Each call creates a new version: never repeated.
Result<std::string> GrpcKeyserverClient::performCreateBackupVersion(const CallContext& ctx,
                                                                    std::string_view userId,
                                                                    std::string_view algorithm,
                                                                    const json::Object& authData) {
  v1::PerformCreateBackupVersionRequest req;
  req.set_user_id(str(userId));
  req.set_algorithm(str(algorithm));
  req.set_auth_data_json(convert::jsonText(authData));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformCreateBackupVersion, req, Retry::kNever));
  return std::move(*resp.mutable_version());
}

Result<BackupVersion> GrpcKeyserverClient::queryBackupVersion(
    const CallContext& ctx, std::string_view userId, const std::optional<std::string>& version) {
  v1::QueryBackupVersionRequest req;
  req.set_user_id(str(userId));
  if (version) req.set_version(*version);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryBackupVersion, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcKeyserverClient::performUpdateBackupVersion(const CallContext& ctx,
                                                       std::string_view userId,
                                                       std::string_view version,
                                                       std::string_view algorithm,
                                                       const json::Object& authData) {
  v1::PerformUpdateBackupVersionRequest req;
  req.set_user_id(str(userId));
  req.set_version(str(version));
  req.set_algorithm(str(algorithm));
  req.set_auth_data_json(convert::jsonText(authData));
  PLEXUS_TRY_VOID(
      unaryCall(*stub_, ctx, &Stub::PerformUpdateBackupVersion, req, Retry::kIdempotent));
  return {};
}

// A repeated deletion would answer kNotFound for a deletion that happened: never repeated.
Status GrpcKeyserverClient::performDeleteBackupVersion(const CallContext& ctx,
                                                       std::string_view userId,
                                                       std::string_view version) {
  v1::PerformDeleteBackupVersionRequest req;
  req.set_user_id(str(userId));
  req.set_version(str(version));
  PLEXUS_TRY_VOID(unaryCall(*stub_, ctx, &Stub::PerformDeleteBackupVersion, req, Retry::kNever));
  return {};
}

// A stored key is replaced only by a better one (ties keep it): repeating changes nothing.
Result<BackupKeysSummary> GrpcKeyserverClient::performUploadBackupKeys(const CallContext& ctx,
                                                                       std::string_view userId,
                                                                       std::string_view version,
                                                                       const BackupKeys& keys) {
  v1::PerformUploadBackupKeysRequest req;
  req.set_user_id(str(userId));
  req.set_version(str(version));
  convert::toProto(keys, *req.mutable_keys());
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformUploadBackupKeys, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<BackupKeys> GrpcKeyserverClient::queryBackupKeys(const CallContext& ctx,
                                                        std::string_view userId,
                                                        std::string_view version,
                                                        const BackupKeySelector& selector) {
  v1::BackupKeysSelection req;
  req.set_user_id(str(userId));
  req.set_version(str(version));
  convert::toProto(selector, *req.mutable_selector());
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryBackupKeys, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<BackupKeysSummary> GrpcKeyserverClient::performDeleteBackupKeys(
    const CallContext& ctx, std::string_view userId, std::string_view version,
    const BackupKeySelector& selector) {
  v1::BackupKeysSelection req;
  req.set_user_id(str(userId));
  req.set_version(str(version));
  convert::toProto(selector, *req.mutable_selector());
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformDeleteBackupKeys, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

}  // namespace plexus::keyserver
