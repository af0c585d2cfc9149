// InvalidatedCache: hits, max age, the epoch guard against answers that predate an
// invalidation, range and whole invalidations, the size bound and errors that are not kept.
#include "plexus/core/invalidated_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace plexus {
namespace {

using Cache = InvalidatedCache<std::pair<std::string, std::string>, int>;
using Clock = Cache::Clock;

class InvalidatedCacheTest : public ::testing::Test {
 protected:
  void make(std::size_t maxEntries = 100) {
    Cache::Options options;
    options.maxEntries = maxEntries;
    options.maxAge = std::chrono::seconds(30);
    options.now = [this] { return now_; };
    cache_ = std::make_unique<Cache>(std::move(options));
  }
  // The answer, or -1 for an error.
  int get(const std::string& user, const std::string& device) {
    auto r = cache_->getOrFetch({user, device}, [&]() -> Result<int> {
      ++fetches_;
      if (failNext_) {
        failNext_ = false;
        return fail(ErrorCode::kUnavailable, "source down");
      }
      return value_;
    });
    return r.ok() ? *r : -1;
  }

  Clock::time_point now_ = Clock::time_point{} + std::chrono::hours(1);
  int value_ = 1;
  int fetches_ = 0;
  bool failNext_ = false;
  std::unique_ptr<Cache> cache_;
};

TEST_F(InvalidatedCacheTest, FetchesOnceUntilTooOld) {
  make();
  EXPECT_EQ(get("a", "1"), 1);
  value_ = 2;
  EXPECT_EQ(get("a", "1"), 1);
  EXPECT_EQ(cache_->hits(), 1u);
  now_ += std::chrono::seconds(30);
  EXPECT_EQ(get("a", "1"), 1) << "30 s old is still fresh";
  now_ += std::chrono::milliseconds(1);
  EXPECT_EQ(get("a", "1"), 2);
  EXPECT_EQ(fetches_, 2);
}

TEST_F(InvalidatedCacheTest, AnAnswerReadBeforeAnInvalidationIsNotKept) {
  make();
  auto answer = cache_->getOrFetch({"a", "1"}, [&]() -> Result<int> {
    cache_->invalidate({"b", "9"});  // any invalidation while the read is under way
    return 5;
  });
  EXPECT_EQ(*answer, 5);
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_EQ(get("a", "1"), 1);
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(InvalidatedCacheTest, InvalidationsForgetTheirKeysOnly) {
  make();
  get("a", "1");
  get("a", "2");
  get("ab", "1");  // a user the first one is a prefix of
  get("b", "1");
  cache_->invalidate({"a", "1"});
  EXPECT_EQ(cache_->size(), 3u);
  cache_->invalidateRange({"a", ""}, [](const auto& key) { return key.first == "a"; });
  EXPECT_EQ(cache_->size(), 2u);
  cache_->invalidateAll();
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_EQ(cache_->invalidations(), 3u);
}

TEST_F(InvalidatedCacheTest, TheLeastRecentlyUsedGoesFirst) {
  make(2);
  get("a", "1");
  get("b", "1");
  get("a", "1");  // a is now the most recent
  get("c", "1");  // evicts b
  EXPECT_EQ(cache_->size(), 2u);
  const int before = fetches_;
  get("a", "1");
  EXPECT_EQ(fetches_, before);
  get("b", "1");
  EXPECT_EQ(fetches_, before + 1);
}

TEST_F(InvalidatedCacheTest, ErrorsAreReturnedNotKeptAndZeroKeepsNothing) {
  make();
  failNext_ = true;
  EXPECT_EQ(get("a", "1"), -1);
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_EQ(get("a", "1"), 1);
  make(0);
  get("a", "1");
  get("a", "1");
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_EQ(fetches_, 4);
}

}  // namespace
}  // namespace plexus
