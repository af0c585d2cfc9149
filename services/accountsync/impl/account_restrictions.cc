// AccountSyncService, admin restrictions (SPEC: client-server "Account locking" and "Account
// suspension"): the locked and suspended flags of an account, kept in the database. Their
// effects live where tokens are resolved and logins made (accountsync_service.cc,
// login_tokens.cc): a locked account's tokens answer kUserLocked, a suspended one's carry
// AccessTokenInfo::isSuspended.
#include "accountsync/impl/accountsync_service.h"
#include "accountsync/impl/transaction.h"
#include "accountsync/impl/user_ids.h"
#include "accountsync/storage/account_store.h"

namespace plexus::accountsync {

Status AccountSyncService::setRestriction(const CallContext& ctx, std::string_view userId,
                                          std::string_view column, bool on) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (!localpartOf(userId, serverName_)) {
    return fail(ErrorCode::kInvalidParam, "User does not belong to the local server");
  }
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(auto account, store_->getAccount(tx, userId));
    if (!account || account->account.deactivated)
      return fail(ErrorCode::kNotFound, "User not found");
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "User not found");
    return store_->setRestriction(tx, userId, column, on);
  }));
  return {};
}

Status AccountSyncService::performSetLocked(const CallContext& ctx, std::string_view userId,
                                            bool locked) {
  return setRestriction(ctx, userId, "locked", locked);
}

Status AccountSyncService::performSetSuspended(const CallContext& ctx, std::string_view userId,
                                               bool suspended) {
  return setRestriction(ctx, userId, "suspended", suspended);
}

}  // namespace plexus::accountsync
