// SqlAccountStore: the account-sync tables (migrations.cc) through plexus::storage. Every
// statement is plain SQL both SQLite and PostgreSQL accept.
#include "accountsync/storage/sql_account_store.h"

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::accountsync {
namespace {

using storage::Params;
using storage::Row;
using storage::Value;

Value optionalText(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

Result<Device> deviceFromRow(const Row& row) {
  Device d;
  PLEXUS_TRY(d.userId, row.text(0));
  PLEXUS_TRY(d.deviceId, row.text(1));
  PLEXUS_TRY(d.displayName, row.optionalText(2));
  PLEXUS_TRY(d.lastSeenTs, row.optionalInt64(3));
  PLEXUS_TRY(d.lastSeenIp, row.optionalText(4));
  return d;
}

Result<json::Object> parseStoredObject(const std::string& text) {
  // Not strict: clients may store floats (tag "order" is a number in [0, 1]).
  json::ParseOptions options;
  options.strictIntegers = false;
  auto parsed = json::parseObject(text, options);
  if (!parsed.ok()) return fail(ErrorCode::kInternal, "accountsync: stored JSON is corrupt");
  return std::move(parsed).value();
}

Result<AccountDataEntry> accountDataFromRow(const Row& row) {
  AccountDataEntry e;
  PLEXUS_TRY(e.roomId, row.text(0));
  PLEXUS_TRY(e.type, row.text(1));
  PLEXUS_TRY(std::string content, row.text(2));
  PLEXUS_TRY(e.content, parseStoredObject(content));
  PLEXUS_TRY(e.streamPosition, row.int64(3));
  return e;
}

constexpr std::string_view kDeviceColumns =
    "user_id, device_id, display_name, last_seen_ts, last_seen_ip";

}  // namespace

// ---- Accounts ---------------------------------------------------------------------------

Status SqlAccountStore::insertAccount(Executor& ex, const AccountRow& row) {
  const Account& a = row.account;
  PLEXUS_TRY_VOID(
      ex.execute("INSERT INTO accountsync_accounts (user_id, password_hash, is_guest, is_admin, "
                 "deactivated, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                 {a.userId, optionalText(row.passwordHash), a.kind == AccountKind::kGuest ? 1 : 0,
                  a.isAdmin ? 1 : 0, a.deactivated ? 1 : 0, a.createdMs}));
  return {};
}

Result<std::optional<AccountRow>> SqlAccountStore::getAccount(Executor& ex,
                                                              std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT a.user_id, a.password_hash, a.is_guest, a.is_admin, "
                                 "a.deactivated, a.created_ms, r.locked, r.suspended "
                                 "FROM accountsync_accounts a LEFT JOIN "
                                 "accountsync_account_restrictions r ON r.user_id = a.user_id "
                                 "WHERE a.user_id = $1",
                                 {userId}));
  if (rows.empty()) return std::optional<AccountRow>();
  Row row = rows.front();
  AccountRow out;
  PLEXUS_TRY(out.account.userId, row.text(0));
  PLEXUS_TRY(out.passwordHash, row.optionalText(1));
  PLEXUS_TRY(auto guest, row.int64(2));
  PLEXUS_TRY(auto admin, row.int64(3));
  PLEXUS_TRY(auto deactivated, row.int64(4));
  PLEXUS_TRY(out.account.createdMs, row.int64(5));
  out.account.kind = guest != 0 ? AccountKind::kGuest : AccountKind::kUser;
  out.account.isAdmin = admin != 0;
  out.account.deactivated = deactivated != 0;
  out.account.hasPassword = out.passwordHash.has_value();
  PLEXUS_TRY(auto locked, row.optionalInt64(6));
  PLEXUS_TRY(auto suspended, row.optionalInt64(7));
  out.account.locked = locked.value_or(0) != 0;
  out.account.suspended = suspended.value_or(0) != 0;
  return std::optional<AccountRow>(std::move(out));
}

Status SqlAccountStore::setRestriction(Executor& ex, std::string_view userId,
                                       std::string_view column, bool on) {
  // Two fixed statements: the column name never comes from outside.
  const bool locked = column == "locked";
  if (!locked && column != "suspended") return fail(ErrorCode::kInternal, "unknown restriction");
  PLEXUS_TRY_VOID(ex.execute("INSERT INTO accountsync_account_restrictions (user_id) VALUES ($1) "
                             "ON CONFLICT DO NOTHING",
                             {userId}));
  constexpr std::string_view kSetLocked =
      "UPDATE accountsync_account_restrictions SET locked = $2 WHERE user_id = $1";
  constexpr std::string_view kSetSuspended =
      "UPDATE accountsync_account_restrictions SET suspended = $2 WHERE user_id = $1";
  PLEXUS_TRY(auto changed, ex.execute(locked ? kSetLocked : kSetSuspended,
                                      {userId, std::int64_t{on ? 1 : 0}}));
  (void)changed;
  return {};
}

Result<bool> SqlAccountStore::lockAccount(Executor& ex, std::string_view userId) {
  // A no-op update takes the row lock on PostgreSQL; SQLite already serialises writers.
  PLEXUS_TRY(auto changed, ex.execute("UPDATE accountsync_accounts SET user_id = user_id "
                                      "WHERE user_id = $1",
                                      {userId}));
  return changed > 0;
}

Status SqlAccountStore::setPasswordHash(Executor& ex, std::string_view userId,
                                        std::optional<std::string> hash) {
  PLEXUS_TRY_VOID(
      ex.execute("UPDATE accountsync_accounts SET password_hash = $2 WHERE user_id = $1",
                 {userId, optionalText(hash)}));
  return {};
}

Status SqlAccountStore::markDeactivated(Executor& ex, std::string_view userId) {
  PLEXUS_TRY_VOID(
      ex.execute("UPDATE accountsync_accounts SET deactivated = 1, "
                 "password_hash = NULL WHERE user_id = $1",
                 {userId}));
  return {};
}

Result<std::vector<UserDirectoryEntry>> SqlAccountStore::searchUsers(Executor& ex,
                                                                     std::string_view lowerTerm,
                                                                     int limit) {
  std::string pattern = "%";
  for (char c : lowerTerm) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  PLEXUS_TRY(auto rows, ex.query("SELECT a.user_id, p.display_name, p.avatar_url "
                                 "FROM accountsync_accounts a "
                                 "LEFT JOIN accountsync_profiles p ON p.user_id = a.user_id "
                                 "WHERE a.deactivated = 0 AND a.is_guest = 0 AND "
                                 "(LOWER(a.user_id) LIKE $1 ESCAPE '\\' OR "
                                 "LOWER(p.display_name) LIKE $1 ESCAPE '\\') "
                                 "ORDER BY a.user_id LIMIT $2",
                                 {pattern, limit}));
  std::vector<UserDirectoryEntry> out;
  for (Row row : rows) {
    UserDirectoryEntry e;
    PLEXUS_TRY(e.userId, row.text(0));
    PLEXUS_TRY(e.displayName, row.optionalText(1));
    PLEXUS_TRY(e.avatarUrl, row.optionalText(2));
    out.push_back(std::move(e));
  }
  return out;
}

// ---- Devices ----------------------------------------------------------------------------

Result<bool> SqlAccountStore::insertDeviceIfAbsent(Executor& ex, const Device& device,
                                                   std::int64_t createdMs) {
  PLEXUS_TRY(auto changed,
             ex.execute("INSERT INTO accountsync_devices (user_id, device_id, display_name, "
                        "last_seen_ts, last_seen_ip, created_ms) VALUES ($1, $2, $3, $4, $5, $6) "
                        "ON CONFLICT DO NOTHING",
                        {device.userId, device.deviceId, optionalText(device.displayName),
                         Value(device.lastSeenTs), optionalText(device.lastSeenIp), createdMs}));
  return changed > 0;
}

Result<std::optional<Device>> SqlAccountStore::getDevice(Executor& ex, std::string_view userId,
                                                         std::string_view deviceId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT " + std::string(kDeviceColumns) +
                                     " FROM accountsync_devices WHERE user_id = $1 AND "
                                     "device_id = $2",
                                 {userId, deviceId}));
  if (rows.empty()) return std::optional<Device>();
  PLEXUS_TRY(auto device, deviceFromRow(rows.front()));
  return std::optional<Device>(std::move(device));
}

Result<std::vector<Device>> SqlAccountStore::listDevices(Executor& ex, std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT " + std::string(kDeviceColumns) +
                                     " FROM accountsync_devices WHERE user_id = $1 "
                                     "ORDER BY device_id",
                                 {userId}));
  std::vector<Device> out;
  for (Row row : rows) {
    PLEXUS_TRY(auto device, deviceFromRow(row));
    out.push_back(std::move(device));
  }
  return out;
}

Result<bool> SqlAccountStore::setDeviceDisplayName(Executor& ex, std::string_view userId,
                                                   std::string_view deviceId,
                                                   std::optional<std::string> displayName) {
  PLEXUS_TRY(auto changed, ex.execute("UPDATE accountsync_devices SET display_name = $3 "
                                      "WHERE user_id = $1 AND device_id = $2",
                                      {userId, deviceId, optionalText(displayName)}));
  return changed > 0;
}

Status SqlAccountStore::setDeviceLastSeen(Executor& ex, std::string_view userId,
                                          std::string_view deviceId, std::string_view ip,
                                          std::int64_t tsMs) {
  PLEXUS_TRY_VOID(
      ex.execute("UPDATE accountsync_devices SET last_seen_ts = $3, "
                 "last_seen_ip = $4 WHERE user_id = $1 AND device_id = $2",
                 {userId, deviceId, tsMs, ip}));
  return {};
}

Status SqlAccountStore::deleteDevice(Executor& ex, std::string_view userId,
                                     std::string_view deviceId) {
  PLEXUS_TRY_VOID(deleteDeviceTokens(ex, userId, deviceId));
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_pushers WHERE user_id = $1 AND "
                 "device_id = $2",
                 {userId, deviceId}));
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_devices WHERE user_id = $1 AND "
                 "device_id = $2",
                 {userId, deviceId}));
  return {};
}

// ---- Tokens -----------------------------------------------------------------------------

Status SqlAccountStore::insertAccessToken(Executor& ex, std::string_view tokenHash,
                                          std::string_view userId, std::string_view deviceId,
                                          std::optional<std::int64_t> expiresMs,
                                          std::int64_t createdMs) {
  PLEXUS_TRY_VOID(
      ex.execute("INSERT INTO accountsync_access_tokens (token_hash, user_id, "
                 "device_id, expires_ms, created_ms) VALUES ($1, $2, $3, $4, $5)",
                 {tokenHash, userId, deviceId, Value(expiresMs), createdMs}));
  return {};
}

Result<std::optional<AccessTokenRow>> SqlAccountStore::getAccessToken(Executor& ex,
                                                                      std::string_view tokenHash) {
  PLEXUS_TRY(auto rows, ex.query("SELECT user_id, device_id, expires_ms FROM "
                                 "accountsync_access_tokens WHERE token_hash = $1",
                                 {tokenHash}));
  if (rows.empty()) return std::optional<AccessTokenRow>();
  AccessTokenRow out;
  Row row = rows.front();
  PLEXUS_TRY(out.userId, row.text(0));
  PLEXUS_TRY(out.deviceId, row.text(1));
  PLEXUS_TRY(out.expiresMs, row.optionalInt64(2));
  return std::optional<AccessTokenRow>(std::move(out));
}

Status SqlAccountStore::deleteAccessToken(Executor& ex, std::string_view tokenHash) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_access_tokens WHERE token_hash = $1", {tokenHash}));
  return {};
}

Status SqlAccountStore::deleteDeviceTokens(Executor& ex, std::string_view userId,
                                           std::string_view deviceId) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_access_tokens WHERE user_id = $1 AND "
                 "device_id = $2",
                 {userId, deviceId}));
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_refresh_tokens WHERE user_id = $1 AND "
                 "device_id = $2",
                 {userId, deviceId}));
  return {};
}

Status SqlAccountStore::insertRefreshToken(Executor& ex, std::string_view tokenHash,
                                           std::string_view userId, std::string_view deviceId,
                                           std::string_view accessTokenHash) {
  PLEXUS_TRY_VOID(
      ex.execute("INSERT INTO accountsync_refresh_tokens (token_hash, user_id, "
                 "device_id, access_token_hash) VALUES ($1, $2, $3, $4)",
                 {tokenHash, userId, deviceId, accessTokenHash}));
  return {};
}

Result<std::optional<RefreshTokenRow>> SqlAccountStore::takeRefreshToken(
    Executor& ex, std::string_view tokenHash) {
  PLEXUS_TRY(auto rows, ex.query("DELETE FROM accountsync_refresh_tokens WHERE token_hash = $1 "
                                 "RETURNING user_id, device_id, access_token_hash",
                                 {tokenHash}));
  if (rows.empty()) return std::optional<RefreshTokenRow>();
  RefreshTokenRow out;
  Row row = rows.front();
  PLEXUS_TRY(out.userId, row.text(0));
  PLEXUS_TRY(out.deviceId, row.text(1));
  PLEXUS_TRY(out.accessTokenHash, row.text(2));
  return std::optional<RefreshTokenRow>(std::move(out));
}

Status SqlAccountStore::insertLoginToken(Executor& ex, std::string_view tokenHash,
                                         std::string_view userId, std::int64_t expiresMs) {
  PLEXUS_TRY_VOID(
      ex.execute("INSERT INTO accountsync_login_tokens (token_hash, user_id, expires_ms) "
                 "VALUES ($1, $2, $3)",
                 {tokenHash, userId, expiresMs}));
  return {};
}

Result<std::optional<LoginTokenRow>> SqlAccountStore::takeLoginToken(Executor& ex,
                                                                     std::string_view tokenHash) {
  PLEXUS_TRY(auto rows, ex.query("DELETE FROM accountsync_login_tokens WHERE token_hash = $1 "
                                 "RETURNING user_id, expires_ms",
                                 {tokenHash}));
  if (rows.empty()) return std::optional<LoginTokenRow>();
  LoginTokenRow out;
  Row row = rows.front();
  PLEXUS_TRY(out.userId, row.text(0));
  PLEXUS_TRY(out.expiresMs, row.int64(1));
  return std::optional<LoginTokenRow>(std::move(out));
}

Status SqlAccountStore::deleteExpiredLoginTokens(Executor& ex, std::int64_t nowMs) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_login_tokens WHERE expires_ms <= $1", {nowMs}));
  return {};
}

// ---- OpenID tokens ----------------------------------------------------------------------

Status SqlAccountStore::insertOpenIdToken(Executor& ex, std::string_view tokenHash,
                                          std::string_view userId, std::int64_t expiresMs) {
  PLEXUS_TRY_VOID(
      ex.execute("INSERT INTO accountsync_openid_tokens (token_hash, user_id, expires_ms) "
                 "VALUES ($1, $2, $3)",
                 {tokenHash, userId, expiresMs}));
  return {};
}

Result<std::optional<OpenIdTokenRow>> SqlAccountStore::getOpenIdToken(Executor& ex,
                                                                      std::string_view tokenHash) {
  PLEXUS_TRY(auto rows, ex.query("SELECT user_id, expires_ms FROM accountsync_openid_tokens "
                                 "WHERE token_hash = $1",
                                 {tokenHash}));
  if (rows.empty()) return std::optional<OpenIdTokenRow>();
  OpenIdTokenRow out;
  Row row = rows.front();
  PLEXUS_TRY(out.userId, row.text(0));
  PLEXUS_TRY(out.expiresMs, row.int64(1));
  return std::optional<OpenIdTokenRow>(std::move(out));
}

Status SqlAccountStore::deleteOpenIdToken(Executor& ex, std::string_view tokenHash) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_openid_tokens WHERE token_hash = $1", {tokenHash}));
  return {};
}

Result<std::int64_t> SqlAccountStore::deleteExpiredOpenIdTokens(Executor& ex, std::int64_t nowMs,
                                                                std::int64_t limit) {
  // The oldest first, through the expiry index; a subquery because neither dialect's DELETE
  // takes LIMIT portably.
  return ex.execute(
      "DELETE FROM accountsync_openid_tokens WHERE token_hash IN ("
      "SELECT token_hash FROM accountsync_openid_tokens WHERE expires_ms <= $1 "
      "ORDER BY expires_ms LIMIT $2)",
      {nowMs, limit});
}

Status SqlAccountStore::deleteUserOpenIdTokens(Executor& ex, std::string_view userId) {
  PLEXUS_TRY_VOID(ex.execute("DELETE FROM accountsync_openid_tokens WHERE user_id = $1", {userId}));
  return {};
}

// ---- Profiles ---------------------------------------------------------------------------

Result<Profile> SqlAccountStore::getProfile(Executor& ex, std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT display_name, avatar_url FROM accountsync_profiles "
                                 "WHERE user_id = $1",
                                 {userId}));
  Profile p;
  if (rows.empty()) return p;
  PLEXUS_TRY(p.displayName, rows.front().optionalText(0));
  PLEXUS_TRY(p.avatarUrl, rows.front().optionalText(1));
  return p;
}

Status SqlAccountStore::setProfile(Executor& ex, std::string_view userId, const Profile& profile) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO accountsync_profiles (user_id, display_name, avatar_url) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, "
      "avatar_url = excluded.avatar_url",
      {userId, optionalText(profile.displayName), optionalText(profile.avatarUrl)}));
  return {};
}

// ---- Account data -----------------------------------------------------------------------

Result<std::int64_t> SqlAccountStore::nextAccountDataPosition(Executor& ex) {
  PLEXUS_TRY(auto rows, ex.query("UPDATE accountsync_positions SET pos = pos + 1 "
                                 "WHERE name = 'account_data' RETURNING pos"));
  if (rows.empty()) return fail(ErrorCode::kInternal, "accountsync: position row missing");
  return rows.front().int64(0);
}

Result<std::int64_t> SqlAccountStore::currentAccountDataPosition(Executor& ex) {
  PLEXUS_TRY(auto rows,
             ex.query("SELECT pos FROM accountsync_positions WHERE name = 'account_data'"));
  if (rows.empty()) return fail(ErrorCode::kInternal, "accountsync: position row missing");
  return rows.front().int64(0);
}

Status SqlAccountStore::putAccountData(Executor& ex, std::string_view userId,
                                       std::string_view roomId, std::string_view type,
                                       std::string_view contentJson, std::int64_t position) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO accountsync_account_data (user_id, room_id, data_type, content, stream_pos) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, room_id, data_type) DO UPDATE SET "
      "content = excluded.content, stream_pos = excluded.stream_pos",
      {userId, roomId, type, contentJson, position}));
  return {};
}

Result<std::vector<AccountDataEntry>> SqlAccountStore::accountDataSince(Executor& ex,
                                                                        std::string_view userId,
                                                                        std::int64_t since) {
  PLEXUS_TRY(auto rows, ex.query("SELECT room_id, data_type, content, stream_pos FROM "
                                 "accountsync_account_data WHERE user_id = $1 AND "
                                 "stream_pos > $2 ORDER BY stream_pos",
                                 {userId, since}));
  std::vector<AccountDataEntry> out;
  out.reserve(rows.size());
  for (Row row : rows) {
    PLEXUS_TRY(auto entry, accountDataFromRow(row));
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::optional<AccountDataEntry>> SqlAccountStore::getAccountData(Executor& ex,
                                                                        std::string_view userId,
                                                                        std::string_view roomId,
                                                                        std::string_view type) {
  PLEXUS_TRY(auto rows, ex.query("SELECT room_id, data_type, content, stream_pos FROM "
                                 "accountsync_account_data WHERE user_id = $1 AND "
                                 "room_id = $2 AND data_type = $3",
                                 {userId, roomId, type}));
  if (rows.empty()) return std::optional<AccountDataEntry>();
  PLEXUS_TRY(auto entry, accountDataFromRow(rows.front()));
  return std::optional<AccountDataEntry>(std::move(entry));
}

// ---- Pushers ----------------------------------------------------------------------------

Status SqlAccountStore::upsertPusher(Executor& ex, std::string_view userId, const Pusher& p) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO accountsync_pushers (user_id, app_id, pushkey, kind, app_display_name, "
      "device_display_name, profile_tag, lang, data, device_id, created_ms) VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (user_id, app_id, pushkey) "
      "DO UPDATE SET kind = excluded.kind, app_display_name = excluded.app_display_name, "
      "device_display_name = excluded.device_display_name, profile_tag = excluded.profile_tag, "
      "lang = excluded.lang, data = excluded.data, device_id = excluded.device_id",
      {userId, p.appId, p.pushkey, p.kind, p.appDisplayName, p.deviceDisplayName,
       optionalText(p.profileTag), p.lang, json::canonical(p.data), p.deviceId, p.createdMs}));
  return {};
}

Status SqlAccountStore::deletePusher(Executor& ex, std::string_view userId, std::string_view appId,
                                     std::string_view pushkey) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_pushers WHERE user_id = $1 AND "
                 "app_id = $2 AND pushkey = $3",
                 {userId, appId, pushkey}));
  return {};
}

Status SqlAccountStore::deletePushersOfOthers(Executor& ex, std::string_view appId,
                                              std::string_view pushkey,
                                              std::string_view exceptUserId) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM accountsync_pushers WHERE app_id = $1 AND "
                 "pushkey = $2 AND user_id <> $3",
                 {appId, pushkey, exceptUserId}));
  return {};
}

Status SqlAccountStore::deleteUserPushers(Executor& ex, std::string_view userId) {
  PLEXUS_TRY_VOID(ex.execute("DELETE FROM accountsync_pushers WHERE user_id = $1", {userId}));
  return {};
}

Result<std::vector<Pusher>> SqlAccountStore::listPushers(Executor& ex, std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT app_id, pushkey, kind, app_display_name, "
                                 "device_display_name, profile_tag, lang, data, device_id, "
                                 "created_ms FROM accountsync_pushers WHERE user_id = $1 "
                                 "ORDER BY app_id, pushkey",
                                 {userId}));
  std::vector<Pusher> out;
  for (Row row : rows) {
    Pusher p;
    PLEXUS_TRY(p.appId, row.text(0));
    PLEXUS_TRY(p.pushkey, row.text(1));
    PLEXUS_TRY(p.kind, row.text(2));
    PLEXUS_TRY(p.appDisplayName, row.text(3));
    PLEXUS_TRY(p.deviceDisplayName, row.text(4));
    PLEXUS_TRY(p.profileTag, row.optionalText(5));
    PLEXUS_TRY(p.lang, row.text(6));
    PLEXUS_TRY(std::string data, row.text(7));
    PLEXUS_TRY(p.data, parseStoredObject(data));
    PLEXUS_TRY(p.deviceId, row.text(8));
    PLEXUS_TRY(p.createdMs, row.int64(9));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace plexus::accountsync
