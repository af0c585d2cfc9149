// SqlMediaStore: the SQL behind MediaStore.
#include "media/storage/sql_media_store.h"

namespace plexus::media {
namespace {

constexpr std::string_view kMediaColumns =
    "server_name, media_id, uploader, content_type, file_name, size_bytes, sha256, created_ms, "
    "uploaded_ms, expires_ms";

Result<MediaRow> readMedia(const storage::Row& r) {
  MediaRow row;
  PLEXUS_TRY(row.serverName, r.text(0));
  PLEXUS_TRY(row.mediaId, r.text(1));
  PLEXUS_TRY(row.uploaderUserId, r.text(2));
  PLEXUS_TRY(row.contentType, r.text(3));
  PLEXUS_TRY(row.fileName, r.optionalText(4));
  PLEXUS_TRY(row.sizeBytes, r.int64(5));
  PLEXUS_TRY(row.sha256, r.text(6));
  PLEXUS_TRY(row.createdMs, r.int64(7));
  PLEXUS_TRY(row.uploadedMs, r.optionalInt64(8));
  PLEXUS_TRY(row.expiresMs, r.optionalInt64(9));
  return row;
}

}  // namespace

Status SqlMediaStore::insertMedia(storage::Executor& db, const MediaRow& row) {
  auto done = db.execute(
      "INSERT INTO media_items (" + std::string(kMediaColumns) +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {row.serverName, row.mediaId, row.uploaderUserId, row.contentType, row.fileName,
       row.sizeBytes, row.sha256, row.createdMs, row.uploadedMs, row.expiresMs});
  if (!done.ok()) return done.error();
  return {};
}

Result<std::optional<MediaRow>> SqlMediaStore::getMedia(storage::Executor& db,
                                                        std::string_view serverName,
                                                        std::string_view mediaId) {
  PLEXUS_TRY(auto rows, db.query("SELECT " + std::string(kMediaColumns) +
                                     " FROM media_items WHERE server_name = $1 AND media_id = $2",
                                 {serverName, mediaId}));
  if (rows.empty()) return std::optional<MediaRow>();
  PLEXUS_TRY(auto row, readMedia(rows.front()));
  return std::optional<MediaRow>(std::move(row));
}

Result<bool> SqlMediaStore::completeUpload(storage::Executor& db, const MediaRow& row) {
  PLEXUS_TRY(auto changed,
             db.execute("UPDATE media_items SET content_type = $3, file_name = $4, "
                        "size_bytes = $5, sha256 = $6, uploaded_ms = $7, expires_ms = NULL "
                        "WHERE server_name = $1 AND media_id = $2 AND sha256 = ''",
                        {row.serverName, row.mediaId, row.contentType, row.fileName,
                         row.sizeBytes, row.sha256, row.uploadedMs}));
  return changed == 1;
}

Result<std::int64_t> SqlMediaStore::countPending(storage::Executor& db,
                                                 std::string_view uploaderUserId,
                                                 std::int64_t nowMs) {
  PLEXUS_TRY(auto rows, db.query("SELECT COUNT(*) FROM media_items WHERE uploader = $1 "
                                 "AND sha256 = '' AND expires_ms > $2",
                                 {uploaderUserId, nowMs}));
  return rows.front().int64(0);
}

Result<std::int64_t> SqlMediaStore::deleteExpiredPending(storage::Executor& db,
                                                         std::int64_t nowMs) {
  return db.execute("DELETE FROM media_items WHERE sha256 = '' AND expires_ms <= $1", {nowMs});
}

Status SqlMediaStore::insertThumbnail(storage::Executor& db, std::string_view serverName,
                                      std::string_view mediaId, const ThumbnailRow& row) {
  auto done = db.execute(
      "INSERT INTO media_thumbnails (server_name, media_id, width, height, method, "
      "content_type, size_bytes, sha256, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT DO NOTHING",
      {serverName, mediaId, row.width, row.height, row.method, row.contentType, row.sizeBytes,
       row.sha256, row.createdMs});
  if (!done.ok()) return done.error();
  return {};
}

Result<std::vector<ThumbnailRow>> SqlMediaStore::listThumbnails(storage::Executor& db,
                                                                std::string_view serverName,
                                                                std::string_view mediaId) {
  PLEXUS_TRY(auto rows,
             db.query("SELECT width, height, method, content_type, size_bytes, sha256, "
                      "created_ms FROM media_thumbnails WHERE server_name = $1 AND media_id = $2 "
                      "ORDER BY width * height, method",
                      {serverName, mediaId}));
  std::vector<ThumbnailRow> out;
  for (auto r : rows) {
    ThumbnailRow t;
    PLEXUS_TRY(auto w, r.int64(0));
    PLEXUS_TRY(auto h, r.int64(1));
    t.width = static_cast<std::int32_t>(w);
    t.height = static_cast<std::int32_t>(h);
    PLEXUS_TRY(t.method, r.text(2));
    PLEXUS_TRY(t.contentType, r.text(3));
    PLEXUS_TRY(t.sizeBytes, r.int64(4));
    PLEXUS_TRY(t.sha256, r.text(5));
    PLEXUS_TRY(t.createdMs, r.int64(6));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace plexus::media
