// AccountSyncService, OpenID tokens: made for a logged-in user by POST
// /user/{userId}/openid/request_token and resolved to the user's ID for other servers by GET
// /_matrix/federation/v1/openid/userinfo. Like every other token only its SHA-256 is stored
// (a leaked database hands out no working tokens; a 256-bit random token needs no salt, and
// the hash is an exact primary-key lookup), with its expiry, so any account-sync process over
// the database resolves it, after a restart too. Tokens stay valid until they expire.
#include "accountsync/impl/accountsync_service.h"
#include "accountsync/impl/credentials.h"
#include "accountsync/impl/transaction.h"
#include "accountsync/storage/account_store.h"

namespace plexus::accountsync {
namespace {

// Expired rows removed by each new token: more than one, so a backlog (after a quiet spell
// that followed a burst) shrinks with every token made, yet one request never does more than
// this much clean-up work.
constexpr std::int64_t kExpiredRemovedPerCreate = 100;

Error unknownToken() {
  return makeError(ErrorCode::kUnknownToken, "Access token unknown or expired");
}

}  // namespace

Result<std::string> AccountSyncService::performCreateOpenIdToken(const CallContext& ctx,
                                                                 std::string_view userId,
                                                                 std::int64_t ttlMs) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (ttlMs <= 0) return fail(ErrorCode::kInvalidParam, "ttl must be positive");
  std::string token = newToken();
  const std::int64_t nowMs = now();
  // Under the account's lock, so a concurrent deactivation (which revokes the user's tokens)
  // either sees this token or makes this call fail.
  ACCOUNTSYNC_TRY_TX(db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "Unknown user");
    PLEXUS_TRY(auto account, store_->getAccount(tx, userId));
    if (!account) return fail(ErrorCode::kNotFound, "Unknown user");
    if (account->account.deactivated) {
      return fail(ErrorCode::kUserDeactivated, "This account has been deactivated");
    }
    PLEXUS_TRY_VOID(store_->deleteExpiredOpenIdTokens(tx, nowMs, kExpiredRemovedPerCreate));
    PLEXUS_TRY_VOID(store_->insertOpenIdToken(tx, tokenHash(token), userId, nowMs + ttlMs));
    return {};
  }));
  return token;
}

Result<std::string> AccountSyncService::queryOpenIdToken(const CallContext& ctx,
                                                         std::string_view openIdToken) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (openIdToken.empty()) return unknownToken();
  const std::string hash = tokenHash(openIdToken);
  PLEXUS_TRY(auto row, store_->getOpenIdToken(db_, hash));
  if (!row) return unknownToken();
  if (row->expiresMs <= now()) {
    // Lazily gone: whoever still holds it learns nothing more from it.
    PLEXUS_TRY_VOID(store_->deleteOpenIdToken(db_, hash));
    return unknownToken();
  }
  return std::move(row->userId);
}

}  // namespace plexus::accountsync
