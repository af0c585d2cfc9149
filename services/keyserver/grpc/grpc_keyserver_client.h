// GrpcKeyserverClient: KeyserverApi over gRPC — the client half of the keyserver's gRPC binding.
// Each call becomes one unary RPC with the CallContext's deadline, trace ID and caller; a failed
// RPC returns the server's Error unchanged (same ErrorCode, errcode and message), and transport
// failures are kUnavailable (libs/grpcutil status.h). Reads (query*) and the deletions, which
// leave the same state when repeated, are retried after transport failures
// (grpcutil::unaryCall); the rest are sent once. Thread-safe, like the channel.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "keyserver/api/keyserver_api.h"
#include "plexus/keyserver/v1/keyserver.grpc.pb.h"

namespace plexus::keyserver {

class GrpcKeyserverClient final : public KeyserverApi {
 public:
  // Talks to the keyserver behind `channel` (e.g. grpcutil::makeInsecureChannel).
  explicit GrpcKeyserverClient(const std::shared_ptr<grpc::ChannelInterface>& channel);
  // Over any stub (tests).
  explicit GrpcKeyserverClient(std::unique_ptr<v1::KeyserverService::StubInterface> stub);

  // KeyserverApi
  Result<OneTimeKeyCounts> performUploadKeys(const CallContext& ctx, std::string_view userId,
                                             std::string_view deviceId,
                                             const std::optional<json::Object>& deviceKeys,
                                             const json::Object& oneTimeKeys,
                                             const json::Object& fallbackKeys) override;
  Status performSetDeviceDisplayName(const CallContext& ctx, std::string_view userId,
                                     std::string_view deviceId,
                                     std::string_view displayName) override;
  Result<QueryKeysResponse> queryKeys(const CallContext& ctx, std::string_view requestingUserId,
                                      const DeviceKeysQuery& query) override;
  Result<ClaimKeysResponse> performClaimKeys(const CallContext& ctx,
                                             const ClaimKeysRequest& request) override;
  Result<OneTimeKeyCounts> queryOneTimeKeyCounts(const CallContext& ctx, std::string_view userId,
                                                 std::string_view deviceId) override;
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(const CallContext& ctx,
                                                               std::string_view userId,
                                                               std::string_view deviceId) override;
  Result<std::int64_t> queryDeviceListPosition(const CallContext& ctx) override;
  Result<KeyChanges> queryKeyChanges(const CallContext& ctx, std::string_view requestingUserId,
                                     std::int64_t from, std::int64_t to) override;
  Status inputDeviceListUpdate(const CallContext& ctx, std::string_view origin,
                               const json::Object& content) override;
  Status inputSigningKeyUpdate(const CallContext& ctx, std::string_view origin,
                               const json::Object& content) override;
  Result<std::int64_t> queryUserDeviceListStreamId(const CallContext& ctx,
                                                   std::string_view userId) override;
  Status performUploadCrossSigningKeys(const CallContext& ctx, std::string_view userId,
                                       const CrossSigningKeys& keys) override;
  Result<bool> queryCrossSigningUploadIsNoOp(const CallContext& ctx, std::string_view userId,
                                             const CrossSigningKeys& keys) override;
  Result<UploadSignaturesResponse> performUploadSignatures(const CallContext& ctx,
                                                           std::string_view userId,
                                                           const json::Object& body) override;
  Status performDeleteDeviceKeys(const CallContext& ctx, std::string_view userId,
                                 const std::vector<std::string>& deviceIds) override;
  Status performDeleteUserKeys(const CallContext& ctx, std::string_view userId) override;
  Result<std::string> performCreateBackupVersion(const CallContext& ctx, std::string_view userId,
                                                 std::string_view algorithm,
                                                 const json::Object& authData) override;
  Result<BackupVersion> queryBackupVersion(const CallContext& ctx, std::string_view userId,
                                           const std::optional<std::string>& version) override;
  Status performUpdateBackupVersion(const CallContext& ctx, std::string_view userId,
                                    std::string_view version, std::string_view algorithm,
                                    const json::Object& authData) override;
  Status performDeleteBackupVersion(const CallContext& ctx, std::string_view userId,
                                    std::string_view version) override;
  Result<BackupKeysSummary> performUploadBackupKeys(const CallContext& ctx, std::string_view userId,
                                                    std::string_view version,
                                                    const BackupKeys& keys) override;
  Result<BackupKeys> queryBackupKeys(const CallContext& ctx, std::string_view userId,
                                     std::string_view version,
                                     const BackupKeySelector& selector) override;
  Result<BackupKeysSummary> performDeleteBackupKeys(const CallContext& ctx, std::string_view userId,
                                                    std::string_view version,
                                                    const BackupKeySelector& selector) override;

 private:
  std::unique_ptr<v1::KeyserverService::StubInterface> stub_;
};

}  // namespace plexus::keyserver
