// MediaService: the in-process MediaApi. Content goes to ContentFiles (content-addressed,
// atomic writes), metadata to MediaStore; thumbnails are rendered on first request, then
// served from the cache. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>

#include "media/api/media_api.h"
#include "media/impl/content_files.h"
#include "media/storage/media_store.h"
#include "plexus/storage/database.h"

namespace plexus::media {

struct MediaServiceOptions {
  std::int64_t maxUploadBytes = 50 * 1024 * 1024;
  // Images whose header declares more pixels are not decoded (RGBA: 4 bytes per pixel).
  std::int64_t maxImagePixels = 32 * 1000 * 1000;
  // Thumbnails decoded at once; bounds the memory decoding can take.
  int maxConcurrentThumbnails = 2;
  // How long an ID from performCreate waits for its content, and how many a user may hold.
  std::int64_t pendingLifetimeMs = 24 * 3600 * 1000;
  std::int64_t maxPendingPerUser = 10;
  // ms since the epoch; the real clock when empty.
  std::function<std::int64_t()> clock;
};

class MediaService final : public MediaApi {
 public:
  using Options = MediaServiceOptions;

  // Applies the media schema migrations. Errors: those of storage::migrate.
  static Status migrate(storage::Database& db);

  // `db` must outlive the service; call migrate() first. `mediaDir` is created on first write.
  MediaService(std::string serverName, storage::Database& db, std::string mediaDir,
               Options options = {});
  ~MediaService() override;

  // MediaApi
  Result<UploadResult> performUpload(const CallContext& ctx, const UploadRequest& request) override;
  Result<CreatedMedia> performCreate(const CallContext& ctx,
                                     std::string_view uploaderUserId) override;
  Status performUploadTo(const CallContext& ctx, std::string_view serverName,
                         std::string_view mediaId, const UploadRequest& request) override;
  Result<MediaContent> queryMedia(const CallContext& ctx, std::string_view serverName,
                                  std::string_view mediaId, std::int64_t maxWaitMs) override;
  Result<MediaMetadata> queryMetadata(const CallContext& ctx, std::string_view serverName,
                                      std::string_view mediaId) override;
  Result<Thumbnail> queryThumbnail(const CallContext& ctx,
                                   const ThumbnailRequest& request) override;
  MediaConfig queryConfig(const CallContext& ctx) override;

 private:
  std::int64_t nowMs() const;
  Status validateUpload(const UploadRequest& request) const;
  // The uploaded item's row; kNotFound / kNotYetUploaded otherwise.
  Result<MediaRow> loadUploaded(std::string_view serverName, std::string_view mediaId);
  Result<MediaMetadata> toMetadata(const MediaRow& row);

  std::string serverName_;
  storage::Database& db_;
  ContentFiles files_;
  std::unique_ptr<MediaStore> store_;
  Options options_;
  std::counting_semaphore<> decodeSlots_;
  // Wakes downloads waiting for an asynchronous upload in this process.
  std::mutex uploadMutex_;
  std::condition_variable uploaded_;
};

// A random media ID: 24 characters of [A-Za-z0-9].
std::string generateMediaId();

}  // namespace plexus::media
