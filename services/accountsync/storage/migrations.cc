// The account-sync schema. Integers are BIGINT and flags 0/1 BIGINT so one DDL text serves
// SQLite and PostgreSQL alike; JSON is stored as canonical text.
#include "accountsync/storage/migrations.h"

#include <array>

namespace plexus::accountsync {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE accountsync_accounts (
  user_id TEXT PRIMARY KEY,
  password_hash TEXT,
  is_guest BIGINT NOT NULL DEFAULT 0,
  is_admin BIGINT NOT NULL DEFAULT 0,
  deactivated BIGINT NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL
);
CREATE TABLE accountsync_devices (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  display_name TEXT,
  last_seen_ts BIGINT,
  last_seen_ip TEXT,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_id)
);
CREATE TABLE accountsync_access_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  expires_ms BIGINT,
  created_ms BIGINT NOT NULL
);
CREATE INDEX accountsync_access_tokens_device ON accountsync_access_tokens (user_id, device_id);
CREATE TABLE accountsync_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  access_token_hash TEXT NOT NULL
);
CREATE INDEX accountsync_refresh_tokens_device ON accountsync_refresh_tokens (user_id, device_id);
CREATE TABLE accountsync_profiles (
  user_id TEXT PRIMARY KEY,
  display_name TEXT,
  avatar_url TEXT
);
CREATE TABLE accountsync_account_data (
  user_id TEXT NOT NULL,
  room_id TEXT NOT NULL,
  data_type TEXT NOT NULL,
  content TEXT NOT NULL,
  stream_pos BIGINT NOT NULL,
  PRIMARY KEY (user_id, room_id, data_type)
);
CREATE INDEX accountsync_account_data_pos ON accountsync_account_data (user_id, stream_pos);
CREATE TABLE accountsync_positions (
  name TEXT PRIMARY KEY,
  pos BIGINT NOT NULL
);
INSERT INTO accountsync_positions (name, pos) VALUES ('account_data', 0);
CREATE TABLE accountsync_pushers (
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  pushkey TEXT NOT NULL,
  kind TEXT NOT NULL,
  app_display_name TEXT NOT NULL,
  device_display_name TEXT NOT NULL,
  profile_tag TEXT,
  lang TEXT NOT NULL,
  data TEXT NOT NULL,
  device_id TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, app_id, pushkey)
);
CREATE INDEX accountsync_pushers_key ON accountsync_pushers (app_id, pushkey);
)sql";

// Admin restrictions; a row only for accounts ever locked or suspended.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE accountsync_account_restrictions (
  user_id TEXT PRIMARY KEY,
  locked BIGINT NOT NULL DEFAULT 0,
  suspended BIGINT NOT NULL DEFAULT 0
);
)sql";

// m.login.token tokens (POST /login/get_token), by hash: they outlive a restart and any
// account-sync process can redeem them.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE accountsync_login_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX accountsync_login_tokens_expiry ON accountsync_login_tokens (expires_ms);
)sql";

// OpenID tokens (POST /user/{userId}/openid/request_token), by hash: GET
// /_matrix/federation/v1/openid/userinfo resolves them in any account-sync process. The
// user_id index serves revocation on deactivation, the expiry index the bounded clean-up.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE accountsync_openid_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX accountsync_openid_tokens_user ON accountsync_openid_tokens (user_id);
CREATE INDEX accountsync_openid_tokens_expiry ON accountsync_openid_tokens (expires_ms);
)sql";

constexpr std::array<storage::Migration, 4> kMigrations = {{
    {1, "accounts, devices, tokens, profiles, account data, pushers", kV1},
    {2, "admin lock and suspension flags", kV2},
    {3, "login tokens", kV3},
    {4, "OpenID tokens", kV4},
}};

}  // namespace

std::span<const storage::Migration> accountSyncMigrations() { return kMigrations; }

}  // namespace plexus::accountsync
