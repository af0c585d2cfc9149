// Decoding and encoding of the image formats the media service can thumbnail (PNG through
// libpng's simplified API, JPEG through TurboJPEG). Images are untrusted: the declared size
// is read from the header and checked against a pixel limit before any pixel is decoded, and
// every library failure becomes an error value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::media {

enum class ImageFormat : std::uint8_t { kUnknown, kPng, kJpeg };

// From the magic bytes, never from the uploader's content type.
ImageFormat sniffImageFormat(std::string_view bytes);
std::string_view imageContentType(ImageFormat format);  // "image/png" / "image/jpeg"

struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  std::int64_t width = 0;
  std::int64_t height = 0;
};

// Reads the header only. Errors: kInvalidParam when the bytes are not a PNG or JPEG header.
Result<ImageInfo> probeImage(std::string_view bytes);

// 8-bit interleaved pixels: 3 channels (RGB) or 4 (RGBA).
struct Image {
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::int32_t channels = 0;
  std::vector<std::uint8_t> pixels;
};

// Decodes a PNG (to RGBA) or JPEG (to RGB). A JPEG may be decoded at a reduced size (DCT
// scaling) when it stays at least minWidth x minHeight. Errors: kTooLarge when the declared
// width * height is over maxPixels (nothing decoded), kInvalidParam for unsupported or
// corrupt data.
Result<Image> decodeImage(std::string_view bytes, std::int64_t maxPixels,
                          std::int32_t minWidth = 0, std::int32_t minHeight = 0);

// Errors: kInternal when the encoder fails.
Result<std::string> encodePng(const Image& image);
Result<std::string> encodeJpeg(const Image& image, int quality = 80);

}  // namespace plexus::media
