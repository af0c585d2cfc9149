// AccountSyncApi: the account-sync service's contract. It owns local accounts, devices, access
// and refresh tokens, passwords, profiles, account data (global, per room, tags), push rules
// (stored as the "m.push_rules" account data) and pushers. Callers: client-api (every
// authenticated request resolves its token here), sync-api (account data since a position,
// push rules for notification counts), the node's create-account command.
//
// Conventions for every method:
// - Thread-safe: may be called from any number of threads at once.
// - User IDs are full local Matrix IDs ("@alice:example.org"); a user ID of another server is
//   kInvalidParam (kNotFound for queries about users that do not exist).
// - A perform* call that fails changes nothing (one database transaction per call).
// - kUnavailable when the database is unreachable or the call's deadline passed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accountsync/api/types.h"
#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::accountsync {

class AccountSyncApi {
 public:
  virtual ~AccountSyncApi() = default;

  // ---- Registration -----------------------------------------------------------------------

  // Creates an account (and, unless inhibitLogin, a device with an access token).
  // Guests always get a generated numeric localpart (a requested one is ignored).
  // Errors: kInvalidUsername (grammar, or the full ID is longer than 255 bytes),
  // kUserInUse (taken, also by a deactivated account), kExclusive (reserved namespace),
  // kForbidden (guest registration disabled), kInvalidParam (bad device ID).
  virtual Result<LoginResult> performRegister(const CallContext& ctx,
                                              const RegisterRequest& request) = 0;

  // Whether `localpart` could be registered now. Ok when it could;
  // kInvalidUsername / kUserInUse / kExclusive otherwise.
  virtual Status queryUsernameAvailable(const CallContext& ctx, std::string_view localpart) = 0;

  // ---- Login, tokens, logout --------------------------------------------------------------

  // m.login.password. A known deviceId reuses that device and revokes its previous tokens;
  // an unknown one creates the device. Errors: kForbidden for a wrong password or an unknown
  // user (the same message, so the answer does not reveal which); kUserDeactivated;
  // kInvalidParam for a malformed identifier or device ID.
  virtual Result<LoginResult> performPasswordLogin(const CallContext& ctx,
                                                   const PasswordLoginRequest& request) = 0;

  // Exchanges a refresh token for a new access token and a new refresh token; the old
  // refresh token stops working, and the old access token too. Errors: kUnknownToken.
  virtual Result<LoginResult> performRefresh(const CallContext& ctx,
                                             std::string_view refreshToken) = 0;

  // Resolves an access token; a locked account's tokens resolve with isLocked set. Errors:
  // kUnknownToken (expired tokens: the message starts with kSoftLogoutMarker, see
  // isSoftLogout()).
  virtual Result<AccessTokenInfo> queryAccessToken(const CallContext& ctx,
                                                   std::string_view accessToken) = 0;

  // Deletes the token's device and all its tokens (and its pushers). Errors: kUnknownToken.
  virtual Status performLogout(const CallContext& ctx, std::string_view accessToken) = 0;

  // Deletes every device and token of the user (and the user's pushers). Errors: kNotFound.
  virtual Status performLogoutAll(const CallContext& ctx, std::string_view userId) = 0;

  // Sets a new password. With logoutDevices, every device except keepDeviceId (the caller's
  // own, when given) is deleted with its tokens. Errors: kNotFound, kUserDeactivated,
  // kInvalidParam (empty password).
  virtual Status performChangePassword(const CallContext& ctx, std::string_view userId,
                                       std::string_view newPassword, bool logoutDevices,
                                       std::optional<std::string> keepDeviceId) = 0;

  // Deactivates the account: deletes its tokens, devices and pushers, clears its password
  // and profile, and marks it deactivated so the name can neither log in nor be registered
  // again. Idempotent. Errors: kNotFound.
  virtual Status performDeactivate(const CallContext& ctx, std::string_view userId) = 0;

  // For user-interactive auth (m.login.password stages): true when `password` is the user's.
  // False for unknown, password-less or deactivated accounts.
  virtual Result<bool> queryPasswordMatches(const CallContext& ctx, std::string_view userId,
                                            std::string_view password) = 0;

  // The account record. Errors: kNotFound.
  virtual Result<Account> queryAccount(const CallContext& ctx, std::string_view userId) = 0;

  // ---- Login tokens (m.login.token; POST /login/get_token) ------------------------------

  // Makes a single-use login token for the user, valid for ttlMs. Tokens are held in this
  // service's memory (a restart forgets them; they live two minutes). Errors: kNotFound,
  // kUserDeactivated, kInvalidParam (ttlMs not positive).
  virtual Result<std::string> performCreateLoginToken(const CallContext& ctx,
                                                      std::string_view userId, std::int64_t ttlMs) {
    (void)ctx, (void)userId, (void)ttlMs;
    return fail(ErrorCode::kUnrecognized, "login tokens are not supported");
  }
  // Redeems a login token (once) and logs its user in as performPasswordLogin does.
  // Errors: kForbidden (unknown, used or expired token), kUserDeactivated, kInvalidParam
  // (bad device ID).
  virtual Result<LoginResult> performTokenLogin(const CallContext& ctx,
                                                const TokenLoginRequest& request) {
    (void)ctx, (void)request;
    return fail(ErrorCode::kUnrecognized, "login tokens are not supported");
  }

  // ---- OpenID tokens (POST /user/{userId}/openid/request_token; federation userinfo) ----

  // Makes an OpenID token for the user, valid for ttlMs (the client-server API reports 3600 s).
  // Third parties hand it to GET /_matrix/federation/v1/openid/userinfo, which resolves it with
  // queryOpenIdToken as often as they like until it expires. Only the token's hash is stored, so
  // every account-sync process over the database resolves it, also after a restart.
  // Errors: kNotFound, kUserDeactivated, kInvalidParam (ttlMs not positive).
  virtual Result<std::string> performCreateOpenIdToken(const CallContext& ctx,
                                                       std::string_view userId,
                                                       std::int64_t ttlMs) {
    (void)ctx, (void)userId, (void)ttlMs;
    return fail(ErrorCode::kUnrecognized, "OpenID tokens are not supported");
  }
  // The user ID that owns an OpenID token. Deactivating the account revokes its tokens.
  // Errors: kUnknownToken (unknown or expired).
  virtual Result<std::string> queryOpenIdToken(const CallContext& ctx,
                                               std::string_view openIdToken) {
    (void)ctx, (void)openIdToken;
    return fail(ErrorCode::kUnrecognized, "OpenID tokens are not supported");
  }

  // ---- Admin restrictions (SPEC: client-server "Account locking", "Account suspension") ----

  // Locks or unlocks the account. A locked account keeps its devices and tokens (unlocking
  // gives them back); queryAccessToken reports the lock (AccessTokenInfo.isLocked: client-api
  // refuses all but logout with M_USER_LOCKED) and logins are refused with kUserLocked. The
  // state is in the database (queryAccount().locked). Errors: kInvalidParam (not a local
  // user), kNotFound (unknown or deactivated account).
  virtual Status performSetLocked(const CallContext& ctx, std::string_view userId, bool locked) {
    (void)ctx, (void)userId, (void)locked;
    return fail(ErrorCode::kUnrecognized, "account locking is not supported");
  }
  // Suspends or unsuspends the account: AccessTokenInfo.isSuspended then tells client-api to
  // refuse the account's writes (M_USER_SUSPENDED); reads go on. Errors: as performSetLocked.
  virtual Status performSetSuspended(const CallContext& ctx, std::string_view userId,
                                     bool suspended) {
    (void)ctx, (void)userId, (void)suspended;
    return fail(ErrorCode::kUnrecognized, "account suspension is not supported");
  }

  // ---- Devices ----------------------------------------------------------------------------

  // The user's devices, ordered by device ID (empty for an unknown user).
  virtual Result<std::vector<Device>> queryDevices(const CallContext& ctx,
                                                   std::string_view userId) = 0;
  // Errors: kNotFound.
  virtual Result<Device> queryDevice(const CallContext& ctx, std::string_view userId,
                                     std::string_view deviceId) = 0;
  // Sets (or, with nullopt, clears) the display name. Errors: kNotFound.
  virtual Status performUpdateDevice(const CallContext& ctx, std::string_view userId,
                                     std::string_view deviceId,
                                     std::optional<std::string> displayName) = 0;
  // Deletes devices with their tokens and pushers; unknown IDs are ignored.
  virtual Status performDeleteDevices(const CallContext& ctx, std::string_view userId,
                                      const std::vector<std::string>& deviceIds) = 0;
  // Records activity (last_seen_ts / last_seen_ip). Cheap: kept in memory and written
  // through at most every few minutes per device unless the IP changes; queries see it
  // at once. Unknown devices are ignored.
  virtual Status performTouchDevice(const CallContext& ctx, std::string_view userId,
                                    std::string_view deviceId, std::string_view ip,
                                    std::int64_t tsMs) = 0;

  // ---- Profiles and user directory -------------------------------------------------------

  // Errors: kNotFound for a user that does not exist (or a remote user: no federation yet).
  virtual Result<Profile> queryProfile(const CallContext& ctx, std::string_view userId) = 0;
  // nullopt clears the field. Errors: kNotFound, kInvalidParam (too long: > 256 bytes for a
  // display name, > 1000 for an avatar URL).
  virtual Status performSetDisplayName(const CallContext& ctx, std::string_view userId,
                                       std::optional<std::string> displayName) = 0;
  virtual Status performSetAvatarUrl(const CallContext& ctx, std::string_view userId,
                                     std::optional<std::string> avatarUrl) = 0;
  // Local, active, non-guest users whose user ID or display name contains `searchTerm`
  // (case-insensitive), at most `limit`, ordered by user ID.
  // TODO(#3): also users sharing a room with requestingUserId (roomserver-aware part).
  virtual Result<UserDirectoryResult> queryUserDirectory(const CallContext& ctx,
                                                         std::string_view searchTerm, int limit,
                                                         std::string_view requestingUserId) = 0;

  // ---- Account data -----------------------------------------------------------------------

  // Stores `content` as the user's account data of `type` (global when roomId is empty) and
  // returns its new stream position (positions increase server-wide). Publishes an
  // AccountDataOutput (api/output.h) after the commit. Errors: kNotFound (no such user),
  // kInvalidParam (empty type), kBadJson for "m.push_rules" (SPEC: server-managed; the
  // HTTP layer answers 405 M_BAD_JSON for it and for m.fully_read, which read markers set
  // through this call).
  virtual Result<std::int64_t> performSetAccountData(const CallContext& ctx,
                                                     std::string_view userId,
                                                     std::string_view roomId, std::string_view type,
                                                     const json::Object& content) = 0;
  // Entries changed after `sincePosition` (0: all of them), for /sync.
  virtual Result<AccountDataChanges> queryAccountData(const CallContext& ctx,
                                                      std::string_view userId,
                                                      std::int64_t sincePosition) = 0;
  // Errors: kNotFound when absent.
  virtual Result<json::Object> queryAccountDataEntry(const CallContext& ctx,
                                                     std::string_view userId,
                                                     std::string_view roomId,
                                                     std::string_view type) = 0;
  // The newest account-data stream position of the server (0 when none).
  virtual Result<std::int64_t> queryAccountDataPosition(const CallContext& ctx) = 0;

  // Tags (SPEC: m.tag account data of the room, content {"tags": {tag: {"order": n}}}).
  // Each returns the new stream position. Errors: kInvalidParam (empty tag or > 255 bytes).
  virtual Result<std::int64_t> performSetTag(const CallContext& ctx, std::string_view userId,
                                             std::string_view roomId, std::string_view tag,
                                             const json::Object& content) = 0;
  // Removing an absent tag succeeds.
  virtual Result<std::int64_t> performDeleteTag(const CallContext& ctx, std::string_view userId,
                                                std::string_view roomId, std::string_view tag) = 0;
  // The "tags" object (tag name -> content); empty when none.
  virtual Result<json::Object> queryTags(const CallContext& ctx, std::string_view userId,
                                         std::string_view roomId) = 0;

  // ---- Push rules (scope "global" only; client-api rejects other scopes) ------------------
  // kind is one of "override", "underride", "sender", "room", "content".

  // The full ruleset as GET /pushrules/ returns it: {"global": {"override": [...], ...}}.
  virtual Result<json::Object> queryPushRules(const CallContext& ctx, std::string_view userId) = 0;
  // One rule. Errors: kInvalidParam (unknown kind), kNotFound.
  virtual Result<json::Object> queryPushRule(const CallContext& ctx, std::string_view userId,
                                             std::string_view kind, std::string_view ruleId) = 0;
  // Adds or replaces a user rule from the PUT body ({"actions", "conditions"?, "pattern"?}).
  // Without before/after a new rule becomes the kind's highest-priority user rule and a
  // replaced rule keeps its place. Errors: kMissingParam (no actions, or no pattern on a
  // content rule); kInvalidParam (unknown kind, a rule ID starting with "." — server-default
  // rules cannot be added or replaced —, before/after naming a server-default rule or no
  // rule of the kind, both given); kBadJson (wrong types, unrecognised actions).
  virtual Status performPutPushRule(const CallContext& ctx, std::string_view userId,
                                    std::string_view kind, std::string_view ruleId,
                                    const json::Object& body, std::optional<std::string> before,
                                    std::optional<std::string> after) = 0;
  // Errors: kNotFound; kInvalidParam for server-default rules (they cannot be deleted).
  virtual Status performDeletePushRule(const CallContext& ctx, std::string_view userId,
                                       std::string_view kind, std::string_view ruleId) = 0;
  // Errors: kNotFound, kInvalidParam (unknown kind).
  virtual Status performSetPushRuleEnabled(const CallContext& ctx, std::string_view userId,
                                           std::string_view kind, std::string_view ruleId,
                                           bool enabled) = 0;
  // Errors: kNotFound, kInvalidParam (unknown kind), kBadJson (actions malformed).
  virtual Status performSetPushRuleActions(const CallContext& ctx, std::string_view userId,
                                           std::string_view kind, std::string_view ruleId,
                                           const json::Array& actions) = 0;

  // ---- Pushers (storage only; delivery is a later step) ----------------------------------

  virtual Result<std::vector<Pusher>> queryPushers(const CallContext& ctx,
                                                   std::string_view userId) = 0;
  // POST /pushers/set with the body as sent: kind null deletes the (app_id, pushkey) pusher;
  // "http" (data.url required) or "email" adds or replaces it. Without append=true, pushers
  // of other users with the same app_id and pushkey are removed (SPEC). deviceId is the
  // caller's device. Errors: kMissingParam (a required field is absent), kBadJson (wrong
  // type), kInvalidParam (unsupported kind, http without data.url, bad lengths).
  virtual Status performSetPusher(const CallContext& ctx, std::string_view userId,
                                  std::string_view deviceId, const json::Object& body) = 0;
};

}  // namespace plexus::accountsync
