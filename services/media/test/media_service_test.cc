// MediaService: uploads, downloads, dedupe of identical content, asynchronous uploads, limits
// and config, on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "media/test/media_fixture.h"

namespace plexus::media {
namespace {

using testing::MediaServiceTest;

TEST_P(MediaServiceTest, UploadReturnsMxcAndDownloadGivesSameBytes) {
  auto up = service_->performUpload(ctx_, [&] {
    auto r = upload("hello media", "text/plain");
    r.fileName = "hello.txt";
    return r;
  }());
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->contentUri, "mxc://example.org/" + up->mediaId);
  EXPECT_TRUE(isValidMediaId(up->mediaId));

  auto got = service_->queryMedia(ctx_, "example.org", up->mediaId, 0);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->bytes, "hello media");
  EXPECT_EQ(got->metadata.contentType, "text/plain");
  EXPECT_EQ(got->metadata.fileName, "hello.txt");
  EXPECT_EQ(got->metadata.sizeBytes, 11);
  EXPECT_EQ(got->metadata.uploaderUserId, "@alice:example.org");
  EXPECT_EQ(got->metadata.createdMs, now_);
  EXPECT_EQ(got->metadata.sha256, sha256Hex("hello media"));
  EXPECT_TRUE(std::filesystem::exists(got->filePath));
}

TEST_P(MediaServiceTest, MissingContentTypeBecomesOctetStream) {
  auto up = service_->performUpload(ctx_, upload("x", ""));
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(service_->queryMetadata(ctx_, "example.org", up->mediaId)->contentType,
            "application/octet-stream");
}

TEST_P(MediaServiceTest, IdenticalContentIsStoredOnceUnderTwoIds) {
  auto a = service_->performUpload(ctx_, upload("same bytes"));
  auto b = service_->performUpload(ctx_, upload("same bytes"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->mediaId, b->mediaId);
  auto ma = service_->queryMedia(ctx_, "example.org", a->mediaId, 0);
  auto mb = service_->queryMedia(ctx_, "example.org", b->mediaId, 0);
  EXPECT_EQ(ma->filePath, mb->filePath);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (e.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 1U);
}

TEST_P(MediaServiceTest, NoTemporaryFilesRemainAfterUpload) {
  ASSERT_TRUE(service_->performUpload(ctx_, upload("abc")).ok());
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_P(MediaServiceTest, RejectsUploadOverTheLimit) {
  auto up = service_->performUpload(ctx_, upload(std::string(1024 * 1024 + 1, 'x')));
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(service_->performUpload(ctx_, upload(std::string(1024 * 1024, 'x'))).ok());
}

TEST_P(MediaServiceTest, RejectsControlCharactersInContentTypeAndFileName) {
  auto r = upload("x", "text/plain\r\nX-Evil: 1");
  EXPECT_EQ(service_->performUpload(ctx_, r).error().code, ErrorCode::kInvalidParam);
  r = upload("x");
  r.fileName = "a\nb";
  EXPECT_EQ(service_->performUpload(ctx_, r).error().code, ErrorCode::kInvalidParam);
}

TEST_P(MediaServiceTest, UnknownMalformedAndRemoteMediaAreNotFound) {
  EXPECT_EQ(service_->queryMedia(ctx_, "example.org", "nope", 0).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->queryMedia(ctx_, "example.org", "../../etc/passwd", 0).error().code,
            ErrorCode::kNotFound);
  auto up = service_->performUpload(ctx_, upload("x"));
  EXPECT_EQ(service_->queryMedia(ctx_, "other.org", up->mediaId, 0).error().code,
            ErrorCode::kNotFound);
}

TEST_P(MediaServiceTest, AsyncUploadFillsReservedIdOnce) {
  auto created = service_->performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->contentUri, "mxc://example.org/" + created->mediaId);
  EXPECT_GT(created->unusedExpiresAtMs, now_);
  EXPECT_EQ(service_->queryMedia(ctx_, "example.org", created->mediaId, 0).error().code,
            ErrorCode::kNotYetUploaded);

  auto bob = upload("data");
  bob.uploaderUserId = "@bob:example.org";
  EXPECT_EQ(service_->performUploadTo(ctx_, "example.org", created->mediaId, bob).error().code,
            ErrorCode::kForbidden);
  ASSERT_TRUE(service_->performUploadTo(ctx_, "example.org", created->mediaId, upload("data")).ok());
  EXPECT_EQ(service_->queryMedia(ctx_, "example.org", created->mediaId, 0)->bytes, "data");
  EXPECT_EQ(service_->performUploadTo(ctx_, "example.org", created->mediaId, upload("more"))
                .error()
                .code,
            ErrorCode::kCannotOverwriteMedia);
  EXPECT_EQ(service_->performUploadTo(ctx_, "example.org", "unknownid", upload("x")).error().code,
            ErrorCode::kNotFound);
}

TEST_P(MediaServiceTest, DownloadWaitsForAsyncUpload) {
  auto created = service_->performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok());
  std::thread uploader([&] {
    EXPECT_TRUE(
        service_->performUploadTo(CallContext{}, "example.org", created->mediaId, upload("late")).ok());
  });
  auto got = service_->queryMedia(CallContext::withTimeout(std::chrono::seconds(20)),
                                  "example.org", created->mediaId, 10'000);
  uploader.join();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->bytes, "late");
}

TEST_P(MediaServiceTest, ExpiredReservationIsNotFound) {
  auto created = service_->performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok());
  now_ = created->unusedExpiresAtMs + 1;
  EXPECT_EQ(service_->queryMedia(ctx_, "example.org", created->mediaId, 0).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->performUploadTo(ctx_, "example.org", created->mediaId, upload("x"))
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(MediaServiceTest, TooManyPendingReservationsIsLimitExceeded) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(service_->performCreate(ctx_, "@alice:example.org").ok());
  auto more = service_->performCreate(ctx_, "@alice:example.org");
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().code, ErrorCode::kLimitExceeded);
  EXPECT_TRUE(service_->performCreate(ctx_, "@bob:example.org").ok());
}

TEST_P(MediaServiceTest, ConfigReportsUploadLimit) {
  EXPECT_EQ(service_->queryConfig(ctx_).maxUploadBytes, 1024 * 1024);
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(MediaServiceTest);

}  // namespace plexus::media
