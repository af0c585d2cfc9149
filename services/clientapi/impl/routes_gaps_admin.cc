// Admin account locking (SPEC: client-server "GET/PUT /_matrix/client/v1/admin/lock/{userId}",
// "Account locking"): server admins lock and unlock local accounts. Account-sync keeps the flag
// in the database and enforces it (a locked account's tokens answer 401 M_USER_LOCKED, its
// logins are refused the same way; unlocking restores its sessions).
//
// Suspension (/admin/suspend) is not served yet: account-sync stores the flag and reports it on
// AccessTokenInfo::isSuspended, but refusing the writes needs a check in authenticate().
#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/gap_routes.h"
#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi::gaps {
namespace {

// The target of an admin request, after the checks the spec orders: authorization first (so the
// endpoint cannot be used to enumerate users), then the ID, then the lookup.
Result<accountsync::Account> adminTarget(ClientApiDeps& deps, const http::Request& http,
                                         const Requester& who, bool changing) {
  PLEXUS_TRY_VOID(rooms::needAccounts(deps));
  if (!who.isAdmin)
    return fail(ErrorCode::kForbidden, "Requesting user is not a server administrator");
  std::string userId(http.param("userId"));
  if (!isValidUserId(userId) || !isLocalUser(deps, userId)) {
    return fail(ErrorCode::kInvalidParam, "User does not belong to the local server");
  }
  if (changing && userId == who.userId)
    return fail(ErrorCode::kForbidden, "Administrators cannot lock themselves");
  auto account = deps.accounts->queryAccount(callContext(http), userId);
  if (!account.ok() || account->deactivated) return fail(ErrorCode::kNotFound, "User not found");
  if (account->isAdmin && userId != who.userId) {
    return fail(ErrorCode::kForbidden, "The target user is another administrator");
  }
  return std::move(*account);
}

Result<json::Value> getLock(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY(accountsync::Account account, adminTarget(deps, http, who, false));
  return json::Value(json::Object{{"locked", json::Value(account.locked)}});
}

Result<json::Value> putLock(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  PLEXUS_TRY(std::optional<bool> locked, optionalBool(body, "locked"));
  if (!locked) return fail(ErrorCode::kMissingParam, "locked is required");
  PLEXUS_TRY(accountsync::Account account, adminTarget(deps, http, who, true));
  PLEXUS_TRY_VOID(deps.accounts->performSetLocked(callContext(http), account.userId, *locked));
  return json::Value(json::Object{{"locked", json::Value(*locked)}});
}

}  // namespace

void registerAdminGapRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/admin/lock/{userId}",
                 rooms::jsonRoute(deps, getLock));
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/v1/admin/lock/{userId}",
                 rooms::jsonRoute(deps, putLock));
}

}  // namespace plexus::clientapi::gaps
