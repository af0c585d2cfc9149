// Thumbnail policy and rendering: which size to generate for a request (SPEC: content_repo.md
// "Thumbnails" — the recommended sizes, never smaller than asked, never upscaled) and the
// decode → crop/scale → encode pipeline.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "media/api/types.h"
#include "plexus/core/result.h"

namespace plexus::media {

struct ThumbnailSpec {
  std::int32_t width = 0;
  std::int32_t height = 0;
  ThumbnailMethod method = ThumbnailMethod::kScale;
};

// The size to generate for a request of width x height (both >= 1): the smallest recommended
// size of the same method that covers it (32x32, 96x96 crop; 320x240, 640x480, 800x600 scale).
// Larger crops are rounded up to multiples of 32 (so a client cannot make us store one file
// per pixel size); crops over 800 and scales over 800x600 give nullopt: serve the original.
std::optional<ThumbnailSpec> chooseThumbnailSize(std::int32_t width, std::int32_t height,
                                                 ThumbnailMethod method);

// Renders `spec` from an image. nullopt when the image is not larger than the spec (the
// caller serves the original). PNG sources give PNG thumbnails, JPEG sources JPEG.
// Errors: kTooLarge (declared pixels over maxPixels, nothing decoded), kInvalidParam (not a
// PNG/JPEG, corrupt).
Result<std::optional<Thumbnail>> renderThumbnail(std::string_view bytes,
                                                 const ThumbnailSpec& spec,
                                                 std::int64_t maxPixels);

}  // namespace plexus::media
