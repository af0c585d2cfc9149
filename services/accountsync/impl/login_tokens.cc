// AccountSyncService, login tokens: single-use, short-lived m.login.token tokens made for a
// logged-in user (POST /login/get_token) and redeemed by POST /login. Only their hashes are
// kept, with their expiry, in the account store: they survive a restart, and any account-sync
// process over the same database redeems them (the store's atomic take makes them single use).
#include <vector>

#include "accountsync/impl/accountsync_service.h"
#include "accountsync/impl/credentials.h"
#include "accountsync/impl/transaction.h"
#include "accountsync/storage/account_store.h"

namespace plexus::accountsync {
namespace {

Error invalidToken() { return makeError(ErrorCode::kForbidden, "Invalid login token"); }

}  // namespace

Result<std::string> AccountSyncService::performCreateLoginToken(const CallContext& ctx,
                                                                std::string_view userId,
                                                                std::int64_t ttlMs) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (ttlMs <= 0) return fail(ErrorCode::kInvalidParam, "ttl must be positive");
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (!account) return fail(ErrorCode::kNotFound, "Unknown user");
  if (account->account.deactivated) {
    return fail(ErrorCode::kUserDeactivated, "This account has been deactivated");
  }
  std::string token = newToken();
  const std::int64_t nowMs = now();
  // Expired tokens go whenever a new one is made: the table stays as small as the live tokens.
  PLEXUS_TRY_VOID(store_->deleteExpiredLoginTokens(db_, nowMs));
  PLEXUS_TRY_VOID(store_->insertLoginToken(db_, tokenHash(token), userId, nowMs + ttlMs));
  return token;
}

Result<LoginResult> AccountSyncService::performTokenLogin(const CallContext& ctx,
                                                          const TokenLoginRequest& request) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  std::string deviceId = request.deviceId.value_or(newDeviceId());
  if (deviceId.empty() || deviceId.size() > 255) {
    return fail(ErrorCode::kInvalidParam, "device_id must be 1 to 255 bytes");
  }
  for (char c : deviceId) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return fail(ErrorCode::kInvalidParam, "device_id contains control characters");
    }
  }
  // SPEC: the token is valid for a single login, so it is taken out before anything else.
  PLEXUS_TRY(auto taken, store_->takeLoginToken(db_, tokenHash(request.token)));
  if (!taken || taken->expiresMs <= now()) return invalidToken();
  const std::string userId = std::move(taken->userId);
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (!account) return invalidToken();
  if (account->account.deactivated) {
    return fail(ErrorCode::kUserDeactivated, "This account has been deactivated");
  }
  if (account->account.locked) return fail(ErrorCode::kUserLocked, "This account has been locked");
  LoginResult result;
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return invalidToken();
    PLEXUS_TRY(result, loginOnDevice(tx, userId, deviceId, request.initialDeviceDisplayName,
                                     request.refreshToken));
    return {};
  }));
  return result;
}

}  // namespace plexus::accountsync
