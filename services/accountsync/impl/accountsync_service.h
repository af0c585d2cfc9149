// AccountSyncService: the in-process implementation of AccountSyncApi over an AccountStore on
// a plexus::storage::Database, putting account-data changes on the bus through the outbox. Built by
// the composition root (services/node); it reads no config itself.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "accountsync/api/accountsync_api.h"
#include "accountsync/api/token_cache.h"
#include "plexus/bus/output_sink.h"
#include "plexus/storage/database.h"

namespace plexus::accountsync {

class AccountStore;

struct AccountSyncOptions {
  // libsodium crypto_pwhash (argon2id) cost. Defaults: crypto_pwhash_OPSLIMIT_INTERACTIVE /
  // MEMLIMIT_INTERACTIVE. Tests use forTests() (the library minimums) for speed.
  std::uint64_t pwhashOpsLimit = 2;
  std::size_t pwhashMemLimit = 67108864;
  bool allowGuests = true;
  // The cluster: put a CredentialsChanged on the bus after each write that may revoke tokens,
  // for the token caches of client-api processes (off in the node, which has no such cache).
  bool publishCredentialChanges = false;
  // The cluster (and loopback gRPC): put a PushersChanged on the bus in each write that changes
  // pushers, for sync-api's pusher cache (off in the plain node, so its outbox stays empty).
  bool publishPusherChanges = false;
  // Lifetime of access tokens issued together with a refresh token.
  std::int64_t accessTokenLifetimeMs = 5 * 60 * 1000;
  // How often performTouchDevice writes a device's last-seen time through when its IP is
  // unchanged; queries see the newest value at once either way.
  std::int64_t touchWriteIntervalMs = 5 * 60 * 1000;
  // Localpart prefixes reserved for application services (registration: kExclusive).
  std::vector<std::string> exclusiveLocalpartPrefixes;
  // Milliseconds since the epoch; the real clock when empty.
  std::function<std::int64_t()> clock;

  static AccountSyncOptions defaults() { return AccountSyncOptions{}; }
  static AccountSyncOptions forTests();
};

class AccountSyncService final : public AccountSyncApi {
 public:
  // Applies the service's migrations. Errors: those of storage::migrate.
  static Status migrate(storage::Database& db);

  // `db` and `outputs` must outlive the service; call migrate() first. `outputs` (normally the
  // bus::Outbox on `db`) receives each AccountDataOutput in the transaction that writes it.
  AccountSyncService(std::string serverName, storage::Database& db, bus::OutputSink& outputs,
                     AccountSyncOptions options = AccountSyncOptions::defaults());
  ~AccountSyncService() override;

  // AccountSyncApi
  Result<LoginResult> performRegister(const CallContext& ctx,
                                      const RegisterRequest& request) override;
  Status queryUsernameAvailable(const CallContext& ctx, std::string_view localpart) override;
  Result<LoginResult> performPasswordLogin(const CallContext& ctx,
                                           const PasswordLoginRequest& request) override;
  Result<LoginResult> performRefresh(const CallContext& ctx,
                                     std::string_view refreshToken) override;
  // account_restrictions.cc
  Status performSetLocked(const CallContext& ctx, std::string_view userId, bool locked) override;
  Status performSetSuspended(const CallContext& ctx, std::string_view userId,
                             bool suspended) override;
  // login_tokens.cc
  Result<std::string> performCreateLoginToken(const CallContext& ctx, std::string_view userId,
                                              std::int64_t ttlMs) override;
  Result<LoginResult> performTokenLogin(const CallContext& ctx,
                                        const TokenLoginRequest& request) override;
  // openid_tokens.cc
  Result<std::string> performCreateOpenIdToken(const CallContext& ctx, std::string_view userId,
                                               std::int64_t ttlMs) override;
  Result<std::string> queryOpenIdToken(const CallContext& ctx,
                                       std::string_view openIdToken) override;
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
  struct Touch {
    std::string ip;
    std::int64_t tsMs = 0;
    std::int64_t writtenTsMs = 0;  // the last ts written through to storage
  };
  using RuleEdit = std::function<Status(json::Object& ruleset)>;

  std::int64_t now() const;
  Status checkDeadline(const CallContext& ctx) const;
  Status checkLocalUser(std::string_view userId) const;
  std::string userIdFor(std::string_view localpart) const;
  Result<LoginResult> issueSession(storage::Executor& ex, const std::string& userId,
                                   const std::string& deviceId, bool withRefresh);
  // A login's writes: the device (created when new; a known one loses its old tokens) and a
  // new session on it.
  Result<LoginResult> loginOnDevice(storage::Executor& ex, const std::string& userId,
                                    const std::string& deviceId,
                                    const std::optional<std::string>& displayName,
                                    bool withRefresh);
  Result<std::string> hashPassword(std::string_view password) const;
  Status setRestriction(const CallContext& ctx, std::string_view userId, std::string_view column,
                        bool on);
  Result<std::int64_t> writeAccountData(storage::Executor& ex, std::string_view userId,
                                        std::string_view roomId, std::string_view type,
                                        const json::Object& content);
  Result<json::Object> loadPushRules(storage::Executor& ex, std::string_view userId);
  Status editPushRules(const CallContext& ctx, std::string_view userId, const RuleEdit& edit);
  Result<std::int64_t> editTags(const CallContext& ctx, std::string_view userId,
                                std::string_view roomId,
                                const std::function<void(json::Object& tags)>& edit);
  // A write transaction that may revoke tokens or change what they stand for: the token cache
  // is invalidated after it ended (committed or not), and the transaction puts a
  // CredentialsChanged on the bus for the caches of other processes (token_cache.h).
  Status credentialsTransaction(const std::function<Status(storage::Transaction&)>& body);
  // In a write transaction that changed `userId`'s pushers (empty: anyone's): enqueues a
  // PushersChanged when options_.publishPusherChanges; the caller wakes the outbox after commit.
  Status pushersChanged(storage::Transaction& tx, std::string_view userId);
  // After a commit that wrote account data: wakes the outbox's delivery.
  void publishAccountData() { outputs_.committed(); }
  void forgetTouches(std::string_view userId);
  void burnVerifyTime(std::string_view password);
  void overlayTouch(Device& device);

  std::string serverName_;
  storage::Database& db_;
  TokenCache tokenCache_;
  bus::OutputSink& outputs_;
  AccountSyncOptions options_;
  std::unique_ptr<AccountStore> store_;

  // A hash verified against for unknown users, so a failed login takes as long whether or
  // not the user exists. Made on first use (start-up stays fast).
  std::once_flag dummyHashOnce_;
  std::string dummyHash_;

  std::mutex touchMutex_;
  std::map<std::pair<std::string, std::string>, Touch> touches_;  // (user, device) -> touch
};

}  // namespace plexus::accountsync
