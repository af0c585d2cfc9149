// SqlMediaStore: MediaStore over plexus::storage (SQLite and PostgreSQL, one SQL text each).
#pragma once

#include "media/storage/media_store.h"

namespace plexus::media {

class SqlMediaStore final : public MediaStore {
 public:
  // MediaStore
  Status insertMedia(storage::Executor& db, const MediaRow& row) override;
  Result<std::optional<MediaRow>> getMedia(storage::Executor& db, std::string_view serverName,
                                           std::string_view mediaId) override;
  Result<bool> completeUpload(storage::Executor& db, const MediaRow& row) override;
  Result<std::int64_t> countPending(storage::Executor& db, std::string_view uploaderUserId,
                                    std::int64_t nowMs) override;
  Result<std::int64_t> deleteExpiredPending(storage::Executor& db, std::int64_t nowMs) override;
  Status insertThumbnail(storage::Executor& db, std::string_view serverName,
                         std::string_view mediaId, const ThumbnailRow& row) override;
  Result<std::vector<ThumbnailRow>> listThumbnails(storage::Executor& db,
                                                   std::string_view serverName,
                                                   std::string_view mediaId) override;
};

}  // namespace plexus::media
