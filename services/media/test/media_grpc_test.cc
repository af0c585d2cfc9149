// The media gRPC binding beyond the contract suite: failed calls give exactly the in-process
// Error through gRPC (every ErrorCode with its errcode, message and retry hint), the CallContext
// (deadline, trace ID, caller) reaches the implementation, and a dead server is kUnavailable.
// Built only with gRPC.
#if PLEXUS_HAVE_GRPC

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "media/test/media_bindings.h"

namespace plexus::media {
namespace {

using namespace std::chrono_literals;

// Forwards to another MediaApi and remembers the context of the last call.
class RecordingMediaApi final : public MediaApi {
 public:
  explicit RecordingMediaApi(MediaApi& inner) : inner_(inner) {}
  CallContext last() {
    std::lock_guard lock(mu_);
    return last_;
  }
  // Every call but queryConfig answers `error` (nullopt: forward again).
  void failWith(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    failWith_ = std::move(error);
  }

  Result<UploadResult> performUpload(const CallContext& ctx, const UploadRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUpload(ctx, r);
  }
  Result<CreatedMedia> performCreate(const CallContext& ctx, std::string_view user) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performCreate(ctx, user);
  }
  Status performUploadTo(const CallContext& ctx, std::string_view server, std::string_view id,
                         const UploadRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUploadTo(ctx, server, id, r);
  }
  Result<MediaContent> queryMedia(const CallContext& ctx, std::string_view server,
                                  std::string_view id, std::int64_t maxWaitMs) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryMedia(ctx, server, id, maxWaitMs);
  }
  Result<MediaMetadata> queryMetadata(const CallContext& ctx, std::string_view server,
                                      std::string_view id) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryMetadata(ctx, server, id);
  }
  Result<Thumbnail> queryThumbnail(const CallContext& ctx, const ThumbnailRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryThumbnail(ctx, r);
  }
  MediaConfig queryConfig(const CallContext& ctx) override {
    (void)record(ctx);
    return inner_.queryConfig(ctx);
  }

 private:
  // Remembers ctx; the error to answer instead of forwarding, if one is set.
  std::optional<Error> record(const CallContext& ctx) {
    std::lock_guard lock(mu_);
    last_ = ctx;
    return failWith_;
  }
  MediaApi& inner_;
  std::mutex mu_;
  CallContext last_;
  std::optional<Error> failWith_;
};

class MediaGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    recorder_ = std::make_unique<RecordingMediaApi>(bindings_.inProcess());
    bindings_.startGrpc(recorder_.get());
  }
  void TearDown() override { bindings_.tearDown(); }

  static UploadRequest upload(std::string bytes, std::string user = "@alice:example.org") {
    UploadRequest r;
    r.uploaderUserId = std::move(user);
    r.contentType = "text/plain";
    r.bytes = std::move(bytes);
    return r;
  }

  testing::MediaBindings bindings_;
  std::unique_ptr<RecordingMediaApi> recorder_;
  CallContext ctx_ = CallContext::withTimeout(10s);
};

// Runs `call` on both bindings and expects the same failure.
void expectSameError(const std::function<Status(MediaApi&)>& call, MediaApi& inProcess,
                     MediaApi& grpc, const std::string& what) {
  auto a = call(inProcess);
  auto b = call(grpc);
  ASSERT_FALSE(a.ok()) << what;
  ASSERT_FALSE(b.ok()) << what;
  EXPECT_EQ(static_cast<int>(a.error().code), static_cast<int>(b.error().code)) << what;
  EXPECT_EQ(a.error().errcode(), b.error().errcode()) << what;
  EXPECT_EQ(a.error().message, b.error().message) << what;
  EXPECT_EQ(a.error().retryAfterMs, b.error().retryAfterMs) << what;
}

template <typename T>
Status asStatus(Result<T> r) {
  if (!r.ok()) return std::move(r).takeError();
  return {};
}

TEST_F(MediaGrpcTest, FailuresAreIdenticalInProcessAndThroughGrpc) {
  auto& local = bindings_.inProcess();
  auto& remote = bindings_.grpcClient();
  auto created = local.performCreate(ctx_, "@alice:example.org");
  ASSERT_TRUE(created.ok());
  std::string id = created->mediaId;

  expectSameError(
      [&](MediaApi& api) { return asStatus(api.queryMedia(ctx_, "example.org", "nope", 0)); },
      local, remote, "not found");
  expectSameError(
      [&](MediaApi& api) { return asStatus(api.queryMetadata(ctx_, "example.org", id)); }, local,
      remote, "not yet uploaded");
  expectSameError(
      [&](MediaApi& api) {
        return asStatus(api.performUpload(
            ctx_, upload(std::string(testing::kContractMaxUploadBytes + 1, 'z'))));
      },
      local, remote, "too large");
  expectSameError(
      [&](MediaApi& api) {
        return api.performUploadTo(ctx_, "example.org", id, upload("x", "@eve:example.org"));
      },
      local, remote, "forbidden");
  expectSameError(
      [&](MediaApi& api) {
        ThumbnailRequest req{"example.org", "nope", 0, 32, ThumbnailMethod::kCrop, false};
        return asStatus(api.queryThumbnail(ctx_, req));
      },
      local, remote, "bad size");
}

TEST_F(MediaGrpcTest, EveryErrorCodeCrossesTheHopUnchanged) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    Error sent = makeError(static_cast<ErrorCode>(i), "failure " + std::to_string(i));
    if (i % 2 == 1) sent.retryAfterMs = 1000 + i;
    recorder_->failWith(sent);
    auto got = bindings_.grpcClient().performCreate(ctx_, "@alice:example.org");
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(static_cast<int>(got.error().code), i) << sent.errcode();
    EXPECT_EQ(got.error().errcode(), sent.errcode());
    EXPECT_EQ(got.error().message, sent.message);
    EXPECT_EQ(got.error().retryAfterMs, sent.retryAfterMs) << i;
  }
}

TEST_F(MediaGrpcTest, CallContextReachesTheImplementation) {
  CallContext ctx = CallContext::withTimeout(5s, "client-api");
  ctx.traceId = "trace-123";
  auto up = bindings_.grpcClient().performUpload(ctx, upload("hello"));
  ASSERT_TRUE(up.ok()) << up.error().message;
  CallContext seen = recorder_->last();
  EXPECT_EQ(seen.traceId, "trace-123");
  EXPECT_EQ(seen.caller, "client-api");
  auto diff = seen.deadline - ctx.deadline;
  EXPECT_LT(diff, 100ms);
  EXPECT_GT(diff, -100ms);
}

TEST_F(MediaGrpcTest, NoDeadlineStaysNoDeadline) {
  CallContext ctx;
  (void)bindings_.grpcClient().queryConfig(ctx);
  EXPECT_EQ(recorder_->last().deadline, CallContext::Clock::time_point::max());
}

TEST_F(MediaGrpcTest, UnreachableServerIsUnavailable) {
  GrpcMediaClient client(grpcutil::makeInsecureChannel("127.0.0.1:1"));
  auto got = client.queryMetadata(CallContext::withTimeout(2s), "example.org", "abc");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(static_cast<int>(got.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

}  // namespace
}  // namespace plexus::media

#endif  // PLEXUS_HAVE_GRPC
