// MediaStore: the media service's metadata tables (media items and their thumbnails). Content
// bytes live in files (impl/content_files.h); rows name them by SHA-256. Methods take an
// Executor so they run alone or inside a transaction; not thread-safe beyond what the
// Executor is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::media {

// One media item. sha256 is empty while an asynchronous upload is pending.
struct MediaRow {
  std::string serverName;
  std::string mediaId;
  std::string uploaderUserId;
  std::string contentType;
  std::optional<std::string> fileName;
  std::int64_t sizeBytes = 0;
  std::string sha256;
  std::int64_t createdMs = 0;                  // reservation or upload time
  std::optional<std::int64_t> uploadedMs;      // when the content arrived
  std::optional<std::int64_t> expiresMs;       // pending reservations only

  bool pending() const { return sha256.empty(); }
};

struct ThumbnailRow {
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::string method;  // "crop" / "scale"
  std::string contentType;
  std::int64_t sizeBytes = 0;
  std::string sha256;
  std::int64_t createdMs = 0;
};

class MediaStore {
 public:
  virtual ~MediaStore() = default;

  // Inserts a new item (uploaded or pending). A taken (serverName, mediaId) is a unique
  // violation (storage::isUniqueViolation).
  virtual Status insertMedia(storage::Executor& db, const MediaRow& row) = 0;
  virtual Result<std::optional<MediaRow>> getMedia(storage::Executor& db,
                                                   std::string_view serverName,
                                                   std::string_view mediaId) = 0;
  // Fills a pending item with its content; false when the item is not pending (already
  // uploaded, or gone).
  virtual Result<bool> completeUpload(storage::Executor& db, const MediaRow& row) = 0;
  // Pending reservations of `uploaderUserId` that have not expired at `nowMs`.
  virtual Result<std::int64_t> countPending(storage::Executor& db,
                                            std::string_view uploaderUserId,
                                            std::int64_t nowMs) = 0;
  // Deletes pending reservations that expired before `nowMs`; returns how many.
  virtual Result<std::int64_t> deleteExpiredPending(storage::Executor& db, std::int64_t nowMs) = 0;

  // Records a generated thumbnail; a second insert of the same size and method is ignored.
  virtual Status insertThumbnail(storage::Executor& db, std::string_view serverName,
                                 std::string_view mediaId, const ThumbnailRow& row) = 0;
  // Thumbnails of an item, smallest first.
  virtual Result<std::vector<ThumbnailRow>> listThumbnails(storage::Executor& db,
                                                           std::string_view serverName,
                                                           std::string_view mediaId) = 0;
};

}  // namespace plexus::media
