// GrpcKeyserverService: the server half of the keyserver's gRPC binding. Adapts any
// KeyserverApi (normally the in-process KeyserverService) to the generated
// plexus.keyserver.v1.KeyserverService: each RPC converts its request, calls the implementation
// with the caller's deadline, trace ID and caller, and answers the result or the Error (errcode
// in trailing metadata, grpcutil). A request whose `*_json` field is not a JSON object is
// answered kBadJson without calling the implementation. Register it with a grpc::ServerBuilder
// (after grpcutil::configureServerBuilder). Thread-safe when the KeyserverApi is.
#pragma once

#include "keyserver/api/keyserver_api.h"
#include "plexus/keyserver/v1/keyserver.grpc.pb.h"

namespace plexus::keyserver {

class GrpcKeyserverService final : public v1::KeyserverService::Service {
 public:
  // `api` must outlive the server this service is registered with.
  explicit GrpcKeyserverService(KeyserverApi& api) : api_(api) {}

  // v1::KeyserverService::Service
  grpc::Status PerformUploadKeys(grpc::ServerContext* server,
                                 const v1::PerformUploadKeysRequest* request,
                                 v1::OneTimeKeyCounts* response) override;
  grpc::Status PerformSetDeviceDisplayName(
      grpc::ServerContext* server, const v1::PerformSetDeviceDisplayNameRequest* request,
      v1::PerformSetDeviceDisplayNameResponse* response) override;
  grpc::Status QueryKeys(grpc::ServerContext* server, const v1::QueryKeysRequest* request,
                         v1::QueryKeysResponse* response) override;
  grpc::Status PerformClaimKeys(grpc::ServerContext* server, const v1::ClaimKeysRequest* request,
                                v1::ClaimKeysResponse* response) override;
  grpc::Status QueryOneTimeKeyCounts(grpc::ServerContext* server, const v1::DeviceRef* request,
                                     v1::OneTimeKeyCounts* response) override;
  grpc::Status QueryUnusedFallbackKeyTypes(grpc::ServerContext* server,
                                           const v1::DeviceRef* request,
                                           v1::FallbackKeyTypes* response) override;
  grpc::Status QueryDeviceListPosition(grpc::ServerContext* server,
                                       const v1::QueryDeviceListPositionRequest* request,
                                       v1::StreamPosition* response) override;
  grpc::Status QueryKeyChanges(grpc::ServerContext* server,
                               const v1::QueryKeyChangesRequest* request,
                               v1::KeyChanges* response) override;
  grpc::Status InputDeviceListUpdate(grpc::ServerContext* server,
                                     const v1::InputEduRequest* request,
                                     v1::InputEduResponse* response) override;
  grpc::Status InputSigningKeyUpdate(grpc::ServerContext* server,
                                     const v1::InputEduRequest* request,
                                     v1::InputEduResponse* response) override;
  grpc::Status QueryUserDeviceListStreamId(grpc::ServerContext* server,
                                           const v1::QueryUserDeviceListStreamIdRequest* request,
                                           v1::StreamPosition* response) override;
  grpc::Status PerformUploadCrossSigningKeys(
      grpc::ServerContext* server, const v1::CrossSigningKeysRequest* request,
      v1::PerformUploadCrossSigningKeysResponse* response) override;
  grpc::Status QueryCrossSigningUploadIsNoOp(
      grpc::ServerContext* server, const v1::CrossSigningKeysRequest* request,
      v1::QueryCrossSigningUploadIsNoOpResponse* response) override;
  grpc::Status PerformUploadSignatures(grpc::ServerContext* server,
                                       const v1::PerformUploadSignaturesRequest* request,
                                       v1::UploadSignaturesResponse* response) override;
  grpc::Status PerformDeleteDeviceKeys(grpc::ServerContext* server,
                                       const v1::PerformDeleteDeviceKeysRequest* request,
                                       v1::PerformDeleteDeviceKeysResponse* response) override;
  grpc::Status PerformDeleteUserKeys(grpc::ServerContext* server,
                                     const v1::PerformDeleteUserKeysRequest* request,
                                     v1::PerformDeleteUserKeysResponse* response) override;
  grpc::Status PerformCreateBackupVersion(
      grpc::ServerContext* server, const v1::PerformCreateBackupVersionRequest* request,
      v1::PerformCreateBackupVersionResponse* response) override;
  grpc::Status QueryBackupVersion(grpc::ServerContext* server,
                                  const v1::QueryBackupVersionRequest* request,
                                  v1::BackupVersion* response) override;
  grpc::Status PerformUpdateBackupVersion(
      grpc::ServerContext* server, const v1::PerformUpdateBackupVersionRequest* request,
      v1::PerformUpdateBackupVersionResponse* response) override;
  grpc::Status PerformDeleteBackupVersion(
      grpc::ServerContext* server, const v1::PerformDeleteBackupVersionRequest* request,
      v1::PerformDeleteBackupVersionResponse* response) override;
  grpc::Status PerformUploadBackupKeys(grpc::ServerContext* server,
                                       const v1::PerformUploadBackupKeysRequest* request,
                                       v1::BackupKeysSummary* response) override;
  grpc::Status QueryBackupKeys(grpc::ServerContext* server, const v1::BackupKeysSelection* request,
                               v1::BackupKeys* response) override;
  grpc::Status PerformDeleteBackupKeys(grpc::ServerContext* server,
                                       const v1::BackupKeysSelection* request,
                                       v1::BackupKeysSummary* response) override;

 private:
  KeyserverApi& api_;
};

}  // namespace plexus::keyserver
