// MediaService: the in-process MediaApi. Content goes to ContentFiles (content-addressed,
// atomic writes), metadata to MediaStore; thumbnails are rendered on first request, then
// served from the cache. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>

#include "media/api/media_api.h"
#include "media/api/remote_media_fetcher.h"
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

  // Late binding for the composition root (the federation sender is built after media): where
  // media of other servers comes from. nullptr (the default): remote media is kNotFound.
  // `fetcher` must outlive the service or be replaced first. Safe while requests run.
  void setRemoteFetcher(RemoteMediaFetcher* fetcher) { remoteFetcher_.store(fetcher); }

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
  // The uploaded item's row; kNotFound / kNotYetUploaded otherwise. Media of another server
  // comes from the cache or is fetched (remote_media.cc).
  Result<MediaRow> loadUploaded(const CallContext& ctx, std::string_view serverName,
                                std::string_view mediaId);
  // Remote media: the cached row, else one fetch per (server, ID) at a time, stored and
  // returned. Errors: kNotFound, kTooLarge, kUnavailable (remote_media.cc).
  Result<MediaRow> loadRemote(const CallContext& ctx, std::string_view serverName,
                              std::string_view mediaId);
  Status fetchAndStore(const CallContext& ctx, RemoteMediaFetcher& fetcher,
                       std::string_view serverName, std::string_view mediaId);
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
  // Remote media: the fetcher, and the fetches in flight by "server/id" (single flight).
  struct RemoteFetch {
    bool done = false;
    Status status;
  };
  std::atomic<RemoteMediaFetcher*> remoteFetcher_{nullptr};
  std::mutex fetchMutex_;
  std::condition_variable fetchDone_;
  std::map<std::string, std::shared_ptr<RemoteFetch>, std::less<>> fetches_;
};

// A random media ID: 24 characters of [A-Za-z0-9].
std::string generateMediaId();

}  // namespace plexus::media
