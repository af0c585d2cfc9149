// The media schema. Integers are BIGINT so one DDL text serves SQLite and PostgreSQL. Items are
// keyed by (server_name, media_id) so cached remote media (TODO(#4)) fits the same table.
#include "media/storage/migrations.h"

#include <array>

namespace plexus::media {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE media_items (
  server_name TEXT NOT NULL,
  media_id TEXT NOT NULL,
  uploader TEXT NOT NULL,
  content_type TEXT NOT NULL,
  file_name TEXT,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  uploaded_ms BIGINT,
  expires_ms BIGINT,
  PRIMARY KEY (server_name, media_id)
);
CREATE INDEX media_items_pending ON media_items (uploader, expires_ms);
CREATE TABLE media_thumbnails (
  server_name TEXT NOT NULL,
  media_id TEXT NOT NULL,
  width BIGINT NOT NULL,
  height BIGINT NOT NULL,
  method TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (server_name, media_id, width, height, method)
);
)sql";

constexpr std::array kMigrations = {
    storage::Migration{1, "media items and thumbnails", kV1},
};

}  // namespace

std::span<const storage::Migration> mediaMigrations() { return kMigrations; }

}  // namespace plexus::media
