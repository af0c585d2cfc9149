// MediaService::queryThumbnail: serve a cached thumbnail, or render, store and serve one.
#include <semaphore>

#include "media/impl/image_codec.h"
#include "media/impl/media_service.h"
#include "media/impl/thumbnailer.h"

namespace plexus::media {
namespace {

// Holds one decode slot for a scope.
class SlotGuard {
 public:
  explicit SlotGuard(std::counting_semaphore<>& s) : s_(s) { s_.acquire(); }
  ~SlotGuard() { s_.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  std::counting_semaphore<>& s_;
};

}  // namespace

Result<Thumbnail> MediaService::queryThumbnail(const CallContext& ctx,
                                               const ThumbnailRequest& request) {
  if (ctx.expired()) return makeError(ErrorCode::kUnavailable, "deadline passed");
  if (request.width < 1 || request.height < 1) {
    return makeError(ErrorCode::kInvalidParam, "width and height must be positive");
  }
  PLEXUS_TRY(MediaRow row, loadUploaded(ctx, request.serverName, request.mediaId));
  std::optional<ThumbnailSpec> spec =
      chooseThumbnailSize(request.width, request.height, request.method);
  std::string methodName(thumbnailMethodName(spec ? spec->method : request.method));

  if (spec) {
    PLEXUS_TRY(auto cached, store_->listThumbnails(db_, row.serverName, row.mediaId));
    for (const ThumbnailRow& t : cached) {
      if (t.width == spec->width && t.height == spec->height && t.method == methodName) {
        auto bytes = files_.read(t.sha256);
        if (!bytes.ok()) break;  // file lost: render again below
        // The row records the box; the image inside may be smaller (scale keeps the aspect).
        auto info = probeImage(*bytes);
        Thumbnail out;
        out.contentType = t.contentType;
        out.bytes = std::move(*bytes);
        if (info.ok()) {
          out.width = static_cast<std::int32_t>(info->width);
          out.height = static_cast<std::int32_t>(info->height);
        }
        return out;
      }
    }
  }

  PLEXUS_TRY(std::string original, files_.read(row.sha256));
  // Refuse non-images and oversized images from the header alone, before taking a slot.
  PLEXUS_TRY(ImageInfo info, probeImage(original));
  if (info.width > options_.maxImagePixels / std::max<std::int64_t>(1, info.height)) {
    return makeError(ErrorCode::kTooLarge, "image is too large to thumbnail");
  }
  std::optional<Thumbnail> rendered;
  if (spec) {
    SlotGuard slot(decodeSlots_);
    PLEXUS_TRY(rendered, renderThumbnail(original, *spec, options_.maxImagePixels));
  }
  if (!rendered) {
    // SPEC: content_repo.md "Thumbnails" — smaller than asked: return the original.
    Thumbnail out;
    out.contentType = std::string(imageContentType(info.format));
    out.bytes = std::move(original);
    out.width = static_cast<std::int32_t>(info.width);
    out.height = static_cast<std::int32_t>(info.height);
    out.isOriginal = true;
    return out;
  }
  PLEXUS_TRY(std::string sha, files_.put(rendered->bytes));
  ThumbnailRow thumb;
  thumb.width = spec->width;
  thumb.height = spec->height;
  thumb.method = methodName;
  thumb.contentType = rendered->contentType;
  thumb.sizeBytes = static_cast<std::int64_t>(rendered->bytes.size());
  thumb.sha256 = sha;
  thumb.createdMs = nowMs();
  // Concurrent renders of the same size insert the same row; the second is ignored.
  PLEXUS_TRY_VOID(store_->insertThumbnail(db_, row.serverName, row.mediaId, thumb));
  return std::move(*rendered);
}

}  // namespace plexus::media
