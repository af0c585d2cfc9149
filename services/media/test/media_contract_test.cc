// The MediaApi contract suite: the same cases against the in-process MediaService and, when
// built with gRPC, through GrpcMediaClient -> gRPC on 127.0.0.1 -> GrpcMediaService ->
// MediaService. Every case states the exact value or ErrorCode/errcode, so both bindings must
// give the same answers.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "media/test/media_bindings.h"
#include "media/test/media_fixture.h"

namespace plexus::media {
namespace {

using namespace std::chrono_literals;

enum class Binding { kInProcess, kGrpc };

class MediaContractTest : public ::testing::TestWithParam<Binding> {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    if (GetParam() == Binding::kInProcess) {
      api_ = &bindings_.inProcess();
      return;
    }
#if PLEXUS_HAVE_GRPC
    bindings_.startGrpc();
    if (HasFatalFailure()) return;
    api_ = &bindings_.grpcClient();
#else
    GTEST_SKIP() << "built without gRPC";
#endif
  }
  void TearDown() override { bindings_.tearDown(); }

  static UploadRequest upload(std::string bytes, std::string contentType = "image/png") {
    UploadRequest r;
    r.uploaderUserId = "@alice:example.org";
    r.contentType = std::move(contentType);
    r.bytes = std::move(bytes);
    return r;
  }
  static void expectError(const Error& e, ErrorCode code, std::string_view errcode) {
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << e.message;
    EXPECT_EQ(e.errcode(), errcode);
  }

  testing::MediaBindings bindings_;
  MediaApi* api_ = nullptr;
  CallContext ctx_ = CallContext::withTimeout(10s, "contract-test");
};

TEST_P(MediaContractTest, UploadThenDownloadGivesSameBytesAndMetadata) {
  std::string bytes("bin\0ary\xff\x80 content", 18);
  auto req = upload(bytes, "application/x-test");
  req.fileName = "r\xc3\xa9sum\xc3\xa9.bin";
  auto up = api_->performUpload(ctx_, req);
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->contentUri, "mxc://example.org/" + up->mediaId);
  EXPECT_TRUE(isValidMediaId(up->mediaId));

  auto got = api_->queryMedia(ctx_, "example.org", up->mediaId, 0);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->bytes, bytes);
  EXPECT_FALSE(got->filePath.empty());
  const auto& m = got->metadata;
  EXPECT_EQ(m.serverName, "example.org");
  EXPECT_EQ(m.mediaId, up->mediaId);
  EXPECT_EQ(m.uploaderUserId, "@alice:example.org");
  EXPECT_EQ(m.contentType, "application/x-test");
  EXPECT_EQ(m.fileName, req.fileName);
  EXPECT_EQ(m.sizeBytes, static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(m.sha256.size(), 64U);
  EXPECT_EQ(m.createdMs, testing::kContractNowMs);
  EXPECT_TRUE(m.thumbnails.empty());
}

TEST_P(MediaContractTest, UploadWithoutFileNameHasNone) {
  auto up = api_->performUpload(ctx_, upload("no name", ""));
  ASSERT_TRUE(up.ok()) << up.error().message;
  auto meta = api_->queryMetadata(ctx_, "example.org", up->mediaId);
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  EXPECT_FALSE(meta->fileName.has_value());
  EXPECT_EQ(meta->contentType, "application/octet-stream");
  EXPECT_EQ(meta->sizeBytes, 7);
}

TEST_P(MediaContractTest, MetadataEqualsDownloadMetadata) {
  auto up = api_->performUpload(ctx_, upload("some bytes", "text/plain"));
  ASSERT_TRUE(up.ok());
  auto meta = api_->queryMetadata(ctx_, "example.org", up->mediaId);
  auto got = api_->queryMedia(ctx_, "example.org", up->mediaId, 0);
  ASSERT_TRUE(meta.ok() && got.ok());
  EXPECT_EQ(meta->sha256, got->metadata.sha256);
  EXPECT_EQ(meta->sizeBytes, got->metadata.sizeBytes);
  EXPECT_EQ(meta->contentType, got->metadata.contentType);
  EXPECT_EQ(meta->createdMs, got->metadata.createdMs);
}

TEST_P(MediaContractTest, ThumbnailIsRenderedAndListedInMetadata) {
  auto up = api_->performUpload(ctx_, upload(testing::makePng(640, 480)));
  ASSERT_TRUE(up.ok());
  ThumbnailRequest req;
  req.serverName = "example.org";
  req.mediaId = up->mediaId;
  req.width = 32;
  req.height = 32;
  req.method = ThumbnailMethod::kCrop;
  auto thumb = api_->queryThumbnail(ctx_, req);
  ASSERT_TRUE(thumb.ok()) << thumb.error().message;
  EXPECT_EQ(thumb->width, 32);
  EXPECT_EQ(thumb->height, 32);
  EXPECT_EQ(thumb->contentType, "image/png");
  EXPECT_FALSE(thumb->isOriginal);
  EXPECT_FALSE(thumb->bytes.empty());

  auto meta = api_->queryMetadata(ctx_, "example.org", up->mediaId);
  ASSERT_TRUE(meta.ok());
  ASSERT_EQ(meta->thumbnails.size(), 1U);
  const auto& info = meta->thumbnails[0];
  EXPECT_EQ(info.width, 32);
  EXPECT_EQ(info.height, 32);
  EXPECT_EQ(info.method, "crop");
  EXPECT_EQ(info.contentType, "image/png");
  EXPECT_EQ(info.sizeBytes, static_cast<std::int64_t>(thumb->bytes.size()));
}

TEST_P(MediaContractTest, ThumbnailOfSmallImageIsTheOriginal) {
  std::string png = testing::makePng(20, 10);
  auto up = api_->performUpload(ctx_, upload(png));
  ASSERT_TRUE(up.ok());
  ThumbnailRequest req{"example.org", up->mediaId, 320, 240, ThumbnailMethod::kScale, false};
  auto thumb = api_->queryThumbnail(ctx_, req);
  ASSERT_TRUE(thumb.ok()) << thumb.error().message;
  EXPECT_TRUE(thumb->isOriginal);
  EXPECT_EQ(thumb->bytes, png);
}

TEST_P(MediaContractTest, ThumbnailOfNonImageIsInvalidParam) {
  auto up = api_->performUpload(ctx_, upload("not an image", "image/png"));
  ASSERT_TRUE(up.ok());
  ThumbnailRequest req{"example.org", up->mediaId, 32, 32, ThumbnailMethod::kCrop, false};
  auto thumb = api_->queryThumbnail(ctx_, req);
  ASSERT_FALSE(thumb.ok());
  expectError(thumb.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
}

TEST_P(MediaContractTest, ConfigReportsUploadLimit) {
  EXPECT_EQ(api_->queryConfig(ctx_).maxUploadBytes, testing::kContractMaxUploadBytes);
}

TEST_P(MediaContractTest, CreateThenUploadToThenDownload) {
  auto created = api_->performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->contentUri, "mxc://example.org/" + created->mediaId);
  EXPECT_GT(created->unusedExpiresAtMs, testing::kContractNowMs);

  auto pending = api_->queryMedia(ctx_, "example.org", created->mediaId, 0);
  ASSERT_FALSE(pending.ok());
  expectError(pending.error(), ErrorCode::kNotYetUploaded, "M_NOT_YET_UPLOADED");

  auto put =
      api_->performUploadTo(ctx_, "example.org", created->mediaId, upload("late", "text/plain"));
  ASSERT_TRUE(put.ok()) << put.error().message;
  auto got = api_->queryMedia(ctx_, "example.org", created->mediaId, 0);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->bytes, "late");

  auto again = api_->performUploadTo(ctx_, "example.org", created->mediaId, upload("again"));
  ASSERT_FALSE(again.ok());
  expectError(again.error(), ErrorCode::kCannotOverwriteMedia, "M_CANNOT_OVERWRITE_MEDIA");
}

TEST_P(MediaContractTest, UploadToAnotherUsersReservationIsForbidden) {
  auto created = api_->performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok());
  auto req = upload("mine");
  req.uploaderUserId = "@mallory:example.org";
  auto put = api_->performUploadTo(ctx_, "example.org", created->mediaId, req);
  ASSERT_FALSE(put.ok());
  expectError(put.error(), ErrorCode::kForbidden, "M_FORBIDDEN");
}

TEST_P(MediaContractTest, TooManyReservationsIsLimitExceeded) {
  ASSERT_TRUE(api_->performCreate(ctx_, "@bob:example.org").ok());
  ASSERT_TRUE(api_->performCreate(ctx_, "@bob:example.org").ok());
  auto third = api_->performCreate(ctx_, "@bob:example.org");
  ASSERT_FALSE(third.ok());
  expectError(third.error(), ErrorCode::kLimitExceeded, "M_LIMIT_EXCEEDED");
}

TEST_P(MediaContractTest, UploadToUnknownIdIsNotFound) {
  auto put = api_->performUploadTo(ctx_, "example.org", "nosuchid", upload("x"));
  ASSERT_FALSE(put.ok());
  expectError(put.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(MediaContractTest, UnknownOrMalformedMediaIsNotFound) {
  for (std::string id : {"doesnotexist", "bad/id", ""}) {
    auto got = api_->queryMedia(ctx_, "example.org", id, 0);
    ASSERT_FALSE(got.ok()) << id;
    expectError(got.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
    auto meta = api_->queryMetadata(ctx_, "example.org", id);
    ASSERT_FALSE(meta.ok()) << id;
    expectError(meta.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
    ThumbnailRequest req{"example.org", id, 32, 32, ThumbnailMethod::kCrop, false};
    auto thumb = api_->queryThumbnail(ctx_, req);
    ASSERT_FALSE(thumb.ok()) << id;
    expectError(thumb.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
  }
}

TEST_P(MediaContractTest, RemoteMediaWithoutFetcherIsNotFound) {
  auto got = api_->queryMedia(ctx_, "other.example", "abc", 0);
  ASSERT_FALSE(got.ok());
  expectError(got.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(MediaContractTest, TooLargeUploadIsRejected) {
  auto up = api_->performUpload(
      ctx_,
      upload(std::string(static_cast<std::size_t>(testing::kContractMaxUploadBytes) + 1, 'x')));
  ASSERT_FALSE(up.ok());
  expectError(up.error(), ErrorCode::kTooLarge, "M_TOO_LARGE");
  EXPECT_EQ(up.error().httpStatus(), 413);
}

TEST_P(MediaContractTest, UploadAtTheLimitIsAccepted) {
  std::string big(static_cast<std::size_t>(testing::kContractMaxUploadBytes), 'y');
  auto up = api_->performUpload(ctx_, upload(big, "application/octet-stream"));
  ASSERT_TRUE(up.ok()) << up.error().message;
  auto got = api_->queryMedia(ctx_, "example.org", up->mediaId, 0);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->bytes, big);
}

TEST_P(MediaContractTest, EmptyUploaderIsInvalidParam) {
  auto req = upload("x");
  req.uploaderUserId.clear();
  auto up = api_->performUpload(ctx_, req);
  ASSERT_FALSE(up.ok());
  expectError(up.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
}

TEST_P(MediaContractTest, ExpiredDeadlineIsUnavailable) {
  CallContext late;
  late.deadline = CallContext::Clock::now() - 1ms;
  auto up = api_->performUpload(late, upload("x"));
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(static_cast<int>(up.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

TEST_P(MediaContractTest, DeadlineBoundsTheWaitForPendingContent) {
  auto created = api_->performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok());
  auto start = std::chrono::steady_clock::now();
  auto got =
      api_->queryMedia(CallContext::withTimeout(200ms), "example.org", created->mediaId, 10'000);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got.ok());
  // In process the wait ends with kNotYetUploaded; over gRPC the client's deadline may fire
  // first (kUnavailable). Either way the caller is not kept past its deadline.
  EXPECT_TRUE(got.error().code == ErrorCode::kNotYetUploaded ||
              got.error().code == ErrorCode::kUnavailable)
      << got.error().message;
  EXPECT_LT(elapsed, 3s);
}

std::string bindingName(const ::testing::TestParamInfo<Binding>& param) {
  return param.param == Binding::kInProcess ? "InProcess" : "Grpc";
}

INSTANTIATE_TEST_SUITE_P(Bindings, MediaContractTest,
                         ::testing::Values(Binding::kInProcess, Binding::kGrpc), bindingName);

}  // namespace
}  // namespace plexus::media
