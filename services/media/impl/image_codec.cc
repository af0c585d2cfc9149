// PNG and JPEG codecs over libpng (simplified API: no setjmp in our code) and TurboJPEG.
#include "media/impl/image_codec.h"

#include <png.h>
#include <turbojpeg.h>

#include <cstring>
#include <memory>

namespace plexus::media {
namespace {

constexpr unsigned char kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

Error corrupt(std::string_view what, std::string_view detail) {
  return makeError(ErrorCode::kInvalidParam,
                   "cannot thumbnail: " + std::string(what) + ": " + std::string(detail));
}

Status checkPixels(std::int64_t width, std::int64_t height, std::int64_t maxPixels) {
  if (width <= 0 || height <= 0) return corrupt("image", "empty dimensions");
  // Division keeps the check free of overflow for any declared size.
  if (width > maxPixels / height) {
    return makeError(ErrorCode::kTooLarge, "image of " + std::to_string(width) + "x" +
                                               std::to_string(height) +
                                               " pixels is too large to thumbnail");
  }
  return {};
}

struct TjDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

const auto* asBytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Result<ImageInfo> probeJpeg(std::string_view bytes) {
  TjHandle tj(tjInitDecompress());
  if (!tj) return makeError(ErrorCode::kInternal, "TurboJPEG init failed");
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), asBytes(bytes), bytes.size(), &width, &height, &subsamp,
                          &colorspace) != 0) {
    return corrupt("JPEG", tjGetErrorStr2(tj.get()));
  }
  return ImageInfo{ImageFormat::kJpeg, width, height};
}

Result<ImageInfo> probePng(std::string_view bytes) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    return corrupt("PNG", image.message);
  }
  ImageInfo info{ImageFormat::kPng, image.width, image.height};
  png_image_free(&image);
  return info;
}

Result<Image> decodePng(std::string_view bytes, std::int64_t maxPixels) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    return corrupt("PNG", image.message);
  }
  Status fits = checkPixels(image.width, image.height, maxPixels);
  if (!fits.ok()) {
    png_image_free(&image);
    return fits.error();
  }
  image.format = PNG_FORMAT_RGBA;
  Image out;
  out.width = static_cast<std::int32_t>(image.width);
  out.height = static_cast<std::int32_t>(image.height);
  out.channels = 4;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    return corrupt("PNG", message);
  }
  return out;
}

Result<Image> decodeJpeg(std::string_view bytes, std::int64_t maxPixels, std::int32_t minWidth,
                         std::int32_t minHeight) {
  TjHandle tj(tjInitDecompress());
  if (!tj) return makeError(ErrorCode::kInternal, "TurboJPEG init failed");
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), asBytes(bytes), bytes.size(), &width, &height, &subsamp,
                          &colorspace) != 0) {
    return corrupt("JPEG", tjGetErrorStr2(tj.get()));
  }
  // The full size bounds the decoder's own buffers (progressive JPEGs keep every coefficient).
  PLEXUS_TRY_VOID(checkPixels(width, height, maxPixels));

  // The smallest DCT scaling that keeps the image at least minWidth x minHeight: decoding at
  // 1/2, 1/4 or 1/8 is much cheaper than decoding everything and shrinking afterwards.
  int count = 0;
  tjscalingfactor* factors = tjGetScalingFactors(&count);
  int outW = width, outH = height;
  for (int i = 0; factors != nullptr && i < count; ++i) {
    int w = TJSCALED(width, factors[i]);
    int h = TJSCALED(height, factors[i]);
    if (factors[i].num > factors[i].denom) continue;  // never upscale
    if (w >= minWidth && h >= minHeight && w * static_cast<std::int64_t>(h) <
                                               outW * static_cast<std::int64_t>(outH)) {
      outW = w;
      outH = h;
    }
  }
  Image out;
  out.width = outW;
  out.height = outH;
  out.channels = 3;
  out.pixels.resize(static_cast<std::size_t>(outW) * static_cast<std::size_t>(outH) * 3);
  // TJFLAG_LIMITSCANS refuses progressive JPEGs with absurd scan counts (CPU exhaustion).
  if (tjDecompress2(tj.get(), asBytes(bytes), bytes.size(), out.pixels.data(), outW, 0, outH,
                    TJPF_RGB, TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS) != 0) {
    return corrupt("JPEG", tjGetErrorStr2(tj.get()));
  }
  return out;
}

}  // namespace

ImageFormat sniffImageFormat(std::string_view bytes) {
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPngMagic, 8) == 0) return ImageFormat::kPng;
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xff &&
      static_cast<unsigned char>(bytes[1]) == 0xd8 && static_cast<unsigned char>(bytes[2]) == 0xff) {
    return ImageFormat::kJpeg;
  }
  return ImageFormat::kUnknown;
}

std::string_view imageContentType(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng: return "image/png";
    case ImageFormat::kJpeg: return "image/jpeg";
    case ImageFormat::kUnknown: break;
  }
  return "application/octet-stream";
}

Result<ImageInfo> probeImage(std::string_view bytes) {
  switch (sniffImageFormat(bytes)) {
    case ImageFormat::kPng: return probePng(bytes);
    case ImageFormat::kJpeg: return probeJpeg(bytes);
    case ImageFormat::kUnknown: break;
  }
  return corrupt("content", "not a PNG or JPEG image");
}

Result<Image> decodeImage(std::string_view bytes, std::int64_t maxPixels, std::int32_t minWidth,
                          std::int32_t minHeight) {
  switch (sniffImageFormat(bytes)) {
    case ImageFormat::kPng: return decodePng(bytes, maxPixels);
    case ImageFormat::kJpeg: return decodeJpeg(bytes, maxPixels, minWidth, minHeight);
    case ImageFormat::kUnknown: break;
  }
  return corrupt("content", "not a PNG or JPEG image");
}

Result<std::string> encodePng(const Image& image) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  // First call measures, second writes.
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), 0, nullptr)) {
    return makeError(ErrorCode::kInternal, std::string("PNG encode: ") + png.message);
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, image.pixels.data(), 0, nullptr)) {
    return makeError(ErrorCode::kInternal, std::string("PNG encode: ") + png.message);
  }
  out.resize(size);
  return out;
}

Result<std::string> encodeJpeg(const Image& image, int quality) {
  TjHandle tj(tjInitCompress());
  if (!tj) return makeError(ErrorCode::kInternal, "TurboJPEG init failed");
  unsigned char* buffer = nullptr;
  unsigned long size = 0;  // NOLINT(runtime/int): TurboJPEG's type
  int format = image.channels == 4 ? TJPF_RGBA : TJPF_RGB;
  if (tjCompress2(tj.get(), image.pixels.data(), image.width, 0, image.height, format, &buffer,
                  &size, TJSAMP_420, quality, 0) != 0) {
    if (buffer != nullptr) tjFree(buffer);
    return makeError(ErrorCode::kInternal, std::string("JPEG encode: ") + tjGetErrorStr2(tj.get()));
  }
  std::string out(reinterpret_cast<const char*>(buffer), size);
  tjFree(buffer);
  return out;
}

}  // namespace plexus::media
