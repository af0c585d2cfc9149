// MediaService thumbnails: crop and scale sizes for PNG and JPEG, caching, originals for small
// images, and untrusted images (corrupt data, huge declared sizes) refused cleanly.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>

#include "media/impl/thumbnailer.h"
#include "media/test/media_fixture.h"

namespace plexus::media {
namespace {

using testing::makeJpeg;
using testing::makePng;

std::uint32_t crc32(const unsigned char* data, std::size_t n) {
  std::uint32_t crc = 0xffffffffU;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

void putBe32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}

// A valid PNG whose IHDR (with a correct CRC) declares width x height.
std::string pngDeclaring(std::uint32_t width, std::uint32_t height) {
  std::string png = makePng(4, 4);
  // signature(8) length(4) "IHDR"(4) width(4) height(4) ... crc after 13 data bytes
  putBe32(png, 16, width);
  putBe32(png, 20, height);
  putBe32(png, 29, crc32(reinterpret_cast<const unsigned char*>(png.data()) + 12, 17));
  return png;
}

// A JPEG whose SOF0 header declares width x height.
std::string jpegDeclaring(std::uint16_t width, std::uint16_t height) {
  std::string jpg = makeJpeg(16, 16);
  for (std::size_t i = 2; i + 9 < jpg.size(); ++i) {
    if (static_cast<unsigned char>(jpg[i]) == 0xff && static_cast<unsigned char>(jpg[i + 1]) == 0xc0) {
      jpg[i + 5] = static_cast<char>(height >> 8);
      jpg[i + 6] = static_cast<char>(height & 0xff);
      jpg[i + 7] = static_cast<char>(width >> 8);
      jpg[i + 8] = static_cast<char>(width & 0xff);
      break;
    }
  }
  return jpg;
}

class MediaThumbnailTest : public testing::MediaServiceTest {
 protected:
  MediaService::Options options() override {
    auto o = MediaServiceTest::options();
    o.maxUploadBytes = 8 * 1024 * 1024;
    o.maxImagePixels = 4 * 1000 * 1000;
    return o;
  }
  std::string uploadBytes(std::string bytes, std::string type) {
    auto up = service_->performUpload(ctx_, upload(std::move(bytes), std::move(type)));
    EXPECT_TRUE(up.ok());
    return up.ok() ? up->mediaId : "";
  }
  Result<Thumbnail> thumb(const std::string& id, int w, int h, ThumbnailMethod m) {
    ThumbnailRequest r;
    r.serverName = "example.org";
    r.mediaId = id;
    r.width = w;
    r.height = h;
    r.method = m;
    return service_->queryThumbnail(ctx_, r);
  }
  static ImageInfo infoOf(const Thumbnail& t) { return *probeImage(t.bytes); }
};

TEST(ThumbnailSizeTest, ChoosesSmallestRecommendedSizeCoveringTheRequest) {
  auto s = chooseThumbnailSize(20, 20, ThumbnailMethod::kCrop);
  EXPECT_EQ(s->width, 32);
  s = chooseThumbnailSize(33, 10, ThumbnailMethod::kCrop);
  EXPECT_EQ(s->width, 96);
  s = chooseThumbnailSize(300, 300, ThumbnailMethod::kScale);
  EXPECT_EQ(s->width, 640);
  EXPECT_EQ(s->height, 480);
  s = chooseThumbnailSize(200, 150, ThumbnailMethod::kCrop);
  EXPECT_EQ(s->width, 224);
  EXPECT_EQ(s->height, 160);
  EXPECT_FALSE(chooseThumbnailSize(1000, 1000, ThumbnailMethod::kScale).has_value());
}

TEST(ThumbnailRenderTest, MutatedImagesGiveResultsOrErrorsNeverCrashes) {
  std::mt19937 rng(1234);  // fixed seed: the same mutations every run
  for (const std::string& original : {makePng(64, 48), makeJpeg(64, 48)}) {
    for (int round = 0; round < 300; ++round) {
      std::string bytes = original;
      int flips = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<char>(rng());
      if (round % 5 == 0) bytes.resize(rng() % bytes.size());
      auto t = renderThumbnail(bytes, {32, 32, ThumbnailMethod::kCrop}, 1'000'000);
      if (t.ok() && t->has_value()) {
        EXPECT_EQ((*t)->width, 32);
        EXPECT_EQ((*t)->height, 32);
      }
    }
  }
}

TEST_P(MediaThumbnailTest, CropsPngToExactRecommendedSize) {
  auto id = uploadBytes(makePng(400, 200), "image/png");
  auto t = thumb(id, 96, 96, ThumbnailMethod::kCrop);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->contentType, "image/png");
  EXPECT_FALSE(t->isOriginal);
  EXPECT_EQ(infoOf(*t).format, ImageFormat::kPng);
  EXPECT_EQ(infoOf(*t).width, 96);
  EXPECT_EQ(infoOf(*t).height, 96);
}

TEST_P(MediaThumbnailTest, ScalesJpegKeepingAspectRatio) {
  auto id = uploadBytes(makeJpeg(1600, 800), "image/jpeg");
  auto t = thumb(id, 320, 240, ThumbnailMethod::kScale);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->contentType, "image/jpeg");
  EXPECT_EQ(infoOf(*t).format, ImageFormat::kJpeg);
  EXPECT_EQ(infoOf(*t).width, 320);
  EXPECT_EQ(infoOf(*t).height, 160);
}

TEST_P(MediaThumbnailTest, CropsJpegAndScalesPng) {
  auto jpg = uploadBytes(makeJpeg(300, 500), "image/jpeg");
  auto t = thumb(jpg, 32, 32, ThumbnailMethod::kCrop);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(infoOf(*t).width, 32);
  EXPECT_EQ(infoOf(*t).height, 32);
  auto png = uploadBytes(makePng(1000, 1000), "image/png");
  t = thumb(png, 640, 480, ThumbnailMethod::kScale);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(infoOf(*t).width, 480);
  EXPECT_EQ(infoOf(*t).height, 480);
}

TEST_P(MediaThumbnailTest, ThumbnailIsCachedOnDiskAndInDatabase) {
  auto id = uploadBytes(makePng(500, 500), "image/png");
  auto first = thumb(id, 96, 96, ThumbnailMethod::kCrop);
  ASSERT_TRUE(first.ok());
  auto meta = service_->queryMetadata(ctx_, "example.org", id);
  ASSERT_EQ(meta->thumbnails.size(), 1U);
  EXPECT_EQ(meta->thumbnails[0].width, 96);
  EXPECT_EQ(meta->thumbnails[0].method, "crop");
  EXPECT_EQ(meta->thumbnails[0].sizeBytes, static_cast<std::int64_t>(first->bytes.size()));
  auto second = thumb(id, 90, 90, ThumbnailMethod::kCrop);  // same recommended size
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->bytes, first->bytes);
  EXPECT_EQ(service_->queryMetadata(ctx_, "example.org", id)->thumbnails.size(), 1U);
}

TEST_P(MediaThumbnailTest, SmallImageIsReturnedUnchanged) {
  std::string png = makePng(20, 10);
  auto id = uploadBytes(png, "image/png");
  auto t = thumb(id, 96, 96, ThumbnailMethod::kCrop);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->isOriginal);
  EXPECT_EQ(t->bytes, png);
  t = thumb(id, 800, 600, ThumbnailMethod::kScale);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->isOriginal);
}

TEST_P(MediaThumbnailTest, CorruptImageIsCleanError) {
  std::string png = makePng(64, 64);
  std::string broken = png.substr(0, 40) + std::string(200, '\x5a');
  auto id = uploadBytes(broken, "image/png");
  auto t = thumb(id, 32, 32, ThumbnailMethod::kCrop);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidParam);

  std::string jpg = makeJpeg(64, 64);
  id = uploadBytes(jpg.substr(0, jpg.size() / 2), "image/jpeg");
  t = thumb(id, 32, 32, ThumbnailMethod::kCrop);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidParam);
}

TEST_P(MediaThumbnailTest, NonImageCannotBeThumbnailed) {
  auto id = uploadBytes("just some text", "image/png");
  auto t = thumb(id, 32, 32, ThumbnailMethod::kCrop);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidParam);
}

TEST_P(MediaThumbnailTest, HugeDeclaredDimensionsAreRefusedWithoutDecoding) {
  // 100000 x 100000 RGBA would be 40 GB: refused from the header.
  auto id = uploadBytes(pngDeclaring(100000, 100000), "image/png");
  auto t = thumb(id, 32, 32, ThumbnailMethod::kCrop);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kTooLarge);

  id = uploadBytes(jpegDeclaring(60000, 60000), "image/jpeg");
  t = thumb(id, 32, 32, ThumbnailMethod::kCrop);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kTooLarge);
}

TEST_P(MediaThumbnailTest, InvalidSizesAreRejected) {
  auto id = uploadBytes(makePng(64, 64), "image/png");
  EXPECT_EQ(thumb(id, 0, 32, ThumbnailMethod::kCrop).error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(thumb(id, 32, -1, ThumbnailMethod::kScale).error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(thumb("missing", 32, 32, ThumbnailMethod::kScale).error().code, ErrorCode::kNotFound);
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(MediaThumbnailTest);

}  // namespace plexus::media
