// Area-averaging resize (separable: rows, then columns) and cropping.
#include "media/impl/image_resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace plexus::media {
namespace {

// For each output index, the source indices it covers and how much of each (weights sum to 1).
struct Tap {
  std::int32_t index;
  float weight;
};

std::vector<std::vector<Tap>> areaTaps(std::int32_t srcSize, std::int32_t dstSize) {
  std::vector<std::vector<Tap>> taps(static_cast<std::size_t>(dstSize));
  double scale = static_cast<double>(srcSize) / dstSize;
  for (std::int32_t i = 0; i < dstSize; ++i) {
    double begin = i * scale;
    double end = std::min<double>((i + 1) * scale, srcSize);
    auto first = static_cast<std::int32_t>(std::floor(begin));
    auto last = std::min(srcSize - 1, static_cast<std::int32_t>(std::ceil(end)) - 1);
    double span = end - begin;
    for (std::int32_t j = first; j <= last; ++j) {
      double overlap = std::min<double>(j + 1, end) - std::max<double>(j, begin);
      if (overlap > 0) taps[i].push_back({j, static_cast<float>(overlap / span)});
    }
    if (taps[i].empty()) taps[i].push_back({std::min(first, srcSize - 1), 1.0F});
  }
  return taps;
}

std::uint8_t clampByte(float v) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

}  // namespace

Image resizeArea(const Image& src, std::int32_t width, std::int32_t height) {
  const std::int32_t ch = src.channels;
  auto xTaps = areaTaps(src.width, width);
  auto yTaps = areaTaps(src.height, height);

  // Horizontal pass: src.height rows of `width` pixels.
  std::vector<std::uint8_t> rows(static_cast<std::size_t>(width) * src.height * ch);
  std::vector<float> acc(static_cast<std::size_t>(ch));
  for (std::int32_t y = 0; y < src.height; ++y) {
    const std::uint8_t* in = src.pixels.data() + static_cast<std::size_t>(y) * src.width * ch;
    std::uint8_t* out = rows.data() + static_cast<std::size_t>(y) * width * ch;
    for (std::int32_t x = 0; x < width; ++x) {
      std::fill(acc.begin(), acc.end(), 0.0F);
      for (const Tap& t : xTaps[x]) {
        for (std::int32_t c = 0; c < ch; ++c) acc[c] += t.weight * in[t.index * ch + c];
      }
      for (std::int32_t c = 0; c < ch; ++c) out[x * ch + c] = clampByte(acc[c]);
    }
  }

  // Vertical pass.
  Image dst;
  dst.width = width;
  dst.height = height;
  dst.channels = ch;
  dst.pixels.resize(static_cast<std::size_t>(width) * height * ch);
  const std::size_t stride = static_cast<std::size_t>(width) * ch;
  std::vector<float> line(stride);
  for (std::int32_t y = 0; y < height; ++y) {
    std::fill(line.begin(), line.end(), 0.0F);
    for (const Tap& t : yTaps[y]) {
      const std::uint8_t* in = rows.data() + static_cast<std::size_t>(t.index) * stride;
      for (std::size_t i = 0; i < stride; ++i) line[i] += t.weight * in[i];
    }
    std::uint8_t* out = dst.pixels.data() + static_cast<std::size_t>(y) * stride;
    for (std::size_t i = 0; i < stride; ++i) out[i] = clampByte(line[i]);
  }
  return dst;
}

Image cropRect(const Image& src, std::int32_t x, std::int32_t y, std::int32_t width,
               std::int32_t height) {
  Image dst;
  dst.width = width;
  dst.height = height;
  dst.channels = src.channels;
  const std::size_t rowBytes = static_cast<std::size_t>(width) * src.channels;
  dst.pixels.resize(rowBytes * height);
  for (std::int32_t row = 0; row < height; ++row) {
    const std::uint8_t* in = src.pixels.data() +
                             (static_cast<std::size_t>(y + row) * src.width + x) * src.channels;
    std::memcpy(dst.pixels.data() + row * rowBytes, in, rowBytes);
  }
  return dst;
}

}  // namespace plexus::media
