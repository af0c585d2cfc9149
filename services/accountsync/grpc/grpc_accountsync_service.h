// GrpcAccountSyncService: the server half of the account-sync service's gRPC binding. Adapts any
// AccountSyncApi (normally the in-process AccountSyncService) to the generated
// plexus.accountsync.v1.AccountSyncService: each RPC converts its request, calls the
// implementation with the caller's deadline, trace ID and caller, and answers the result or the
// Error (errcode in trailing metadata, grpcutil). Bad wire input (unparsable `*_json`, a missing
// push-rule reference, an unknown account kind) is answered with kBadJson / kInvalidParam before
// the implementation is called. Register it with a grpc::ServerBuilder (after
// grpcutil::configureServerBuilder). Thread-safe when the AccountSyncApi is.
#pragma once

#include "accountsync/api/accountsync_api.h"
#include "plexus/accountsync/v1/accountsync.grpc.pb.h"

namespace plexus::accountsync {

class GrpcAccountSyncService final : public v1::AccountSyncService::Service {
 public:
  // `api` must outlive the server this service is registered with.
  explicit GrpcAccountSyncService(AccountSyncApi& api) : api_(api) {}

  // v1::AccountSyncService::Service
  grpc::Status PerformRegister(grpc::ServerContext* server, const v1::RegisterRequest* request,
                               v1::LoginResult* response) override;
  grpc::Status QueryUsernameAvailable(grpc::ServerContext* server,
                                      const v1::QueryUsernameAvailableRequest* request,
                                      v1::Empty* response) override;
  grpc::Status PerformPasswordLogin(grpc::ServerContext* server,
                                    const v1::PasswordLoginRequest* request,
                                    v1::LoginResult* response) override;
  grpc::Status PerformRefresh(grpc::ServerContext* server, const v1::PerformRefreshRequest* request,
                              v1::LoginResult* response) override;
  grpc::Status QueryAccessToken(grpc::ServerContext* server,
                                const v1::QueryAccessTokenRequest* request,
                                v1::AccessTokenInfo* response) override;
  grpc::Status PerformLogout(grpc::ServerContext* server, const v1::PerformLogoutRequest* request,
                             v1::Empty* response) override;
  grpc::Status PerformLogoutAll(grpc::ServerContext* server, const v1::UserRequest* request,
                                v1::Empty* response) override;
  grpc::Status PerformChangePassword(grpc::ServerContext* server,
                                     const v1::PerformChangePasswordRequest* request,
                                     v1::Empty* response) override;
  grpc::Status PerformDeactivate(grpc::ServerContext* server, const v1::UserRequest* request,
                                 v1::Empty* response) override;
  grpc::Status QueryPasswordMatches(grpc::ServerContext* server,
                                    const v1::QueryPasswordMatchesRequest* request,
                                    v1::QueryPasswordMatchesResponse* response) override;
  grpc::Status QueryAccount(grpc::ServerContext* server, const v1::UserRequest* request,
                            v1::Account* response) override;
  grpc::Status PerformCreateLoginToken(grpc::ServerContext* server,
                                       const v1::CreateTokenRequest* request,
                                       v1::TokenResponse* response) override;
  grpc::Status PerformTokenLogin(grpc::ServerContext* server, const v1::TokenLoginRequest* request,
                                 v1::LoginResult* response) override;
  grpc::Status PerformCreateOpenIdToken(grpc::ServerContext* server,
                                        const v1::CreateTokenRequest* request,
                                        v1::TokenResponse* response) override;
  grpc::Status QueryOpenIdToken(grpc::ServerContext* server,
                                const v1::QueryOpenIdTokenRequest* request,
                                v1::QueryOpenIdTokenResponse* response) override;
  grpc::Status PerformSetLocked(grpc::ServerContext* server, const v1::SetFlagRequest* request,
                                v1::Empty* response) override;
  grpc::Status PerformSetSuspended(grpc::ServerContext* server, const v1::SetFlagRequest* request,
                                   v1::Empty* response) override;
  grpc::Status QueryDevices(grpc::ServerContext* server, const v1::UserRequest* request,
                            v1::QueryDevicesResponse* response) override;
  grpc::Status QueryDevice(grpc::ServerContext* server, const v1::QueryDeviceRequest* request,
                           v1::Device* response) override;
  grpc::Status PerformUpdateDevice(grpc::ServerContext* server,
                                   const v1::PerformUpdateDeviceRequest* request,
                                   v1::Empty* response) override;
  grpc::Status PerformDeleteDevices(grpc::ServerContext* server,
                                    const v1::PerformDeleteDevicesRequest* request,
                                    v1::Empty* response) override;
  grpc::Status PerformTouchDevice(grpc::ServerContext* server,
                                  const v1::PerformTouchDeviceRequest* request,
                                  v1::Empty* response) override;
  grpc::Status QueryProfile(grpc::ServerContext* server, const v1::UserRequest* request,
                            v1::Profile* response) override;
  grpc::Status PerformSetDisplayName(grpc::ServerContext* server,
                                     const v1::SetProfileFieldRequest* request,
                                     v1::Empty* response) override;
  grpc::Status PerformSetAvatarUrl(grpc::ServerContext* server,
                                   const v1::SetProfileFieldRequest* request,
                                   v1::Empty* response) override;
  grpc::Status QueryUserDirectory(grpc::ServerContext* server,
                                  const v1::QueryUserDirectoryRequest* request,
                                  v1::UserDirectoryResult* response) override;
  grpc::Status PerformSetAccountData(grpc::ServerContext* server,
                                     const v1::PerformSetAccountDataRequest* request,
                                     v1::StreamPosition* response) override;
  grpc::Status QueryAccountData(grpc::ServerContext* server,
                                const v1::QueryAccountDataRequest* request,
                                v1::AccountDataChanges* response) override;
  grpc::Status QueryAccountDataEntry(grpc::ServerContext* server,
                                     const v1::QueryAccountDataEntryRequest* request,
                                     v1::JsonObject* response) override;
  grpc::Status QueryAccountDataPosition(grpc::ServerContext* server, const v1::Empty* request,
                                        v1::StreamPosition* response) override;
  grpc::Status PerformSetTag(grpc::ServerContext* server, const v1::PerformSetTagRequest* request,
                             v1::StreamPosition* response) override;
  grpc::Status PerformDeleteTag(grpc::ServerContext* server,
                                const v1::PerformDeleteTagRequest* request,
                                v1::StreamPosition* response) override;
  grpc::Status QueryTags(grpc::ServerContext* server, const v1::QueryTagsRequest* request,
                         v1::JsonObject* response) override;
  grpc::Status QueryPushRules(grpc::ServerContext* server, const v1::UserRequest* request,
                              v1::JsonObject* response) override;
  grpc::Status QueryPushRule(grpc::ServerContext* server, const v1::PushRuleRef* request,
                             v1::JsonObject* response) override;
  grpc::Status PerformPutPushRule(grpc::ServerContext* server,
                                  const v1::PerformPutPushRuleRequest* request,
                                  v1::Empty* response) override;
  grpc::Status PerformDeletePushRule(grpc::ServerContext* server, const v1::PushRuleRef* request,
                                     v1::Empty* response) override;
  grpc::Status PerformSetPushRuleEnabled(grpc::ServerContext* server,
                                         const v1::PerformSetPushRuleEnabledRequest* request,
                                         v1::Empty* response) override;
  grpc::Status PerformSetPushRuleActions(grpc::ServerContext* server,
                                         const v1::PerformSetPushRuleActionsRequest* request,
                                         v1::Empty* response) override;
  grpc::Status QueryPushers(grpc::ServerContext* server, const v1::UserRequest* request,
                            v1::QueryPushersResponse* response) override;
  grpc::Status PerformSetPusher(grpc::ServerContext* server,
                                const v1::PerformSetPusherRequest* request,
                                v1::Empty* response) override;

 private:
  AccountSyncApi& api_;
};

}  // namespace plexus::accountsync
