// SqlKeyStore: server-side key backup (versions and per-session keys).
#include "keyserver/storage/sql_key_store.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::keyserver {

using storage::Params;

Result<std::int64_t> SqlKeyStore::createBackupVersion(Executor& ex, std::string_view userId,
                                                      std::string_view algorithm,
                                                      std::string_view authDataJson) {
  // Deleted versions keep their row so that a version number is never handed out twice.
  PLEXUS_TRY(auto rows, ex.query(
      "INSERT INTO keyserver_backup_versions (user_id, version, algorithm, auth_data) "
      "SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3 FROM keyserver_backup_versions "
      "WHERE user_id = $1 RETURNING version",
      Params{userId, algorithm, authDataJson}));
  if (rows.empty()) return fail(ErrorCode::kInternal, "backup version insert returned nothing");
  return rows.front().int64(0);
}

Result<std::optional<StoredBackupVersion>> SqlKeyStore::backupVersion(
    Executor& ex, std::string_view userId, std::optional<std::int64_t> version) {
  auto rows = version
                  ? ex.query("SELECT version, algorithm, auth_data, etag FROM "
                             "keyserver_backup_versions WHERE user_id = $1 AND version = $2 "
                             "AND deleted = 0",
                             Params{userId, *version})
                  : ex.query("SELECT version, algorithm, auth_data, etag FROM "
                             "keyserver_backup_versions WHERE user_id = $1 AND deleted = 0 "
                             "ORDER BY version DESC LIMIT 1",
                             Params{userId});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<StoredBackupVersion>{};
  auto row = rows->front();
  StoredBackupVersion v;
  PLEXUS_TRY(v.version, row.int64(0));
  PLEXUS_TRY(v.algorithm, row.text(1));
  PLEXUS_TRY(v.authDataJson, row.text(2));
  PLEXUS_TRY(v.etag, row.int64(3));
  return std::optional<StoredBackupVersion>(std::move(v));
}

Status SqlKeyStore::updateBackupAuthData(Executor& ex, std::string_view userId,
                                         std::int64_t version, std::string_view authDataJson) {
  PLEXUS_TRY_VOID(ex.execute("UPDATE keyserver_backup_versions SET auth_data = $3 "
                             "WHERE user_id = $1 AND version = $2 AND deleted = 0",
                             Params{userId, version, authDataJson}));
  return {};
}

Result<bool> SqlKeyStore::deleteBackupVersion(Executor& ex, std::string_view userId,
                                              std::int64_t version) {
  PLEXUS_TRY(auto changed, ex.execute("UPDATE keyserver_backup_versions SET deleted = 1 "
                                      "WHERE user_id = $1 AND version = $2 AND deleted = 0",
                                      Params{userId, version}));
  PLEXUS_TRY_VOID(ex.execute(
      "DELETE FROM keyserver_backup_keys WHERE user_id = $1 AND version = $2",
      Params{userId, version}));
  return changed > 0;
}

Status SqlKeyStore::bumpBackupEtag(Executor& ex, std::string_view userId, std::int64_t version) {
  PLEXUS_TRY_VOID(ex.execute("UPDATE keyserver_backup_versions SET etag = etag + 1 "
                             "WHERE user_id = $1 AND version = $2",
                             Params{userId, version}));
  return {};
}

Result<std::int64_t> SqlKeyStore::countBackupKeys(Executor& ex, std::string_view userId,
                                                  std::int64_t version) {
  PLEXUS_TRY(auto rows, ex.query("SELECT COUNT(*) FROM keyserver_backup_keys "
                                 "WHERE user_id = $1 AND version = $2",
                                 Params{userId, version}));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().int64(0);
}

namespace {

// The WHERE clause and parameters selecting keys of a version (all, one room, one session).
std::string selectorWhere(const BackupKeySelector& selector, Params& params) {
  std::string where = "user_id = $1 AND version = $2";
  if (selector.roomId) {
    params.emplace_back(*selector.roomId);
    where += " AND room_id = $3";
    if (selector.sessionId) {
      params.emplace_back(*selector.sessionId);
      where += " AND session_id = $4";
    }
  }
  return where;
}

}  // namespace

Result<BackupKeys> SqlKeyStore::backupKeys(Executor& ex, std::string_view userId,
                                           std::int64_t version,
                                           const BackupKeySelector& selector) {
  Params params{userId, version};
  std::string sql =
      "SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, "
      "session_data FROM keyserver_backup_keys WHERE " +
      selectorWhere(selector, params) + " ORDER BY room_id, session_id";
  PLEXUS_TRY(auto rows, ex.query(sql, params));
  BackupKeys keys;
  for (auto row : rows) {
    PLEXUS_TRY(auto roomId, row.text(0));
    PLEXUS_TRY(auto sessionId, row.text(1));
    BackupKeyData data;
    PLEXUS_TRY(data.firstMessageIndex, row.int64(2));
    PLEXUS_TRY(data.forwardedCount, row.int64(3));
    PLEXUS_TRY(auto verified, row.int64(4));
    data.isVerified = verified != 0;
    PLEXUS_TRY(auto sessionData, row.text(5));
    PLEXUS_TRY(data.sessionData, json::parseObject(sessionData));
    keys[roomId].emplace(std::move(sessionId), std::move(data));
  }
  return keys;
}

Status SqlKeyStore::putBackupKey(Executor& ex, std::string_view userId, std::int64_t version,
                                 std::string_view roomId, std::string_view sessionId,
                                 const BackupKeyData& data) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_backup_keys (user_id, version, room_id, session_id, "
      "first_message_index, forwarded_count, is_verified, session_data) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
      "ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET "
      "first_message_index = excluded.first_message_index, "
      "forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified, "
      "session_data = excluded.session_data",
      Params{userId, version, roomId, sessionId, data.firstMessageIndex, data.forwardedCount,
             data.isVerified ? 1 : 0, json::canonical(data.sessionData)}));
  return {};
}

Result<std::int64_t> SqlKeyStore::deleteBackupKeys(Executor& ex, std::string_view userId,
                                                   std::int64_t version,
                                                   const BackupKeySelector& selector) {
  Params params{userId, version};
  std::string sql = "DELETE FROM keyserver_backup_keys WHERE " + selectorWhere(selector, params);
  return ex.execute(sql, params);
}

}  // namespace plexus::keyserver
