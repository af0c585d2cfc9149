// AccountSyncService, part 1: construction, registration, login, tokens, logout, passwords,
// deactivation. Devices and profiles are in service_devices.cc; account data, tags, push
// rules and pushers in service_account_data.cc.
#include "accountsync/impl/accountsync_service.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>

#include "accountsync/api/output.h"
#include "accountsync/impl/credentials.h"
#include "accountsync/impl/push_rules.h"
#include "accountsync/impl/transaction.h"
#include "accountsync/impl/user_ids.h"
#include "accountsync/storage/migrations.h"
#include "accountsync/storage/sql_account_store.h"
#include "plexus/bus/output_sink.h"
#include "plexus/storage/errors.h"

namespace plexus::accountsync {
namespace {

constexpr std::size_t kMaxDeviceIdLength = 255;
constexpr std::size_t kMaxPasswordLength = 512;
constexpr int kGeneratedNameAttempts = 5;

Status validateDeviceId(std::string_view deviceId) {
  if (deviceId.empty() || deviceId.size() > kMaxDeviceIdLength) {
    return fail(ErrorCode::kInvalidParam, "device_id must be 1 to 255 bytes");
  }
  for (char c : deviceId) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return fail(ErrorCode::kInvalidParam, "device_id contains control characters");
    }
  }
  return {};
}

Error invalidLogin() { return makeError(ErrorCode::kForbidden, "Invalid username or password"); }

}  // namespace

AccountSyncOptions AccountSyncOptions::forTests() {
  AccountSyncOptions o;
  o.pwhashOpsLimit = crypto_pwhash_OPSLIMIT_MIN;
  o.pwhashMemLimit = crypto_pwhash_MEMLIMIT_MIN;
  return o;
}

Status AccountSyncService::migrate(storage::Database& db) {
  PLEXUS_TRY_VOID(storage::migrate(db, "accountsync", accountSyncMigrations()));
  return {};
}

AccountSyncService::AccountSyncService(std::string serverName, storage::Database& db,
                                       bus::OutputSink& outputs, AccountSyncOptions options)
    : serverName_(std::move(serverName)),
      db_(db),
      outputs_(outputs),
      options_(std::move(options)),
      store_(std::make_unique<SqlAccountStore>()) {}

Status AccountSyncService::credentialsTransaction(
    const std::function<Status(storage::Transaction&)>& body) {
  Status st = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(body(tx));
    if (!options_.publishCredentialChanges) return Status{};
    return bus::enqueueTyped(outputs_, tx, CredentialsChanged{now()});
  });
  tokenCache_.invalidate();
  if (st.ok()) outputs_.committed();
  return st;
}

Status AccountSyncService::pushersChanged(storage::Transaction& tx, std::string_view userId) {
  if (!options_.publishPusherChanges) return {};
  return bus::enqueueTyped(outputs_, tx, PushersChanged{std::string(userId)});
}

AccountSyncService::~AccountSyncService() = default;

std::int64_t AccountSyncService::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status AccountSyncService::checkDeadline(const CallContext& ctx) const {
  if (ctx.expired()) return fail(ErrorCode::kUnavailable, "accountsync: deadline exceeded");
  return {};
}

Status AccountSyncService::checkLocalUser(std::string_view userId) const {
  if (!localpartOf(userId, serverName_)) {
    return fail(ErrorCode::kNotFound, "not a local user: " + std::string(userId));
  }
  return {};
}

std::string AccountSyncService::userIdFor(std::string_view localpart) const {
  std::string out;
  out.reserve(localpart.size() + serverName_.size() + 2);
  out.append(1, '@').append(localpart).append(1, ':').append(serverName_);
  return out;
}

Result<std::string> AccountSyncService::hashPassword(std::string_view password) const {
  if (password.empty()) return fail(ErrorCode::kInvalidParam, "password is empty");
  if (password.size() > kMaxPasswordLength) {
    return fail(ErrorCode::kInvalidParam, "password is longer than 512 bytes");
  }
  return accountsync::hashPassword(password, options_.pwhashOpsLimit, options_.pwhashMemLimit);
}

Result<LoginResult> AccountSyncService::loginOnDevice(storage::Executor& ex,
                                                      const std::string& userId,
                                                      const std::string& deviceId,
                                                      const std::optional<std::string>& displayName,
                                                      bool withRefresh) {
  Device device;
  device.userId = userId;
  device.deviceId = deviceId;
  device.displayName = displayName;
  PLEXUS_TRY(bool created, store_->insertDeviceIfAbsent(ex, device, now()));
  // SPEC: logging in with a known device ID invalidates that device's previous tokens.
  if (!created) PLEXUS_TRY_VOID(store_->deleteDeviceTokens(ex, userId, deviceId));
  return issueSession(ex, userId, deviceId, withRefresh);
}

Result<LoginResult> AccountSyncService::issueSession(storage::Executor& ex,
                                                     const std::string& userId,
                                                     const std::string& deviceId,
                                                     bool withRefresh) {
  LoginResult out;
  out.userId = userId;
  out.deviceId = deviceId;
  out.accessToken = newToken();
  std::string accessHash = tokenHash(out.accessToken);
  std::optional<std::int64_t> expires;
  if (withRefresh) {
    expires = now() + options_.accessTokenLifetimeMs;
    out.expiresInMs = options_.accessTokenLifetimeMs;
    out.refreshToken = newToken();
    PLEXUS_TRY_VOID(
        store_->insertRefreshToken(ex, tokenHash(*out.refreshToken), userId, deviceId, accessHash));
  }
  PLEXUS_TRY_VOID(store_->insertAccessToken(ex, accessHash, userId, deviceId, expires, now()));
  return out;
}

// ---- Registration -----------------------------------------------------------------------

Status AccountSyncService::queryUsernameAvailable(const CallContext& ctx,
                                                  std::string_view localpart) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  std::string lower = lowerAscii(localpart);
  PLEXUS_TRY_VOID(validateNewLocalpart(lower, serverName_, /*guest=*/false));
  for (const auto& prefix : options_.exclusiveLocalpartPrefixes) {
    if (lower.starts_with(prefix)) {
      return fail(ErrorCode::kExclusive, "this username is reserved by an application service");
    }
  }
  PLEXUS_TRY(auto account, store_->getAccount(db_, userIdFor(lower)));
  if (account) return fail(ErrorCode::kUserInUse, "User ID already taken.");
  return {};
}

Result<LoginResult> AccountSyncService::performRegister(const CallContext& ctx,
                                                        const RegisterRequest& request) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  const bool guest = request.kind == AccountKind::kGuest;
  if (guest && !options_.allowGuests) {
    return fail(ErrorCode::kForbidden, "Guest access is disabled");
  }
  bool generated = guest || !request.localpart;
  std::string localpart;
  if (!generated) {
    localpart = lowerAscii(*request.localpart);
    PLEXUS_TRY_VOID(queryUsernameAvailable(ctx, localpart));
  }
  std::optional<std::string> hash;
  if (request.password) {
    PLEXUS_TRY(hash, hashPassword(*request.password));
  }
  std::string deviceId = request.deviceId.value_or(newDeviceId());
  if (!request.inhibitLogin) PLEXUS_TRY_VOID(validateDeviceId(deviceId));

  for (int attempt = 0;; ++attempt) {
    if (generated) localpart = guest ? newGuestLocalpart() : newLocalpart();
    const std::string userId = userIdFor(localpart);
    LoginResult result;
    std::int64_t rulesPosition = 0;
    Status status = credentialsTransaction([&](storage::Transaction& tx) -> Status {
      AccountRow row;
      row.account.userId = userId;
      row.account.kind = request.kind;
      row.account.isAdmin = request.admin;
      row.account.hasPassword = hash.has_value();
      row.account.createdMs = now();
      row.passwordHash = hash;
      PLEXUS_TRY_VOID(store_->insertAccount(tx, row));
      PLEXUS_TRY(rulesPosition, writeAccountData(tx, userId, "", "m.push_rules",
                                                 pushrules::defaultRuleset(userId, localpart)));
      result = LoginResult{};
      result.userId = userId;
      if (request.inhibitLogin) return {};
      Device device;
      device.userId = userId;
      device.deviceId = deviceId;
      device.displayName = request.initialDeviceDisplayName;
      PLEXUS_TRY_VOID(store_->insertDeviceIfAbsent(tx, device, now()));
      PLEXUS_TRY(result, issueSession(tx, userId, deviceId, request.refreshToken));
      return {};
    });
    if (!status.ok()) {
      if (storage::isUniqueViolation(status.error())) {
        if (generated && attempt + 1 < kGeneratedNameAttempts) continue;
        return fail(ErrorCode::kUserInUse, "User ID already taken.");
      }
      return std::move(status).takeError();
    }
    publishAccountData();
    return result;
  }
}

// ---- Login and tokens -------------------------------------------------------------------

Result<LoginResult> AccountSyncService::performPasswordLogin(const CallContext& ctx,
                                                             const PasswordLoginRequest& request) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  std::string localpart;
  if (!request.user.empty() && request.user.front() == '@') {
    auto local = localpartOf(lowerAscii(request.user), lowerAscii(serverName_));
    if (!local) return invalidLogin();
    localpart = *local;
  } else {
    localpart = lowerAscii(request.user);
  }
  if (localpart.empty()) return invalidLogin();
  const std::string userId = userIdFor(localpart);
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (account && account->account.deactivated) {
    return fail(ErrorCode::kUserDeactivated, "This account has been deactivated");
  }
  if (!account || !account->passwordHash) {
    burnVerifyTime(request.password);
    return invalidLogin();
  }
  if (!verifyPassword(request.password, *account->passwordHash)) {
    return invalidLogin();
  }
  // Checked after the password, so the answer reveals the lock only to the account's owner.
  if (account->account.locked) return fail(ErrorCode::kUserLocked, "This account has been locked");
  std::string deviceId = request.deviceId.value_or(newDeviceId());
  PLEXUS_TRY_VOID(validateDeviceId(deviceId));

  LoginResult result;
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return invalidLogin();
    PLEXUS_TRY(result, loginOnDevice(tx, userId, deviceId, request.initialDeviceDisplayName,
                                     request.refreshToken));
    return {};
  }));
  return result;
}

Result<LoginResult> AccountSyncService::performRefresh(const CallContext& ctx,
                                                       std::string_view refreshToken) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  const std::string hash = tokenHash(refreshToken);
  LoginResult result;
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(auto row, store_->takeRefreshToken(tx, hash));
    if (!row) return fail(ErrorCode::kUnknownToken, "Unknown refresh token");
    PLEXUS_TRY(auto account, store_->getAccount(tx, row->userId));
    if (!account || account->account.deactivated) {
      return fail(ErrorCode::kUnknownToken, "Unknown refresh token");
    }
    // A locked account keeps its tokens (it may still log out) but gets no new ones.
    if (account->account.locked)
      return fail(ErrorCode::kUserLocked, "This account has been locked");
    PLEXUS_TRY_VOID(store_->deleteAccessToken(tx, row->accessTokenHash));
    PLEXUS_TRY(result, issueSession(tx, row->userId, row->deviceId, /*withRefresh=*/true));
    return {};
  }));
  return result;
}

Result<AccessTokenInfo> AccountSyncService::queryAccessToken(const CallContext& ctx,
                                                             std::string_view accessToken) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  const std::string hash = tokenHash(accessToken);
  if (auto cached = tokenCache_.get(hash, now())) return *cached;
  const std::uint64_t epoch = tokenCache_.begin();
  PLEXUS_TRY(auto token, store_->getAccessToken(db_, hash));
  if (!token) return fail(ErrorCode::kUnknownToken, "Unknown access token");
  if (token->expiresMs && *token->expiresMs <= now()) {
    return fail(ErrorCode::kUnknownToken,
                std::string(kSoftLogoutMarker) + "Access token has expired");
  }
  PLEXUS_TRY(auto account, store_->getAccount(db_, token->userId));
  if (!account || account->account.deactivated) {
    return fail(ErrorCode::kUnknownToken, "Unknown access token");
  }
  AccessTokenInfo info;
  info.isLocked = account->account.locked;
  info.userId = token->userId;
  info.deviceId = token->deviceId;
  info.isGuest = account->account.kind == AccountKind::kGuest;
  info.isAdmin = account->account.isAdmin;
  info.isSuspended = account->account.suspended;
  info.expiresAtMs = token->expiresMs;
  tokenCache_.put(hash, info, epoch);
  return info;
}

// ---- Logout, passwords, deactivation ----------------------------------------------------

Status AccountSyncService::performLogout(const CallContext& ctx, std::string_view accessToken) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  const std::string hash = tokenHash(accessToken);
  AccessTokenRow owner;
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(auto token, store_->getAccessToken(tx, hash));
    if (!token) return fail(ErrorCode::kUnknownToken, "Unknown access token");
    owner = *token;
    PLEXUS_TRY_VOID(store_->deleteDevice(tx, token->userId, token->deviceId));
    return pushersChanged(tx, token->userId);
  }));
  std::lock_guard lock(touchMutex_);
  touches_.erase({owner.userId, owner.deviceId});
  return {};
}

Status AccountSyncService::performLogoutAll(const CallContext& ctx, std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "Unknown user");
    PLEXUS_TRY(auto devices, store_->listDevices(tx, userId));
    for (const Device& d : devices) PLEXUS_TRY_VOID(store_->deleteDevice(tx, userId, d.deviceId));
    PLEXUS_TRY_VOID(store_->deleteUserPushers(tx, userId));
    return pushersChanged(tx, userId);
  }));
  forgetTouches(userId);
  return {};
}

Status AccountSyncService::performChangePassword(const CallContext& ctx, std::string_view userId,
                                                 std::string_view newPassword, bool logoutDevices,
                                                 std::optional<std::string> keepDeviceId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(std::string hash, hashPassword(newPassword));
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "Unknown user");
    PLEXUS_TRY(auto account, store_->getAccount(tx, userId));
    if (!account || account->account.deactivated) {
      return fail(ErrorCode::kUserDeactivated, "This account has been deactivated");
    }
    PLEXUS_TRY_VOID(store_->setPasswordHash(tx, userId, hash));
    if (!logoutDevices) return {};
    PLEXUS_TRY(auto devices, store_->listDevices(tx, userId));
    for (const Device& d : devices) {
      if (keepDeviceId && d.deviceId == *keepDeviceId) continue;
      PLEXUS_TRY_VOID(store_->deleteDevice(tx, userId, d.deviceId));
    }
    return pushersChanged(tx, userId);
  }));
  if (logoutDevices) {
    std::lock_guard lock(touchMutex_);
    std::erase_if(touches_, [&](const auto& entry) {
      return entry.first.first == userId && (!keepDeviceId || entry.first.second != *keepDeviceId);
    });
  }
  return {};
}

Status AccountSyncService::performDeactivate(const CallContext& ctx, std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "Unknown user");
    PLEXUS_TRY(auto devices, store_->listDevices(tx, userId));
    for (const Device& d : devices) PLEXUS_TRY_VOID(store_->deleteDevice(tx, userId, d.deviceId));
    PLEXUS_TRY_VOID(store_->deleteUserPushers(tx, userId));
    PLEXUS_TRY_VOID(pushersChanged(tx, userId));
    PLEXUS_TRY_VOID(store_->deleteUserOpenIdTokens(tx, userId));
    PLEXUS_TRY_VOID(store_->setProfile(tx, userId, Profile{}));
    PLEXUS_TRY_VOID(store_->markDeactivated(tx, userId));
    return {};
  }));
  forgetTouches(userId);
  return {};
}

Result<bool> AccountSyncService::queryPasswordMatches(const CallContext& ctx,
                                                      std::string_view userId,
                                                      std::string_view password) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (!account || account->account.deactivated || !account->passwordHash) return false;
  return verifyPassword(password, *account->passwordHash);
}

Result<Account> AccountSyncService::queryAccount(const CallContext& ctx, std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (!account) return fail(ErrorCode::kNotFound, "Unknown user");
  return account->account;
}

void AccountSyncService::burnVerifyTime(std::string_view password) {
  std::call_once(dummyHashOnce_, [this] {
    auto hash =
        accountsync::hashPassword(newToken(), options_.pwhashOpsLimit, options_.pwhashMemLimit);
    if (hash.ok()) dummyHash_ = std::move(hash).value();
  });
  if (!dummyHash_.empty()) (void)verifyPassword(password, dummyHash_);
}

void AccountSyncService::forgetTouches(std::string_view userId) {
  std::lock_guard lock(touchMutex_);
  std::erase_if(touches_, [&](const auto& entry) { return entry.first.first == userId; });
}

}  // namespace plexus::accountsync
