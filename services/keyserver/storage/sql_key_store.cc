// SqlKeyStore: devices, one-time and fallback keys, cross-signing keys, signatures and the
// device-list stream (key backup is in sql_backup_store.cc).
#include "keyserver/storage/sql_key_store.h"

#include "keyserver/storage/migrations.h"

namespace plexus::keyserver {

using storage::Params;

std::string_view crossSigningKeyTypeName(CrossSigningKeyType type) {
  switch (type) {
    case CrossSigningKeyType::kMaster: return "master";
    case CrossSigningKeyType::kSelfSigning: return "self_signing";
    case CrossSigningKeyType::kUserSigning: return "user_signing";
  }
  return "master";
}

Status SqlKeyStore::migrate(storage::Database& db) {
  PLEXUS_TRY_VOID(storage::migrate(db, "keyserver", keyserverMigrations()));
  return {};
}

// ---- devices ----

namespace {

Result<StoredDevice> readDevice(const storage::Row& row) {
  StoredDevice d;
  PLEXUS_TRY(d.deviceId, row.text(0));
  PLEXUS_TRY(d.keyJson, row.optionalText(1));
  PLEXUS_TRY(d.displayName, row.optionalText(2));
  return d;
}

}  // namespace

Result<std::optional<StoredDevice>> SqlKeyStore::device(Executor& ex, std::string_view userId,
                                                        std::string_view deviceId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT device_id, key_json, display_name FROM keyserver_devices "
                                 "WHERE user_id = $1 AND device_id = $2",
                                 Params{userId, deviceId}));
  if (rows.empty()) return std::optional<StoredDevice>{};
  PLEXUS_TRY(auto d, readDevice(rows.front()));
  return std::optional<StoredDevice>(std::move(d));
}

Result<std::vector<StoredDevice>> SqlKeyStore::devices(Executor& ex, std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT device_id, key_json, display_name FROM keyserver_devices "
                                 "WHERE user_id = $1 ORDER BY device_id",
                                 Params{userId}));
  std::vector<StoredDevice> out;
  for (auto row : rows) {
    PLEXUS_TRY(auto d, readDevice(row));
    out.push_back(std::move(d));
  }
  return out;
}

Status SqlKeyStore::setDeviceKeys(Executor& ex, std::string_view userId,
                                  std::string_view deviceId, std::string_view keyJson) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_devices (user_id, device_id, key_json) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id, device_id) DO UPDATE SET key_json = excluded.key_json",
      Params{userId, deviceId, keyJson}));
  return {};
}

Status SqlKeyStore::setDisplayName(Executor& ex, std::string_view userId,
                                   std::string_view deviceId,
                                   const std::optional<std::string>& displayName) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_devices (user_id, device_id, display_name) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id, device_id) DO UPDATE SET display_name = excluded.display_name",
      Params{userId, deviceId, displayName}));
  return {};
}

Result<bool> SqlKeyStore::deleteDevice(Executor& ex, std::string_view userId,
                                       std::string_view deviceId) {
  Params p{userId, deviceId};
  PLEXUS_TRY(auto removed, ex.execute(
      "DELETE FROM keyserver_devices WHERE user_id = $1 AND device_id = $2", p));
  PLEXUS_TRY_VOID(ex.execute(
      "DELETE FROM keyserver_one_time_keys WHERE user_id = $1 AND device_id = $2", p));
  PLEXUS_TRY_VOID(ex.execute(
      "DELETE FROM keyserver_fallback_keys WHERE user_id = $1 AND device_id = $2", p));
  // A device's own signatures on the master key go too: a deleted device vouches for nothing.
  PLEXUS_TRY_VOID(ex.execute(
      "DELETE FROM keyserver_signatures WHERE (target_user_id = $1 AND target_key_id = $2) "
      "OR (origin_user_id = $1 AND origin_key_id = 'ed25519:' || $2)",
      p));
  return removed > 0;
}

Result<std::vector<std::string>> SqlKeyStore::deleteUser(Executor& ex, std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query(
      "DELETE FROM keyserver_devices WHERE user_id = $1 RETURNING device_id", Params{userId}));
  std::vector<std::string> deviceIds;
  for (auto row : rows) {
    PLEXUS_TRY(auto id, row.text(0));
    deviceIds.push_back(std::move(id));
  }
  for (std::string_view sql : {
           "DELETE FROM keyserver_one_time_keys WHERE user_id = $1",
           "DELETE FROM keyserver_fallback_keys WHERE user_id = $1",
           "DELETE FROM keyserver_cross_signing_keys WHERE user_id = $1",
           "DELETE FROM keyserver_signatures WHERE origin_user_id = $1 OR target_user_id = $1",
           "DELETE FROM keyserver_backup_keys WHERE user_id = $1",
           "UPDATE keyserver_backup_versions SET deleted = 1 WHERE user_id = $1",
       }) {
    PLEXUS_TRY_VOID(ex.execute(sql, Params{userId}));
  }
  return deviceIds;
}

// ---- one-time keys ----

Result<std::optional<std::string>> SqlKeyStore::oneTimeKey(Executor& ex, std::string_view userId,
                                                           std::string_view deviceId,
                                                           std::string_view keyId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT key_json FROM keyserver_one_time_keys "
                                 "WHERE user_id = $1 AND device_id = $2 AND key_id = $3",
                                 Params{userId, deviceId, keyId}));
  if (rows.empty()) return std::optional<std::string>{};
  PLEXUS_TRY(auto json, rows.front().text(0));
  return std::optional<std::string>(std::move(json));
}

Status SqlKeyStore::addOneTimeKey(Executor& ex, std::string_view userId,
                                  std::string_view deviceId, std::string_view algorithm,
                                  const StoredKey& key) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_one_time_keys (user_id, device_id, algorithm, key_id, key_json) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
      Params{userId, deviceId, algorithm, key.keyId, key.keyJson}));
  return {};
}

Result<OneTimeKeyCounts> SqlKeyStore::countOneTimeKeys(Executor& ex, std::string_view userId,
                                                       std::string_view deviceId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT algorithm, COUNT(*) FROM keyserver_one_time_keys "
                                 "WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm",
                                 Params{userId, deviceId}));
  OneTimeKeyCounts counts;
  for (auto row : rows) {
    PLEXUS_TRY(auto algorithm, row.text(0));
    PLEXUS_TRY(auto count, row.int64(1));
    counts[algorithm] = count;
  }
  return counts;
}

Result<std::optional<StoredKey>> SqlKeyStore::claimOneTimeKey(Executor& ex,
                                                              std::string_view userId,
                                                              std::string_view deviceId,
                                                              std::string_view algorithm) {
  // SQLite has one writer at a time, so the plain form is atomic there. On PostgreSQL two
  // claims would pick the same row and the second would delete nothing; SKIP LOCKED makes it
  // pick the next key instead.
  std::string_view sql =
      ex.dialect() == storage::Dialect::kPostgres
          ? "DELETE FROM keyserver_one_time_keys WHERE user_id = $1 AND device_id = $2 AND "
            "key_id = (SELECT key_id FROM keyserver_one_time_keys WHERE user_id = $1 AND "
            "device_id = $2 AND algorithm = $3 ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "RETURNING key_id, key_json"
          : "DELETE FROM keyserver_one_time_keys WHERE user_id = $1 AND device_id = $2 AND "
            "key_id = (SELECT key_id FROM keyserver_one_time_keys WHERE user_id = $1 AND "
            "device_id = $2 AND algorithm = $3 ORDER BY key_id LIMIT 1) "
            "RETURNING key_id, key_json";
  PLEXUS_TRY(auto rows, ex.query(sql, Params{userId, deviceId, algorithm}));
  if (rows.empty()) return std::optional<StoredKey>{};
  StoredKey key;
  PLEXUS_TRY(key.keyId, rows.front().text(0));
  PLEXUS_TRY(key.keyJson, rows.front().text(1));
  return std::optional<StoredKey>(std::move(key));
}

// ---- fallback keys ----

Result<std::optional<StoredFallbackKey>> SqlKeyStore::fallbackKey(Executor& ex,
                                                                  std::string_view userId,
                                                                  std::string_view deviceId,
                                                                  std::string_view algorithm) {
  PLEXUS_TRY(auto rows, ex.query("SELECT key_id, key_json, used FROM keyserver_fallback_keys "
                                 "WHERE user_id = $1 AND device_id = $2 AND algorithm = $3",
                                 Params{userId, deviceId, algorithm}));
  if (rows.empty()) return std::optional<StoredFallbackKey>{};
  StoredFallbackKey key;
  PLEXUS_TRY(key.key.keyId, rows.front().text(0));
  PLEXUS_TRY(key.key.keyJson, rows.front().text(1));
  PLEXUS_TRY(auto used, rows.front().int64(2));
  key.used = used != 0;
  return std::optional<StoredFallbackKey>(std::move(key));
}

Status SqlKeyStore::setFallbackKey(Executor& ex, std::string_view userId,
                                   std::string_view deviceId, std::string_view algorithm,
                                   const StoredKey& key) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) "
      "VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (user_id, device_id, algorithm) DO UPDATE "
      "SET key_id = excluded.key_id, key_json = excluded.key_json, used = 0",
      Params{userId, deviceId, algorithm, key.keyId, key.keyJson}));
  return {};
}

Result<std::optional<StoredKey>> SqlKeyStore::useFallbackKey(Executor& ex,
                                                             std::string_view userId,
                                                             std::string_view deviceId,
                                                             std::string_view algorithm) {
  PLEXUS_TRY(auto rows, ex.query("UPDATE keyserver_fallback_keys SET used = 1 "
                                 "WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 "
                                 "RETURNING key_id, key_json",
                                 Params{userId, deviceId, algorithm}));
  if (rows.empty()) return std::optional<StoredKey>{};
  StoredKey key;
  PLEXUS_TRY(key.keyId, rows.front().text(0));
  PLEXUS_TRY(key.keyJson, rows.front().text(1));
  return std::optional<StoredKey>(std::move(key));
}

Result<std::vector<std::string>> SqlKeyStore::unusedFallbackAlgorithms(Executor& ex,
                                                                       std::string_view userId,
                                                                       std::string_view deviceId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT algorithm FROM keyserver_fallback_keys WHERE user_id = $1 "
                                 "AND device_id = $2 AND used = 0 ORDER BY algorithm",
                                 Params{userId, deviceId}));
  std::vector<std::string> out;
  for (auto row : rows) {
    PLEXUS_TRY(auto algorithm, row.text(0));
    out.push_back(std::move(algorithm));
  }
  return out;
}

// ---- cross-signing keys and signatures ----

Result<std::optional<std::string>> SqlKeyStore::crossSigningKey(Executor& ex,
                                                                std::string_view userId,
                                                                CrossSigningKeyType type) {
  PLEXUS_TRY(auto rows, ex.query("SELECT key_json FROM keyserver_cross_signing_keys "
                                 "WHERE user_id = $1 AND key_type = $2",
                                 Params{userId, crossSigningKeyTypeName(type)}));
  if (rows.empty()) return std::optional<std::string>{};
  PLEXUS_TRY(auto json, rows.front().text(0));
  return std::optional<std::string>(std::move(json));
}

Status SqlKeyStore::setCrossSigningKey(Executor& ex, std::string_view userId,
                                       CrossSigningKeyType type, std::string_view keyJson) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_cross_signing_keys (user_id, key_type, key_json) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id, key_type) DO UPDATE SET key_json = excluded.key_json",
      Params{userId, crossSigningKeyTypeName(type), keyJson}));
  return {};
}

Status SqlKeyStore::putSignature(Executor& ex, const StoredSignature& s) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_signatures (origin_user_id, origin_key_id, target_user_id, "
      "target_key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (target_user_id, "
      "target_key_id, origin_user_id, origin_key_id) DO UPDATE SET signature = excluded.signature",
      Params{s.originUserId, s.originKeyId, s.targetUserId, s.targetKeyId, s.signature}));
  return {};
}

Result<std::vector<StoredSignature>> SqlKeyStore::signaturesOn(Executor& ex,
                                                               std::string_view targetUserId,
                                                               std::string_view targetKeyId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT origin_user_id, origin_key_id, signature "
                                 "FROM keyserver_signatures WHERE target_user_id = $1 AND "
                                 "target_key_id = $2 ORDER BY origin_user_id, origin_key_id",
                                 Params{targetUserId, targetKeyId}));
  std::vector<StoredSignature> out;
  for (auto row : rows) {
    StoredSignature s;
    PLEXUS_TRY(s.originUserId, row.text(0));
    PLEXUS_TRY(s.originKeyId, row.text(1));
    PLEXUS_TRY(s.signature, row.text(2));
    s.targetUserId = std::string(targetUserId);
    s.targetKeyId = std::string(targetKeyId);
    out.push_back(std::move(s));
  }
  return out;
}

// ---- device-list stream ----

Result<std::int64_t> SqlKeyStore::appendDeviceListChange(Executor& ex, std::string_view userId,
                                                         std::string_view deviceId,
                                                         bool deleted) {
  // The counter row stays locked until commit, so positions commit in order and a reader
  // who sees position p can already read every change up to p.
  PLEXUS_TRY(auto rows, ex.query(
      "UPDATE keyserver_stream SET position = position + 1 WHERE id = 1 RETURNING position"));
  if (rows.empty()) return fail(ErrorCode::kInternal, "keyserver_stream row missing");
  PLEXUS_TRY(auto position, rows.front().int64(0));
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_device_list_changes (position, user_id, device_id, deleted) "
      "VALUES ($1, $2, $3, $4)",
      Params{position, userId, deviceId, deleted ? 1 : 0}));
  return position;
}

Result<std::int64_t> SqlKeyStore::deviceListPosition(Executor& ex) {
  PLEXUS_TRY(auto rows, ex.query("SELECT position FROM keyserver_stream WHERE id = 1"));
  if (rows.empty()) return fail(ErrorCode::kInternal, "keyserver_stream row missing");
  return rows.front().int64(0);
}

Result<std::vector<std::string>> SqlKeyStore::usersChangedBetween(Executor& ex, std::int64_t from,
                                                                  std::int64_t to) {
  PLEXUS_TRY(auto rows, ex.query("SELECT DISTINCT user_id FROM keyserver_device_list_changes "
                                 "WHERE position > $1 AND position <= $2 ORDER BY user_id",
                                 Params{from, to}));
  std::vector<std::string> out;
  for (auto row : rows) {
    PLEXUS_TRY(auto user, row.text(0));
    out.push_back(std::move(user));
  }
  return out;
}

Result<std::optional<std::int64_t>> SqlKeyStore::previousDeviceChange(Executor& ex,
                                                                      std::string_view userId,
                                                                      std::int64_t before) {
  PLEXUS_TRY(auto rows, ex.query("SELECT MAX(position) FROM keyserver_device_list_changes "
                                 "WHERE user_id = $1 AND device_id <> '' AND position < $2",
                                 Params{userId, before}));
  if (rows.empty()) return std::optional<std::int64_t>{};
  PLEXUS_TRY(auto position, rows.front().optionalInt64(0));
  return position;
}

// ---- remote users ----

Result<std::optional<RemoteDeviceList>> SqlKeyStore::remoteDeviceList(Executor& ex,
                                                                      std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT stream_id, stale FROM keyserver_remote_device_lists "
                                 "WHERE user_id = $1",
                                 Params{userId}));
  if (rows.empty()) return std::optional<RemoteDeviceList>{};
  RemoteDeviceList list;
  PLEXUS_TRY(list.streamId, rows.front().int64(0));
  PLEXUS_TRY(auto stale, rows.front().int64(1));
  list.stale = stale != 0;
  return std::optional<RemoteDeviceList>(list);
}

Status SqlKeyStore::setRemoteDeviceList(Executor& ex, std::string_view userId,
                                        const RemoteDeviceList& list) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO keyserver_remote_device_lists (user_id, stream_id, stale) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id, stale = excluded.stale",
      Params{userId, list.streamId, list.stale ? 1 : 0}));
  return {};
}

Status SqlKeyStore::deleteCrossSigningKey(Executor& ex, std::string_view userId,
                                          CrossSigningKeyType type) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM keyserver_cross_signing_keys WHERE user_id = $1 AND key_type = $2",
                 Params{userId, crossSigningKeyTypeName(type)}));
  return {};
}

}  // namespace plexus::keyserver
