// MediaService with media of other servers, through a fake RemoteMediaFetcher: fetched once and
// then served from the cache (with the remote's type and file name), one fetch for concurrent
// requests, the size limit, remote errors (not cached), thumbnails rendered locally from the
// cached original, and no fetcher at all. On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "media/impl/image_codec.h"
#include "media/test/media_fixture.h"

namespace plexus::media {
namespace {

using testing::makePng;

// Answers every fetch with `answer`; can hold fetches until released.
class FakeFetcher final : public RemoteMediaFetcher {
 public:
  Result<RemoteMedia> fetchRemoteMedia(const CallContext&, std::string_view serverName,
                                       std::string_view mediaId, std::int64_t maxBytes) override {
    std::unique_lock lock(mutex_);
    ++calls_;
    lastServer_ = std::string(serverName);
    lastMediaId_ = std::string(mediaId);
    lastMaxBytes_ = maxBytes;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return !hold_; });
    return answer_;
  }

  void answer(Result<RemoteMedia> a) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(a);
  }
  void hold(bool on) {
    {
      std::lock_guard lock(mutex_);
      hold_ = on;
    }
    changed_.notify_all();
  }
  bool waitForCalls(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return calls_ >= n; });
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::string lastServer() {
    std::lock_guard lock(mutex_);
    return lastServer_;
  }
  std::string lastMediaId() {
    std::lock_guard lock(mutex_);
    return lastMediaId_;
  }
  std::int64_t lastMaxBytes() {
    std::lock_guard lock(mutex_);
    return lastMaxBytes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  Result<RemoteMedia> answer_ = RemoteMedia{"text/plain", "remote.txt", "remote bytes"};
  bool hold_ = false;
  int calls_ = 0;
  std::string lastServer_;
  std::string lastMediaId_;
  std::int64_t lastMaxBytes_ = 0;
};

class RemoteMediaTest : public testing::MediaServiceTest {
 protected:
  void SetUp() override {
    MediaServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    service_->setRemoteFetcher(&fetcher_);
  }
  void TearDown() override {
    if (service_) service_->setRemoteFetcher(nullptr);
    MediaServiceTest::TearDown();
  }
  Result<MediaContent> download(std::string_view id, std::string_view server = "remote.test") {
    return service_->queryMedia(ctx_, server, id, 0);
  }

  FakeFetcher fetcher_;
};

TEST_P(RemoteMediaTest, FetchesOnceThenServesFromTheCache) {
  auto first = download("abcDEF_123");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->bytes, "remote bytes");
  EXPECT_EQ(first->metadata.serverName, "remote.test");
  EXPECT_EQ(first->metadata.mediaId, "abcDEF_123");
  EXPECT_EQ(first->metadata.contentType, "text/plain");
  EXPECT_EQ(first->metadata.fileName, "remote.txt");
  EXPECT_EQ(first->metadata.sizeBytes, 12);
  EXPECT_EQ(first->metadata.sha256, sha256Hex("remote bytes"));
  EXPECT_EQ(fetcher_.lastServer(), "remote.test");
  EXPECT_EQ(fetcher_.lastMediaId(), "abcDEF_123");
  EXPECT_EQ(fetcher_.lastMaxBytes(), options().maxUploadBytes);

  // The remote changes its answer; the cache does not ask again.
  fetcher_.answer(fail(ErrorCode::kUnavailable, "down"));
  auto second = download("abcDEF_123");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->bytes, "remote bytes");
  auto meta = service_->queryMetadata(ctx_, "remote.test", "abcDEF_123");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->fileName, "remote.txt");
  EXPECT_EQ(fetcher_.calls(), 1);

  // Another process (or a restart) finds the same cache.
  service_ = makeService(options());
  EXPECT_EQ(download("abcDEF_123")->bytes, "remote bytes");
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_P(RemoteMediaTest, SameIdOnAnotherServerIsAnotherItem) {
  auto up = service_->performUpload(ctx_, upload("local bytes", "text/plain"));
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(download(up->mediaId)->bytes, "remote bytes");
  EXPECT_EQ(service_->queryMedia(ctx_, "example.org", up->mediaId, 0)->bytes, "local bytes");
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_P(RemoteMediaTest, ConcurrentRequestsShareOneFetch) {
  fetcher_.hold(true);
  constexpr int kClients = 6;
  std::vector<std::thread> clients;
  std::atomic<int> served{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      auto got = download("shared");
      if (got.ok() && got->bytes == "remote bytes") ++served;
    });
  }
  ASSERT_TRUE(fetcher_.waitForCalls(1));
  fetcher_.hold(false);
  for (auto& t : clients) t.join();
  EXPECT_EQ(served.load(), kClients);
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_P(RemoteMediaTest, WaitersSeeTheLeadersFailureAndNothingIsCached) {
  fetcher_.answer(fail(ErrorCode::kNotFound, "no such media"));
  fetcher_.hold(true);
  std::vector<std::thread> clients;
  std::atomic<int> notFound{0};
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      if (download("gone").error().code == ErrorCode::kNotFound) ++notFound;
    });
  }
  ASSERT_TRUE(fetcher_.waitForCalls(1));
  fetcher_.hold(false);
  for (auto& t : clients) t.join();
  EXPECT_EQ(notFound.load(), 3);
  // A failure is not cached: the next request asks again.
  const int before = fetcher_.calls();
  fetcher_.answer(RemoteMedia{"text/plain", std::nullopt, "back"});
  EXPECT_EQ(download("gone")->bytes, "back");
  EXPECT_EQ(fetcher_.calls(), before + 1);
}

TEST_P(RemoteMediaTest, ContentOverTheUploadLimitIsTooLargeAndNotStored) {
  fetcher_.answer(
      RemoteMedia{"application/zip", std::nullopt,
                  std::string(static_cast<std::size_t>(options().maxUploadBytes) + 1, 'z')});
  auto got = download("big");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTooLarge);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (e.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 0U);
}

TEST_P(RemoteMediaTest, RemoteErrorsBecomeNotFoundTooLargeOrUnavailable) {
  struct Case {
    ErrorCode remote;
    ErrorCode seen;
  };
  for (Case c : {Case{ErrorCode::kNotFound, ErrorCode::kNotFound},
                 Case{ErrorCode::kUnrecognized, ErrorCode::kNotFound},
                 Case{ErrorCode::kTooLarge, ErrorCode::kTooLarge},
                 Case{ErrorCode::kUnavailable, ErrorCode::kUnavailable},
                 Case{ErrorCode::kBadJson, ErrorCode::kUnavailable},
                 Case{ErrorCode::kForbidden, ErrorCode::kUnavailable}}) {
    fetcher_.answer(fail(c.remote, "remote says no"));
    auto got = download("err");
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, c.seen) << static_cast<int>(c.remote);
    EXPECT_NE(got.error().message.find("remote.test"), std::string::npos);
  }
}

TEST_P(RemoteMediaTest, UntidyRemoteMetadataIsReplaced) {
  fetcher_.answer(RemoteMedia{"text/plain\r\nX-Evil: 1", std::string("a\nb.txt"), "x"});
  auto got = download("untidy");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->metadata.contentType, "application/octet-stream");
  EXPECT_EQ(got->metadata.fileName, std::nullopt);
  fetcher_.answer(RemoteMedia{"", std::nullopt, "y"});
  EXPECT_EQ(download("untyped")->metadata.contentType, "application/octet-stream");
}

TEST_P(RemoteMediaTest, MalformedIdsAndServerNamesAreNotFoundWithoutFetching) {
  EXPECT_EQ(download("../etc").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(download("ok", "bad/server").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(download("ok", "").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fetcher_.calls(), 0);
}

TEST_P(RemoteMediaTest, WithoutAFetcherRemoteMediaIsNotFound) {
  service_->setRemoteFetcher(nullptr);
  EXPECT_EQ(download("abc").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fetcher_.calls(), 0);
}

TEST_P(RemoteMediaTest, ThumbnailsOfRemoteImagesAreRenderedFromTheCachedOriginal) {
  fetcher_.answer(RemoteMedia{"image/png", "photo.png", makePng(400, 300)});
  ThumbnailRequest r;
  r.serverName = "remote.test";
  r.mediaId = "photo";
  r.width = 32;
  r.height = 32;
  r.method = ThumbnailMethod::kCrop;
  auto thumb = service_->queryThumbnail(ctx_, r);
  ASSERT_TRUE(thumb.ok()) << thumb.error().message;
  EXPECT_FALSE(thumb->isOriginal);
  EXPECT_EQ(thumb->width, 32);
  EXPECT_EQ(thumb->height, 32);
  // Cached like a local thumbnail; the original is not fetched again.
  auto again = service_->queryThumbnail(ctx_, r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes, thumb->bytes);
  EXPECT_EQ(download("photo")->metadata.thumbnails.size(), 1U);
  EXPECT_EQ(fetcher_.calls(), 1);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(RemoteMediaTest);

}  // namespace
}  // namespace plexus::media
