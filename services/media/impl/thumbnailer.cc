// Thumbnail size choice and the crop/scale pipeline.
#include "media/impl/thumbnailer.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "media/impl/image_codec.h"
#include "media/impl/image_resize.h"

namespace plexus::media {
namespace {

constexpr std::array<ThumbnailSpec, 5> kRecommended = {{
    {32, 32, ThumbnailMethod::kCrop},
    {96, 96, ThumbnailMethod::kCrop},
    {320, 240, ThumbnailMethod::kScale},
    {640, 480, ThumbnailMethod::kScale},
    {800, 600, ThumbnailMethod::kScale},
}};
constexpr std::int32_t kMaxCropSide = 800;
constexpr std::int32_t kCropStep = 32;

std::int32_t roundUp(std::int32_t v, std::int32_t step) { return (v + step - 1) / step * step; }

std::int32_t scaled(std::int64_t v, double factor) {
  return std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(v * factor)));
}

}  // namespace

std::optional<ThumbnailSpec> chooseThumbnailSize(std::int32_t width, std::int32_t height,
                                                 ThumbnailMethod method) {
  for (const ThumbnailSpec& s : kRecommended) {
    if (s.method == method && s.width >= width && s.height >= height) return s;
  }
  if (method == ThumbnailMethod::kCrop && width <= kMaxCropSide && height <= kMaxCropSide) {
    return ThumbnailSpec{roundUp(width, kCropStep), roundUp(height, kCropStep), method};
  }
  return std::nullopt;
}

Result<std::optional<Thumbnail>> renderThumbnail(std::string_view bytes,
                                                 const ThumbnailSpec& spec,
                                                 std::int64_t maxPixels) {
  PLEXUS_TRY(ImageInfo info, probeImage(bytes));
  const double w = static_cast<double>(info.width);
  const double h = static_cast<double>(info.height);
  // crop: cover the box then cut the excess; scale: fit inside the box.
  double factor = spec.method == ThumbnailMethod::kCrop
                      ? std::max(spec.width / w, spec.height / h)
                      : std::min(spec.width / w, spec.height / h);
  // SPEC: never upscale; an image already within the box is served as it is.
  if (factor >= 1.0) return std::optional<Thumbnail>();

  std::int32_t targetW = spec.width, targetH = spec.height;
  if (spec.method == ThumbnailMethod::kScale) {
    targetW = scaled(info.width, factor);
    targetH = scaled(info.height, factor);
  }
  // Ask the decoder for at least the size the final resize starts from.
  PLEXUS_TRY(Image image, decodeImage(bytes, maxPixels, scaled(info.width, factor),
                                      scaled(info.height, factor)));
  if (spec.method == ThumbnailMethod::kCrop) {
    // The centred region of the box's aspect ratio, in decoded pixels.
    std::int64_t cropW = image.width, cropH = image.height;
    if (static_cast<std::int64_t>(image.width) * spec.height >
        static_cast<std::int64_t>(image.height) * spec.width) {
      cropW = std::max<std::int64_t>(1, static_cast<std::int64_t>(image.height) * spec.width /
                                            spec.height);
    } else {
      cropH = std::max<std::int64_t>(1, static_cast<std::int64_t>(image.width) * spec.height /
                                            spec.width);
    }
    image = cropRect(image, static_cast<std::int32_t>((image.width - cropW) / 2),
                     static_cast<std::int32_t>((image.height - cropH) / 2),
                     static_cast<std::int32_t>(cropW), static_cast<std::int32_t>(cropH));
  }
  if (image.width != targetW || image.height != targetH) {
    image = resizeArea(image, targetW, targetH);
  }
  Thumbnail out;
  out.width = image.width;
  out.height = image.height;
  if (info.format == ImageFormat::kJpeg) {
    PLEXUS_TRY(out.bytes, encodeJpeg(image));
    out.contentType = "image/jpeg";
  } else {
    PLEXUS_TRY(out.bytes, encodePng(image));
    out.contentType = "image/png";
  }
  return std::optional<Thumbnail>(std::move(out));
}

}  // namespace plexus::media
