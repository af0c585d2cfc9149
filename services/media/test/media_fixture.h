// Shared test fixture for the media service: a migrated database on each backend, a temp
// media directory, an injected clock, and generated PNG/JPEG images.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "media/impl/image_codec.h"
#include "media/impl/media_service.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::media::testing {

// An image with a colour gradient, so resizing produces real pixel data.
inline Image gradientImage(std::int32_t width, std::int32_t height, std::int32_t channels) {
  Image img;
  img.width = width;
  img.height = height;
  img.channels = channels;
  img.pixels.resize(static_cast<std::size_t>(width) * height * channels);
  for (std::int32_t y = 0; y < height; ++y) {
    for (std::int32_t x = 0; x < width; ++x) {
      auto* p = &img.pixels[(static_cast<std::size_t>(y) * width + x) * channels];
      p[0] = static_cast<std::uint8_t>(x * 255 / std::max(1, width - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / std::max(1, height - 1));
      p[2] = 128;
      if (channels == 4) p[3] = 255;
    }
  }
  return img;
}

inline std::string makePng(std::int32_t width, std::int32_t height) {
  return *encodePng(gradientImage(width, height, 4));
}
inline std::string makeJpeg(std::int32_t width, std::int32_t height) {
  return *encodeJpeg(gradientImage(width, height, 3));
}

inline std::filesystem::path makeTempDir(std::string_view prefix) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             (std::string(prefix) + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

class MediaServiceTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto migrated = MediaService::migrate(db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    dir_ = makeTempDir("plexus-media-");
    service_ = makeService(options());
  }
  void TearDown() override {
    service_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  virtual MediaService::Options options() {
    MediaService::Options o;
    o.maxUploadBytes = 1024 * 1024;
    o.clock = [this] { return now_; };
    return o;
  }
  std::unique_ptr<MediaService> makeService(MediaService::Options o) {
    return std::make_unique<MediaService>("example.org", db(), dir_.string(), std::move(o));
  }
  UploadRequest upload(std::string bytes, std::string contentType = "image/png") {
    UploadRequest r;
    r.uploaderUserId = "@alice:example.org";
    r.contentType = std::move(contentType);
    r.bytes = std::move(bytes);
    return r;
  }

  CallContext ctx_;
  std::int64_t now_ = 1'000'000;
  std::filesystem::path dir_;
  std::unique_ptr<MediaService> service_;
};

}  // namespace plexus::media::testing
