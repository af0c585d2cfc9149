// MediaApi: the media service's contract. It owns the content repository: uploads (direct and
// asynchronous), downloads, thumbnails generated on demand and cached, and the media config.
// Callers: client-api (the /_matrix/media and /_matrix/client/v1/media routes) and
// federation-api (serving our media to other servers).
//
// Conventions for every method:
// - Thread-safe: may be called from any number of threads at once.
// - serverName/mediaId come from untrusted mxc URIs: queries for a media ID outside
//   [A-Za-z0-9_-] are kNotFound (nothing can be stored there).
// - Media of another server (query* with a server name that is not ours) comes from the local
//   cache, else is fetched once through the implementation's RemoteMediaFetcher
//   (remote_media_fetcher.h) and cached; concurrent queries share one fetch. Extra errors then:
//   kNotFound (the remote has none, or no fetcher is configured), kTooLarge (over the upload
//   limit), kUnavailable (the remote failed or timed out). Failures are not cached.
// - A perform* call that fails leaves nothing behind (no metadata row, no visible file).
// - kUnavailable when the database is unreachable or the call's deadline passed; kInternal
//   when the media directory cannot be written or read.
#pragma once

#include <cstdint>
#include <string_view>

#include "media/api/types.h"
#include "plexus/core/call_context.h"
#include "plexus/core/result.h"

namespace plexus::media {

class MediaApi {
 public:
  virtual ~MediaApi() = default;

  // ---- Upload -----------------------------------------------------------------------------

  // Stores `request.bytes` under a new media ID and returns its mxc URI. Identical content is
  // stored once on disk (content-addressed by SHA-256); each upload still gets its own ID.
  // Errors: kTooLarge (over maxUploadBytes), kInvalidParam (empty uploader, content type or
  // file name with control characters).
  virtual Result<UploadResult> performUpload(const CallContext& ctx,
                                             const UploadRequest& request) = 0;

  // Reserves a media ID for an asynchronous upload by `uploaderUserId` (POST /media/v1/create).
  // Errors: kLimitExceeded when the user has too many pending reservations.
  virtual Result<CreatedMedia> performCreate(const CallContext& ctx,
                                             std::string_view uploaderUserId) = 0;

  // Supplies the content of a reserved ID (PUT /media/v3/upload/{serverName}/{mediaId}).
  // request.uploaderUserId must be the user who reserved it.
  // Errors: kNotFound (unknown, expired or remote ID), kForbidden (another user reserved it),
  // kCannotOverwriteMedia (content already uploaded), kTooLarge, kInvalidParam.
  virtual Status performUploadTo(const CallContext& ctx, std::string_view serverName,
                                 std::string_view mediaId, const UploadRequest& request) = 0;

  // ---- Download ---------------------------------------------------------------------------

  // The metadata and bytes of a media item. For an ID reserved but not yet uploaded, waits up
  // to `maxWaitMs` (bounded by the context deadline) for the content to arrive.
  // Errors: kNotFound (unknown, malformed or expired ID), kNotYetUploaded (reserved, still no
  // content after the wait), the remote errors above.
  virtual Result<MediaContent> queryMedia(const CallContext& ctx, std::string_view serverName,
                                          std::string_view mediaId, std::int64_t maxWaitMs) = 0;

  // Metadata only (no file read). Errors as queryMedia, without waiting.
  virtual Result<MediaMetadata> queryMetadata(const CallContext& ctx, std::string_view serverName,
                                              std::string_view mediaId) = 0;

  // ---- Thumbnails -------------------------------------------------------------------------

  // A thumbnail at least request.width x request.height (the smallest of the standard sizes
  // 32x32 crop, 96x96 crop, 320x240, 640x480, 800x600 scale that covers the request, else the
  // requested size capped at the largest standard size), generated on first use and cached on
  // disk and in the database. When the image is smaller than the chosen size, the original
  // content is returned (never upscaled). PNG and JPEG can be thumbnailed.
  // Errors: kNotFound / kNotYetUploaded as queryMedia (no waiting); kInvalidParam for
  // width or height < 1, and for content that is not a supported image or fails to decode
  // (SPEC: content-repo.yaml, 400 when the server cannot thumbnail the content); kTooLarge when the
  // image's declared pixel count is over the decoding limit (checked from the header, before
  // decoding).
  virtual Result<Thumbnail> queryThumbnail(const CallContext& ctx,
                                           const ThumbnailRequest& request) = 0;

  // ---- Configuration ----------------------------------------------------------------------

  // The limits clients see on GET /media/config. Never fails.
  virtual MediaConfig queryConfig(const CallContext& ctx) = 0;
};

}  // namespace plexus::media
