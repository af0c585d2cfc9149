// MediaService: uploads (direct and asynchronous), downloads and config. Thumbnails are in
// media_service_thumbnails.cc.
#include "media/impl/media_service.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>

#include "media/storage/migrations.h"
#include "media/storage/sql_media_store.h"
#include "plexus/storage/errors.h"
#include "plexus/storage/migrations.h"

namespace plexus::media {
namespace {

constexpr std::string_view kDefaultContentType = "application/octet-stream";
constexpr std::int64_t kPollMs = 200;  // re-check the database while waiting (other processes)

bool hasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string contentUri(std::string_view server, std::string_view id) {
  return "mxc://" + std::string(server) + "/" + std::string(id);
}

}  // namespace

std::string generateMediaId() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static const bool ready = sodium_init() >= 0;
  (void)ready;
  std::string id;
  id.reserve(24);
  for (int i = 0; i < 24; ++i) {
    id.push_back(kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))]);
  }
  return id;
}

Status MediaService::migrate(storage::Database& db) {
  auto done = storage::migrate(db, "media", mediaMigrations());
  if (!done.ok()) return done.error();
  return {};
}

MediaService::MediaService(std::string serverName, storage::Database& db, std::string mediaDir,
                           Options options)
    : serverName_(std::move(serverName)),
      db_(db),
      files_(std::move(mediaDir)),
      store_(std::make_unique<SqlMediaStore>()),
      options_(std::move(options)),
      decodeSlots_(std::max(1, options_.maxConcurrentThumbnails)) {}

MediaService::~MediaService() = default;

std::int64_t MediaService::nowMs() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status MediaService::validateUpload(const UploadRequest& request) const {
  if (request.uploaderUserId.empty()) {
    return makeError(ErrorCode::kInvalidParam, "upload without an uploader");
  }
  if (static_cast<std::int64_t>(request.bytes.size()) > options_.maxUploadBytes) {
    return makeError(ErrorCode::kTooLarge, "upload is over the limit of " +
                                               std::to_string(options_.maxUploadBytes) + " bytes");
  }
  if (hasControlChars(request.contentType) || request.contentType.size() > 255) {
    return makeError(ErrorCode::kInvalidParam, "invalid content type");
  }
  if (request.fileName && (hasControlChars(*request.fileName) || request.fileName->size() > 255)) {
    return makeError(ErrorCode::kInvalidParam, "invalid file name");
  }
  return {};
}

Result<UploadResult> MediaService::performUpload(const CallContext& ctx,
                                                 const UploadRequest& request) {
  if (ctx.expired()) return makeError(ErrorCode::kUnavailable, "deadline passed");
  PLEXUS_TRY_VOID(validateUpload(request));
  // The file first: a row never names content that is not on disk. A crash between the two
  // leaves an unreferenced file, never a broken row.
  PLEXUS_TRY(std::string sha, files_.put(request.bytes));
  MediaRow row;
  row.serverName = serverName_;
  row.uploaderUserId = request.uploaderUserId;
  row.contentType =
      request.contentType.empty() ? std::string(kDefaultContentType) : request.contentType;
  row.fileName = request.fileName;
  row.sizeBytes = static_cast<std::int64_t>(request.bytes.size());
  row.sha256 = sha;
  row.createdMs = nowMs();
  row.uploadedMs = row.createdMs;
  for (int attempt = 0;; ++attempt) {
    row.mediaId = generateMediaId();
    Status inserted = store_->insertMedia(db_, row);
    if (inserted.ok()) break;
    // 62^24 IDs make a collision practically impossible; retry once anyway.
    if (!storage::isUniqueViolation(inserted.error()) || attempt > 2) return inserted.error();
  }
  return UploadResult{contentUri(serverName_, row.mediaId), row.mediaId};
}

Result<CreatedMedia> MediaService::performCreate(const CallContext& ctx,
                                                 std::string_view uploaderUserId) {
  if (ctx.expired()) return makeError(ErrorCode::kUnavailable, "deadline passed");
  if (uploaderUserId.empty()) {
    return makeError(ErrorCode::kInvalidParam, "create without an uploader");
  }
  const std::int64_t now = nowMs();
  MediaRow row;
  row.serverName = serverName_;
  row.uploaderUserId = std::string(uploaderUserId);
  row.contentType = std::string(kDefaultContentType);
  row.createdMs = now;
  row.expiresMs = now + options_.pendingLifetimeMs;
  Status done = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_->deleteExpiredPending(tx, now));
    PLEXUS_TRY(auto pending, store_->countPending(tx, uploaderUserId, now));
    // SPEC: content-repo.yaml /create — 429 M_LIMIT_EXCEEDED for too many pending uploads.
    if (pending >= options_.maxPendingPerUser) {
      return makeError(ErrorCode::kLimitExceeded, "too many pending uploads");
    }
    row.mediaId = generateMediaId();
    return store_->insertMedia(tx, row);
  });
  if (!done.ok()) return done.error();
  return CreatedMedia{contentUri(serverName_, row.mediaId), row.mediaId, *row.expiresMs};
}

Status MediaService::performUploadTo(const CallContext& ctx, std::string_view serverName,
                                     std::string_view mediaId, const UploadRequest& request) {
  if (ctx.expired()) return makeError(ErrorCode::kUnavailable, "deadline passed");
  if (serverName != serverName_ || !isValidMediaId(mediaId)) {
    return makeError(ErrorCode::kNotFound, "unknown media ID");
  }
  PLEXUS_TRY_VOID(validateUpload(request));
  PLEXUS_TRY(auto existing, store_->getMedia(db_, serverName, mediaId));
  if (!existing ||
      (existing->pending() && existing->expiresMs && *existing->expiresMs <= nowMs())) {
    return makeError(ErrorCode::kNotFound, "unknown media ID");
  }
  if (existing->uploaderUserId != request.uploaderUserId) {
    return makeError(ErrorCode::kForbidden, "this media ID was created by another user");
  }
  if (!existing->pending()) {
    return makeError(ErrorCode::kCannotOverwriteMedia, "media already uploaded");
  }
  PLEXUS_TRY(std::string sha, files_.put(request.bytes));
  MediaRow row = *existing;
  row.contentType =
      request.contentType.empty() ? std::string(kDefaultContentType) : request.contentType;
  row.fileName = request.fileName;
  row.sizeBytes = static_cast<std::int64_t>(request.bytes.size());
  row.sha256 = sha;
  row.uploadedMs = nowMs();
  PLEXUS_TRY(bool completed, store_->completeUpload(db_, row));
  // Lost a race with a concurrent upload of the same ID.
  if (!completed) return makeError(ErrorCode::kCannotOverwriteMedia, "media already uploaded");
  { std::lock_guard lock(uploadMutex_); }
  uploaded_.notify_all();
  return {};
}

Result<MediaRow> MediaService::loadUploaded(const CallContext& ctx, std::string_view serverName,
                                            std::string_view mediaId) {
  if (serverName != serverName_) return loadRemote(ctx, serverName, mediaId);
  if (!isValidMediaId(mediaId)) return makeError(ErrorCode::kNotFound, "media not found");
  PLEXUS_TRY(auto row, store_->getMedia(db_, serverName, mediaId));
  if (!row) return makeError(ErrorCode::kNotFound, "media not found");
  if (row->pending()) {
    if (row->expiresMs && *row->expiresMs <= nowMs()) {
      return makeError(ErrorCode::kNotFound, "media not found");
    }
    return makeError(ErrorCode::kNotYetUploaded, "media has not been uploaded yet");
  }
  return std::move(*row);
}

Result<MediaMetadata> MediaService::toMetadata(const MediaRow& row) {
  MediaMetadata m;
  m.serverName = row.serverName;
  m.mediaId = row.mediaId;
  m.uploaderUserId = row.uploaderUserId;
  m.contentType = row.contentType;
  m.fileName = row.fileName;
  m.sizeBytes = row.sizeBytes;
  m.sha256 = row.sha256;
  m.createdMs = row.uploadedMs.value_or(row.createdMs);
  PLEXUS_TRY(auto thumbs, store_->listThumbnails(db_, row.serverName, row.mediaId));
  for (const ThumbnailRow& t : thumbs) {
    m.thumbnails.push_back(ThumbnailInfo{t.width, t.height, t.method, t.contentType, t.sizeBytes});
  }
  return m;
}

Result<MediaMetadata> MediaService::queryMetadata(const CallContext& ctx,
                                                  std::string_view serverName,
                                                  std::string_view mediaId) {
  if (ctx.expired()) return makeError(ErrorCode::kUnavailable, "deadline passed");
  PLEXUS_TRY(MediaRow row, loadUploaded(ctx, serverName, mediaId));
  return toMetadata(row);
}

Result<MediaContent> MediaService::queryMedia(const CallContext& ctx, std::string_view serverName,
                                              std::string_view mediaId, std::int64_t maxWaitMs) {
  using Clock = CallContext::Clock;
  Clock::time_point until = std::min(
      ctx.deadline, Clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, maxWaitMs)));
  Result<MediaRow> row = loadUploaded(ctx, serverName, mediaId);
  // SPEC: content-repo.yaml download `timeout_ms` — wait for an asynchronous upload.
  while (!row.ok() && row.error().code == ErrorCode::kNotYetUploaded && Clock::now() < until) {
    std::unique_lock lock(uploadMutex_);
    uploaded_.wait_until(lock, std::min(until, Clock::now() + std::chrono::milliseconds(kPollMs)));
    lock.unlock();
    row = loadUploaded(ctx, serverName, mediaId);
  }
  if (!row.ok()) return row.error();
  PLEXUS_TRY(MediaMetadata metadata, toMetadata(*row));
  PLEXUS_TRY(std::string bytes, files_.read(row->sha256));
  MediaContent content;
  content.filePath = files_.pathOf(row->sha256);
  content.metadata = std::move(metadata);
  content.bytes = std::move(bytes);
  return content;
}

MediaConfig MediaService::queryConfig(const CallContext& /*ctx*/) {
  return MediaConfig{options_.maxUploadBytes};
}

}  // namespace plexus::media
