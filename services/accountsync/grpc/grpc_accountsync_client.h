// GrpcAccountSyncClient: AccountSyncApi over gRPC — the client half of the account-sync
// service's gRPC binding. Each call becomes one unary RPC (grpcutil::unaryCall) with the
// CallContext's deadline, trace ID and caller; a failed RPC returns the server's Error unchanged
// (same ErrorCode, errcode and message), and transport failures are kUnavailable. Reads and the
// perform* calls that set a state (repeating them changes nothing) are retried after transport
// failures; calls that create or consume something (registration, logins, tokens, logout, rule
// deletion) are not. Thread-safe, like the channel and stub.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "accountsync/api/accountsync_api.h"
#include "plexus/accountsync/v1/accountsync.grpc.pb.h"

namespace plexus::accountsync {

class GrpcAccountSyncClient final : public AccountSyncApi {
 public:
  // Talks to the account-sync service behind `channel` (e.g. grpcutil::makeInsecureChannel).
  explicit GrpcAccountSyncClient(const std::shared_ptr<grpc::ChannelInterface>& channel);
  // Over any stub (tests).
  explicit GrpcAccountSyncClient(std::unique_ptr<v1::AccountSyncService::StubInterface> stub);

  // AccountSyncApi: registration, login, tokens
  Result<LoginResult> performRegister(const CallContext& ctx,
                                      const RegisterRequest& request) override;
  Status queryUsernameAvailable(const CallContext& ctx, std::string_view localpart) override;
  Result<LoginResult> performPasswordLogin(const CallContext& ctx,
                                           const PasswordLoginRequest& request) override;
  Result<LoginResult> performRefresh(const CallContext& ctx,
                                     std::string_view refreshToken) override;
  Result<AccessTokenInfo> queryAccessToken(const CallContext& ctx,
                                           std::string_view accessToken) override;
  Status performLogout(const CallContext& ctx, std::string_view accessToken) override;
  Status performLogoutAll(const CallContext& ctx, std::string_view userId) override;
  Status performChangePassword(const CallContext& ctx, std::string_view userId,
                               std::string_view newPassword, bool logoutDevices,
                               std::optional<std::string> keepDeviceId) override;
  Status performDeactivate(const CallContext& ctx, std::string_view userId) override;
  Result<bool> queryPasswordMatches(const CallContext& ctx, std::string_view userId,
                                    std::string_view password) override;
  Result<Account> queryAccount(const CallContext& ctx, std::string_view userId) override;
  Result<std::string> performCreateLoginToken(const CallContext& ctx, std::string_view userId,
                                              std::int64_t ttlMs) override;
  Result<LoginResult> performTokenLogin(const CallContext& ctx,
                                        const TokenLoginRequest& request) override;
  Result<std::string> performCreateOpenIdToken(const CallContext& ctx, std::string_view userId,
                                               std::int64_t ttlMs) override;
  Result<std::string> queryOpenIdToken(const CallContext& ctx,
                                       std::string_view openIdToken) override;
  Status performSetLocked(const CallContext& ctx, std::string_view userId, bool locked) override;
  Status performSetSuspended(const CallContext& ctx, std::string_view userId,
                             bool suspended) override;

  // AccountSyncApi: devices, profiles, user directory
  Result<std::vector<Device>> queryDevices(const CallContext& ctx,
                                           std::string_view userId) override;
  Result<Device> queryDevice(const CallContext& ctx, std::string_view userId,
                             std::string_view deviceId) override;
  Status performUpdateDevice(const CallContext& ctx, std::string_view userId,
                             std::string_view deviceId,
                             std::optional<std::string> displayName) override;
  Status performDeleteDevices(const CallContext& ctx, std::string_view userId,
                              const std::vector<std::string>& deviceIds) override;
  Status performTouchDevice(const CallContext& ctx, std::string_view userId,
                            std::string_view deviceId, std::string_view ip,
                            std::int64_t tsMs) override;
  Result<Profile> queryProfile(const CallContext& ctx, std::string_view userId) override;
  Status performSetDisplayName(const CallContext& ctx, std::string_view userId,
                               std::optional<std::string> displayName) override;
  Status performSetAvatarUrl(const CallContext& ctx, std::string_view userId,
                             std::optional<std::string> avatarUrl) override;
  Result<UserDirectoryResult> queryUserDirectory(const CallContext& ctx,
                                                 std::string_view searchTerm, int limit,
                                                 std::string_view requestingUserId) override;

  // AccountSyncApi: account data, tags
  Result<std::int64_t> performSetAccountData(const CallContext& ctx, std::string_view userId,
                                             std::string_view roomId, std::string_view type,
                                             const json::Object& content) override;
  Result<AccountDataChanges> queryAccountData(const CallContext& ctx, std::string_view userId,
                                              std::int64_t sincePosition) override;
  Result<json::Object> queryAccountDataEntry(const CallContext& ctx, std::string_view userId,
                                             std::string_view roomId,
                                             std::string_view type) override;
  Result<std::int64_t> queryAccountDataPosition(const CallContext& ctx) override;
  Result<std::int64_t> performSetTag(const CallContext& ctx, std::string_view userId,
                                     std::string_view roomId, std::string_view tag,
                                     const json::Object& content) override;
  Result<std::int64_t> performDeleteTag(const CallContext& ctx, std::string_view userId,
                                        std::string_view roomId, std::string_view tag) override;
  Result<json::Object> queryTags(const CallContext& ctx, std::string_view userId,
                                 std::string_view roomId) override;

  // AccountSyncApi: push rules, pushers
  Result<json::Object> queryPushRules(const CallContext& ctx, std::string_view userId) override;
  Result<json::Object> queryPushRule(const CallContext& ctx, std::string_view userId,
                                     std::string_view kind, std::string_view ruleId) override;
  Status performPutPushRule(const CallContext& ctx, std::string_view userId, std::string_view kind,
                            std::string_view ruleId, const json::Object& body,
                            std::optional<std::string> before,
                            std::optional<std::string> after) override;
  Status performDeletePushRule(const CallContext& ctx, std::string_view userId,
                               std::string_view kind, std::string_view ruleId) override;
  Status performSetPushRuleEnabled(const CallContext& ctx, std::string_view userId,
                                   std::string_view kind, std::string_view ruleId,
                                   bool enabled) override;
  Status performSetPushRuleActions(const CallContext& ctx, std::string_view userId,
                                   std::string_view kind, std::string_view ruleId,
                                   const json::Array& actions) override;
  Result<std::vector<Pusher>> queryPushers(const CallContext& ctx,
                                           std::string_view userId) override;
  Status performSetPusher(const CallContext& ctx, std::string_view userId,
                          std::string_view deviceId, const json::Object& body) override;

 private:
  std::unique_ptr<v1::AccountSyncService::StubInterface> stub_;
};

}  // namespace plexus::accountsync
