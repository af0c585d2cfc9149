// AccountStore: the account-sync service's storage interface. Every method runs on an
// Executor, so the service composes several of them into one transaction (everything one
// request changes commits together) or runs a read directly on the Database.
// Implementation: SqlAccountStore (sql_account_store.h) over SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accountsync/api/types.h"
#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::accountsync {

struct AccountRow {
  Account account;
  std::optional<std::string> passwordHash;  // libsodium crypto_pwhash_str output
};

struct AccessTokenRow {
  std::string userId;
  std::string deviceId;
  std::optional<std::int64_t> expiresMs;
};

struct RefreshTokenRow {
  std::string userId;
  std::string deviceId;
  std::string accessTokenHash;  // the access token issued with it
};

struct LoginTokenRow {
  std::string userId;
  std::int64_t expiresMs = 0;
};

struct OpenIdTokenRow {
  std::string userId;
  std::int64_t expiresMs = 0;
};

class AccountStore {
 public:
  using Executor = storage::Executor;
  virtual ~AccountStore() = default;

  // Accounts. insertAccount: a unique violation (isUniqueViolation) when the ID is taken.
  virtual Status insertAccount(Executor& ex, const AccountRow& row) = 0;
  virtual Result<std::optional<AccountRow>> getAccount(Executor& ex, std::string_view userId) = 0;
  // Takes the account's row lock for the rest of the transaction (PostgreSQL; SQLite holds
  // the writer anyway), serialising read-modify-write of one user's data. False when absent.
  virtual Result<bool> lockAccount(Executor& ex, std::string_view userId) = 0;
  // Sets the admin restriction `column` ("locked" or "suspended") of an account.
  virtual Status setRestriction(Executor& ex, std::string_view userId, std::string_view column,
                                bool on) = 0;
  virtual Status setPasswordHash(Executor& ex, std::string_view userId,
                                 std::optional<std::string> hash) = 0;
  virtual Status markDeactivated(Executor& ex, std::string_view userId) = 0;
  // Active, non-guest accounts whose ID or display name contains `lowerTerm` (already lower
  // case), ordered by user ID, at most `limit`.
  virtual Result<std::vector<UserDirectoryEntry>> searchUsers(Executor& ex,
                                                              std::string_view lowerTerm,
                                                              int limit) = 0;

  // Devices. insertDeviceIfAbsent returns false when the device already existed (unchanged).
  virtual Result<bool> insertDeviceIfAbsent(Executor& ex, const Device& device,
                                            std::int64_t createdMs) = 0;
  virtual Result<std::optional<Device>> getDevice(Executor& ex, std::string_view userId,
                                                  std::string_view deviceId) = 0;
  virtual Result<std::vector<Device>> listDevices(Executor& ex, std::string_view userId) = 0;
  // Returns false when the device does not exist.
  virtual Result<bool> setDeviceDisplayName(Executor& ex, std::string_view userId,
                                            std::string_view deviceId,
                                            std::optional<std::string> displayName) = 0;
  virtual Status setDeviceLastSeen(Executor& ex, std::string_view userId, std::string_view deviceId,
                                   std::string_view ip, std::int64_t tsMs) = 0;
  // Deletes the device with its access and refresh tokens and its pushers.
  virtual Status deleteDevice(Executor& ex, std::string_view userId, std::string_view deviceId) = 0;

  // Tokens, stored by hash only.
  virtual Status insertAccessToken(Executor& ex, std::string_view tokenHash,
                                   std::string_view userId, std::string_view deviceId,
                                   std::optional<std::int64_t> expiresMs,
                                   std::int64_t createdMs) = 0;
  virtual Result<std::optional<AccessTokenRow>> getAccessToken(Executor& ex,
                                                               std::string_view tokenHash) = 0;
  virtual Status deleteAccessToken(Executor& ex, std::string_view tokenHash) = 0;
  // Access and refresh tokens of one device.
  virtual Status deleteDeviceTokens(Executor& ex, std::string_view userId,
                                    std::string_view deviceId) = 0;
  virtual Status insertRefreshToken(Executor& ex, std::string_view tokenHash,
                                    std::string_view userId, std::string_view deviceId,
                                    std::string_view accessTokenHash) = 0;
  // Deletes and returns the refresh token (single use); nullopt when unknown.
  virtual Result<std::optional<RefreshTokenRow>> takeRefreshToken(Executor& ex,
                                                                  std::string_view tokenHash) = 0;
  // Login tokens (m.login.token), by hash with their expiry. takeLoginToken deletes and returns
  // one (nullopt when unknown, expired or not): of concurrent takers, in any process, exactly
  // one gets it. deleteExpiredLoginTokens drops those expiring at or before nowMs.
  virtual Status insertLoginToken(Executor& ex, std::string_view tokenHash, std::string_view userId,
                                  std::int64_t expiresMs) = 0;
  virtual Result<std::optional<LoginTokenRow>> takeLoginToken(Executor& ex,
                                                              std::string_view tokenHash) = 0;
  virtual Status deleteExpiredLoginTokens(Executor& ex, std::int64_t nowMs) = 0;
  // OpenID tokens, by hash with their expiry; reusable until they expire (get does not take).
  // deleteExpiredOpenIdTokens drops at most `limit` of those expiring at or before nowMs and
  // returns how many it dropped.
  virtual Status insertOpenIdToken(Executor& ex, std::string_view tokenHash,
                                   std::string_view userId, std::int64_t expiresMs) = 0;
  virtual Result<std::optional<OpenIdTokenRow>> getOpenIdToken(Executor& ex,
                                                               std::string_view tokenHash) = 0;
  virtual Status deleteOpenIdToken(Executor& ex, std::string_view tokenHash) = 0;
  virtual Result<std::int64_t> deleteExpiredOpenIdTokens(Executor& ex, std::int64_t nowMs,
                                                         std::int64_t limit) = 0;
  virtual Status deleteUserOpenIdTokens(Executor& ex, std::string_view userId) = 0;

  // Profiles (a missing row is an empty profile).
  virtual Result<Profile> getProfile(Executor& ex, std::string_view userId) = 0;
  virtual Status setProfile(Executor& ex, std::string_view userId, const Profile& profile) = 0;

  // Account data. Positions come from one server-wide counter.
  virtual Result<std::int64_t> nextAccountDataPosition(Executor& ex) = 0;
  virtual Result<std::int64_t> currentAccountDataPosition(Executor& ex) = 0;
  virtual Status putAccountData(Executor& ex, std::string_view userId, std::string_view roomId,
                                std::string_view type, std::string_view contentJson,
                                std::int64_t position) = 0;
  virtual Result<std::vector<AccountDataEntry>> accountDataSince(Executor& ex,
                                                                 std::string_view userId,
                                                                 std::int64_t since) = 0;
  virtual Result<std::optional<AccountDataEntry>> getAccountData(Executor& ex,
                                                                 std::string_view userId,
                                                                 std::string_view roomId,
                                                                 std::string_view type) = 0;

  // Pushers, unique per (user, app_id, pushkey).
  virtual Status upsertPusher(Executor& ex, std::string_view userId, const Pusher& pusher) = 0;
  virtual Status deletePusher(Executor& ex, std::string_view userId, std::string_view appId,
                              std::string_view pushkey) = 0;
  // Pushers with this app_id and pushkey belonging to users other than `exceptUserId`.
  virtual Status deletePushersOfOthers(Executor& ex, std::string_view appId,
                                       std::string_view pushkey, std::string_view exceptUserId) = 0;
  virtual Status deleteUserPushers(Executor& ex, std::string_view userId) = 0;
  virtual Result<std::vector<Pusher>> listPushers(Executor& ex, std::string_view userId) = 0;
};

}  // namespace plexus::accountsync
