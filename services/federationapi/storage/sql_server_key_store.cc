// SqlServerKeyStore: our signing keys, the remote key cache and the stored key responses.
#include "federationapi/storage/sql_server_key_store.h"

#include "federationapi/storage/migrations.h"
#include "plexus/crypto/base64.h"
#include "plexus/storage/migrations.h"

namespace plexus::federationapi {

using storage::Params;

Status SqlServerKeyStore::migrate(storage::Database& db) {
  PLEXUS_TRY_VOID(storage::migrate(db, "federationapi", federationApiMigrations()));
  return {};
}

Result<std::vector<OwnKey>> SqlServerKeyStore::ownKeys(Executor& ex) {
  PLEXUS_TRY(auto rows,
             ex.query("SELECT key_id, public_key, seed, created_ts, expired_ts "
                      "FROM federationapi_signing_keys "
                      "ORDER BY (CASE WHEN expired_ts IS NULL THEN 0 ELSE 1 END), key_id"));
  std::vector<OwnKey> out;
  for (auto row : rows) {
    OwnKey key;
    PLEXUS_TRY(key.keyId, row.text(0));
    PLEXUS_TRY(auto publicKey, row.text(1));
    PLEXUS_TRY(auto seed, row.optionalText(2));
    PLEXUS_TRY(key.createdTs, row.int64(3));
    PLEXUS_TRY(key.expiredTs, row.optionalInt64(4));
    auto parsedPublic = crypto::PublicKey::fromBase64(publicKey);
    if (!parsedPublic)
      return fail(ErrorCode::kInternal, "stored signing key is corrupt: " + key.keyId);
    key.publicKey = *parsedPublic;
    if (seed && !key.expiredTs) {
      key.key = crypto::SigningKey::fromSeedBase64(*seed);
      if (!key.key || !(key.key->publicKey() == key.publicKey))
        return fail(ErrorCode::kInternal, "stored signing key is corrupt: " + key.keyId);
    }
    out.push_back(std::move(key));
  }
  return out;
}

Result<bool> SqlServerKeyStore::addOwnKey(Executor& ex, std::string_view keyId,
                                          const crypto::SigningKey& key, std::int64_t nowMs) {
  PLEXUS_TRY(auto changed,
             ex.execute("INSERT INTO federationapi_signing_keys "
                        "(key_id, public_key, seed, created_ts) VALUES ($1, $2, $3, $4) "
                        "ON CONFLICT DO NOTHING",
                        Params{keyId, key.publicKey().toBase64(), crypto::encodeBase64(key.seed()),
                               nowMs}));
  return changed > 0;
}

Result<std::int64_t> SqlServerKeyStore::retireOwnKeys(Executor& ex, std::int64_t nowMs) {
  return ex.execute(
      "UPDATE federationapi_signing_keys SET expired_ts = $1, seed = NULL "
      "WHERE expired_ts IS NULL",
      Params{nowMs});
}

Result<std::vector<RemoteKey>> SqlServerKeyStore::remoteKeys(Executor& ex) {
  PLEXUS_TRY(auto rows, ex.query("SELECT server_name, key_id, public_key, valid_until_ts, "
                                 "expired_ts FROM federationapi_remote_keys "
                                 "ORDER BY server_name, key_id"));
  std::vector<RemoteKey> out;
  for (auto row : rows) {
    RemoteKey key;
    PLEXUS_TRY(key.serverName, row.text(0));
    PLEXUS_TRY(key.keyId, row.text(1));
    PLEXUS_TRY(auto publicKey, row.text(2));
    PLEXUS_TRY(key.record.validUntilTs, row.int64(3));
    PLEXUS_TRY(key.record.expiredTs, row.optionalInt64(4));
    auto parsed = crypto::PublicKey::fromBase64(publicKey);
    if (!parsed) return fail(ErrorCode::kInternal, "cached key is corrupt: " + key.keyId);
    key.record.key = *parsed;
    out.push_back(std::move(key));
  }
  return out;
}

Status SqlServerKeyStore::putRemoteKey(Executor& ex, const RemoteKey& key) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO federationapi_remote_keys "
      "(server_name, key_id, public_key, valid_until_ts, expired_ts) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (server_name, key_id) DO UPDATE SET public_key = excluded.public_key, "
      "valid_until_ts = excluded.valid_until_ts, expired_ts = excluded.expired_ts",
      Params{key.serverName, key.keyId, key.record.key.toBase64(), key.record.validUntilTs,
             key.record.expiredTs}));
  return {};
}

Result<std::optional<StoredKeyResponse>> SqlServerKeyStore::keyResponse(
    Executor& ex, std::string_view serverName) {
  PLEXUS_TRY(auto rows, ex.query("SELECT response_json, valid_until_ts, fetched_ts "
                                 "FROM federationapi_remote_key_responses WHERE server_name = $1",
                                 Params{serverName}));
  if (rows.empty()) return std::optional<StoredKeyResponse>{};
  StoredKeyResponse out;
  out.serverName = std::string(serverName);
  auto row = rows.front();
  PLEXUS_TRY(out.responseJson, row.text(0));
  PLEXUS_TRY(out.validUntilTs, row.int64(1));
  PLEXUS_TRY(out.fetchedTs, row.int64(2));
  return std::optional<StoredKeyResponse>(std::move(out));
}

Status SqlServerKeyStore::putKeyResponse(Executor& ex, const StoredKeyResponse& response) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO federationapi_remote_key_responses "
      "(server_name, response_json, valid_until_ts, fetched_ts) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (server_name) DO UPDATE SET response_json = excluded.response_json, "
      "valid_until_ts = excluded.valid_until_ts, fetched_ts = excluded.fetched_ts "
      "WHERE excluded.valid_until_ts >= federationapi_remote_key_responses.valid_until_ts",
      Params{response.serverName, response.responseJson, response.validUntilTs,
             response.fetchedTs}));
  return {};
}

}  // namespace plexus::federationapi
