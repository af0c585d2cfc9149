// Admin account locking and suspension (SPEC: client-server "GET/PUT
// /_matrix/client/v1/admin/lock/{userId}" and ".../admin/suspend/{userId}", "Account
// moderation"): server admins lock, suspend and restore local accounts. Account-sync keeps the
// flags in the database and reports them on each token; client-api enforces them
// (route_context.cc: a locked account gets 401 M_USER_LOCKED everywhere but logout, a
// suspended one 403 M_USER_SUSPENDED on the routes marked refusedWhileSuspended).
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
    return fail(ErrorCode::kForbidden, "Administrators cannot restrict their own account");
  auto account = deps.accounts->queryAccount(callContext(http), userId);
  if (!account.ok() || account->deactivated) return fail(ErrorCode::kNotFound, "User not found");
  if (account->isAdmin && userId != who.userId) {
    return fail(ErrorCode::kForbidden, "The target user is another administrator");
  }
  return std::move(*account);
}

// One admin restriction: its JSON key and how it is read and set.
struct Restriction {
  const char* key;  // "locked" or "suspended"
  bool accountsync::Account::*flag;
  Status (accountsync::AccountSyncApi::*set)(const CallContext&, std::string_view, bool);
};

constexpr Restriction kLock{"locked", &accountsync::Account::locked,
                            &accountsync::AccountSyncApi::performSetLocked};
constexpr Restriction kSuspension{"suspended", &accountsync::Account::suspended,
                                  &accountsync::AccountSyncApi::performSetSuspended};

rooms::JsonHandler getRestriction(Restriction r) {
  return [r](ClientApiDeps& deps, const http::Request& http,
             const Requester& who) -> Result<json::Value> {
    PLEXUS_TRY(accountsync::Account account, adminTarget(deps, http, who, false));
    return json::Value(json::Object{{r.key, json::Value(account.*r.flag)}});
  };
}

rooms::JsonHandler putRestriction(Restriction r) {
  return [r](ClientApiDeps& deps, const http::Request& http,
             const Requester& who) -> Result<json::Value> {
    PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
    PLEXUS_TRY(std::optional<bool> value, optionalBool(body, r.key));
    if (!value) return fail(ErrorCode::kMissingParam, std::string(r.key) + " is required");
    PLEXUS_TRY(accountsync::Account account, adminTarget(deps, http, who, true));
    PLEXUS_TRY_VOID(((*deps.accounts).*r.set)(callContext(http), account.userId, *value));
    return json::Value(json::Object{{r.key, json::Value(*value)}});
  };
}

}  // namespace

void registerAdminGapRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/admin/lock/{userId}",
                 rooms::jsonRoute(deps, getRestriction(kLock)));
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/v1/admin/lock/{userId}",
                 rooms::jsonRoute(deps, putRestriction(kLock)));
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/admin/suspend/{userId}",
                 rooms::jsonRoute(deps, getRestriction(kSuspension)));
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/v1/admin/suspend/{userId}",
                 rooms::jsonRoute(deps, putRestriction(kSuspension)));
}

}  // namespace plexus::clientapi::gaps
