// Pixel operations for thumbnails: area-averaging downscale and cropping. Pure functions over
// media::Image; inputs are trusted (already decoded within the pixel limit).
#pragma once

#include <cstdint>

#include "media/impl/image_codec.h"

namespace plexus::media {

// Resizes to width x height by averaging the source area under each output pixel (good
// quality for downscaling, which is the only use). width and height >= 1.
Image resizeArea(const Image& src, std::int32_t width, std::int32_t height);

// The width x height rectangle at (x, y); the caller keeps it inside src.
Image cropRect(const Image& src, std::int32_t x, std::int32_t y, std::int32_t width,
               std::int32_t height);

}  // namespace plexus::media
