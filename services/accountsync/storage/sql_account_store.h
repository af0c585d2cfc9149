// SqlAccountStore: AccountStore over plexus::storage (SQLite and PostgreSQL, one SQL text).
#pragma once

#include "accountsync/storage/account_store.h"

namespace plexus::accountsync {

class SqlAccountStore final : public AccountStore {
 public:
  // AccountStore
  Status insertAccount(Executor& ex, const AccountRow& row) override;
  Result<std::optional<AccountRow>> getAccount(Executor& ex, std::string_view userId) override;
  Result<bool> lockAccount(Executor& ex, std::string_view userId) override;
  Status setRestriction(Executor& ex, std::string_view userId, std::string_view column,
                        bool on) override;
  Status setPasswordHash(Executor& ex, std::string_view userId,
                         std::optional<std::string> hash) override;
  Status markDeactivated(Executor& ex, std::string_view userId) override;
  Result<std::vector<UserDirectoryEntry>> searchUsers(Executor& ex, std::string_view lowerTerm,
                                                      int limit) override;

  Result<bool> insertDeviceIfAbsent(Executor& ex, const Device& device,
                                    std::int64_t createdMs) override;
  Result<std::optional<Device>> getDevice(Executor& ex, std::string_view userId,
                                          std::string_view deviceId) override;
  Result<std::vector<Device>> listDevices(Executor& ex, std::string_view userId) override;
  Result<bool> setDeviceDisplayName(Executor& ex, std::string_view userId,
                                    std::string_view deviceId,
                                    std::optional<std::string> displayName) override;
  Status setDeviceLastSeen(Executor& ex, std::string_view userId, std::string_view deviceId,
                           std::string_view ip, std::int64_t tsMs) override;
  Status deleteDevice(Executor& ex, std::string_view userId, std::string_view deviceId) override;

  Status insertAccessToken(Executor& ex, std::string_view tokenHash, std::string_view userId,
                           std::string_view deviceId, std::optional<std::int64_t> expiresMs,
                           std::int64_t createdMs) override;
  Result<std::optional<AccessTokenRow>> getAccessToken(Executor& ex,
                                                       std::string_view tokenHash) override;
  Status deleteAccessToken(Executor& ex, std::string_view tokenHash) override;
  Status deleteDeviceTokens(Executor& ex, std::string_view userId,
                            std::string_view deviceId) override;
  Status insertRefreshToken(Executor& ex, std::string_view tokenHash, std::string_view userId,
                            std::string_view deviceId, std::string_view accessTokenHash) override;
  Result<std::optional<RefreshTokenRow>> takeRefreshToken(Executor& ex,
                                                          std::string_view tokenHash) override;
  Status insertLoginToken(Executor& ex, std::string_view tokenHash, std::string_view userId,
                          std::int64_t expiresMs) override;
  Result<std::optional<LoginTokenRow>> takeLoginToken(Executor& ex,
                                                      std::string_view tokenHash) override;
  Status deleteExpiredLoginTokens(Executor& ex, std::int64_t nowMs) override;
  Status insertOpenIdToken(Executor& ex, std::string_view tokenHash, std::string_view userId,
                           std::int64_t expiresMs) override;
  Result<std::optional<OpenIdTokenRow>> getOpenIdToken(Executor& ex,
                                                       std::string_view tokenHash) override;
  Status deleteOpenIdToken(Executor& ex, std::string_view tokenHash) override;
  Result<std::int64_t> deleteExpiredOpenIdTokens(Executor& ex, std::int64_t nowMs,
                                                 std::int64_t limit) override;
  Status deleteUserOpenIdTokens(Executor& ex, std::string_view userId) override;

  Result<Profile> getProfile(Executor& ex, std::string_view userId) override;
  Status setProfile(Executor& ex, std::string_view userId, const Profile& profile) override;

  Result<std::int64_t> nextAccountDataPosition(Executor& ex) override;
  Result<std::int64_t> currentAccountDataPosition(Executor& ex) override;
  Status putAccountData(Executor& ex, std::string_view userId, std::string_view roomId,
                        std::string_view type, std::string_view contentJson,
                        std::int64_t position) override;
  Result<std::vector<AccountDataEntry>> accountDataSince(Executor& ex, std::string_view userId,
                                                         std::int64_t since) override;
  Result<std::optional<AccountDataEntry>> getAccountData(Executor& ex, std::string_view userId,
                                                         std::string_view roomId,
                                                         std::string_view type) override;

  Status upsertPusher(Executor& ex, std::string_view userId, const Pusher& pusher) override;
  Status deletePusher(Executor& ex, std::string_view userId, std::string_view appId,
                      std::string_view pushkey) override;
  Status deletePushersOfOthers(Executor& ex, std::string_view appId, std::string_view pushkey,
                               std::string_view exceptUserId) override;
  Status deleteUserPushers(Executor& ex, std::string_view userId) override;
  Result<std::vector<Pusher>> listPushers(Executor& ex, std::string_view userId) override;
};

}  // namespace plexus::accountsync
