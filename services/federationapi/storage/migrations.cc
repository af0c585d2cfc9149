// Schema of the federation API: our signing keys (current and retired) and the cache of other
// servers' keys, with the signed responses they came in so the notary can re-serve them.
#include "federationapi/storage/migrations.h"

#include <array>

namespace plexus::federationapi {
namespace {

// seed is the unpadded base64 ed25519 seed (as in the node's key file); it is cleared when the
// key is retired, since a retired key never signs again.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE federationapi_signing_keys (
  key_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  seed TEXT,
  created_ts BIGINT NOT NULL,
  expired_ts BIGINT
);
CREATE TABLE federationapi_remote_keys (
  server_name TEXT NOT NULL,
  key_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  valid_until_ts BIGINT NOT NULL,
  expired_ts BIGINT,
  PRIMARY KEY (server_name, key_id)
);
CREATE TABLE federationapi_remote_key_responses (
  server_name TEXT PRIMARY KEY,
  response_json TEXT NOT NULL,
  valid_until_ts BIGINT NOT NULL,
  fetched_ts BIGINT NOT NULL
);
)sql";

constexpr std::array kMigrations{
    storage::Migration{1, "signing keys and remote key cache", kV1},
};

}  // namespace

std::span<const storage::Migration> federationApiMigrations() { return kMigrations; }

}  // namespace plexus::federationapi
