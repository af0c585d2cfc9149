// Schema of the keyserver: devices with their keys, one-time and fallback keys, cross-signing
// keys and signatures, the device-list change stream, key backup, and which remote users'
// device lists are cached. JSON is canonical text.
#include "keyserver/storage/migrations.h"

#include <array>

namespace plexus::keyserver {
namespace {

constexpr std::string_view kCommon = R"sql(
CREATE TABLE keyserver_devices (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  key_json TEXT,
  display_name TEXT,
  PRIMARY KEY (user_id, device_id)
);
CREATE TABLE keyserver_one_time_keys (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_json TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id, key_id)
);
CREATE INDEX keyserver_one_time_keys_by_algorithm
  ON keyserver_one_time_keys (user_id, device_id, algorithm);
CREATE TABLE keyserver_fallback_keys (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_json TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, device_id, algorithm)
);
CREATE TABLE keyserver_cross_signing_keys (
  user_id TEXT NOT NULL,
  key_type TEXT NOT NULL,
  key_json TEXT NOT NULL,
  PRIMARY KEY (user_id, key_type)
);
CREATE TABLE keyserver_signatures (
  origin_user_id TEXT NOT NULL,
  origin_key_id TEXT NOT NULL,
  target_user_id TEXT NOT NULL,
  target_key_id TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (target_user_id, target_key_id, origin_user_id, origin_key_id)
);
CREATE INDEX keyserver_signatures_by_origin ON keyserver_signatures (origin_user_id);
CREATE TABLE keyserver_stream (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  position BIGINT NOT NULL
);
INSERT INTO keyserver_stream (id, position) VALUES (1, 0);
CREATE TABLE keyserver_device_list_changes (
  position BIGINT PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  deleted INTEGER NOT NULL
);
CREATE TABLE keyserver_backup_versions (
  user_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  algorithm TEXT NOT NULL,
  auth_data TEXT NOT NULL,
  etag BIGINT NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, version)
);
CREATE TABLE keyserver_backup_keys (
  user_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  room_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  first_message_index BIGINT NOT NULL,
  forwarded_count BIGINT NOT NULL,
  is_verified INTEGER NOT NULL,
  session_data TEXT NOT NULL,
  PRIMARY KEY (user_id, version, room_id, session_id)
);
)sql";

// Remote users' device lists (federation): their devices and cross-signing keys are cached in
// keyserver_devices / keyserver_cross_signing_keys like local users'; this table says which
// remote users are tracked, up to which of their server's stream IDs, and whether the cache
// needs a resync.
constexpr std::string_view kRemoteDeviceLists = R"sql(
CREATE TABLE keyserver_remote_device_lists (
  user_id TEXT PRIMARY KEY,
  stream_id BIGINT NOT NULL,
  stale INTEGER NOT NULL
);
CREATE INDEX keyserver_device_list_changes_by_user
  ON keyserver_device_list_changes (user_id, position);
)sql";

constexpr std::array<storage::Migration, 2> kMigrations = {{
    {1, "keyserver: devices, one-time/fallback keys, cross-signing, device lists, backup", kCommon},
    {2, "keyserver: remote users' device lists", kRemoteDeviceLists},
}};

}  // namespace

std::span<const storage::Migration> keyserverMigrations() { return kMigrations; }

}  // namespace plexus::keyserver
