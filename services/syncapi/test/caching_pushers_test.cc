// CachingPusherDirectory: hits, misses, per-user and global invalidation, the epoch guard
// against storing a list read before an invalidation, max age, the size bound, removal passing
// through, and the PushersChanged subscription on an in-process bus.
#include "syncapi/impl/caching_pushers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "accountsync/api/output.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::syncapi {
namespace {

using Clock = CachingPusherDirectory::Clock;

accountsync::Pusher pusher(std::string pushkey) {
  accountsync::Pusher p;
  p.pushkey = std::move(pushkey);
  p.kind = "http";
  p.appId = "org.example.app";
  p.data = json::Object{{"url", "https://push.example/_matrix/push/v1/notify"}};
  return p;
}

// An account-sync stand-in: pushers per user, counting lookups; `duringQuery` runs inside a
// lookup (after the cache missed, before it stores), to race an invalidation against it.
class FakeDirectory final : public PusherDirectory {
 public:
  Result<std::vector<accountsync::Pusher>> queryPushers(const std::string& userId) override {
    ++queries[userId];
    if (duringQuery) duringQuery();
    if (failing) return fail(ErrorCode::kUnavailable, "account-sync is down");
    return pushers[userId];
  }
  Status removePusher(const std::string& userId, const std::string& appId,
                      const std::string& pushkey) override {
    auto& list = pushers[userId];
    std::erase_if(list, [&](const accountsync::Pusher& p) {
      return p.appId == appId && p.pushkey == pushkey;
    });
    return {};
  }

  std::map<std::string, std::vector<accountsync::Pusher>> pushers;
  std::map<std::string, int> queries;
  std::function<void()> duringQuery;
  bool failing = false;
};

class CachingPusherDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override { make({}); }

  static CachingPusherDirectory::Options bounded(std::size_t maxEntries) {
    CachingPusherDirectory::Options options;
    options.maxEntries = maxEntries;
    return options;
  }

  void make(CachingPusherDirectory::Options options) {
    options.now = [this] { return now_; };
    auto inner = std::make_unique<FakeDirectory>();
    fake_ = inner.get();
    cache_ = std::make_unique<CachingPusherDirectory>(std::move(inner), std::move(options));
  }

  std::size_t count(const std::string& user) {
    auto got = cache_->queryPushers(user);
    EXPECT_TRUE(got.ok());
    return got.ok() ? got->size() : 999;
  }

  Clock::time_point now_ = Clock::time_point(std::chrono::hours(1));
  FakeDirectory* fake_ = nullptr;
  std::unique_ptr<CachingPusherDirectory> cache_;
};

TEST_F(CachingPusherDirectoryTest, SecondLookupIsAHit) {
  fake_->pushers["@a:x"] = {pusher("k1")};
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(fake_->queries["@a:x"], 1);
  EXPECT_EQ(cache_->hits(), 1u);
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(CachingPusherDirectoryTest, CachesEmptyLists) {
  EXPECT_EQ(count("@nobody:x"), 0u);
  EXPECT_EQ(count("@nobody:x"), 0u);
  EXPECT_EQ(fake_->queries["@nobody:x"], 1);
}

TEST_F(CachingPusherDirectoryTest, ErrorsAreReturnedAndNotCached) {
  fake_->failing = true;
  EXPECT_FALSE(cache_->queryPushers("@a:x").ok());
  fake_->failing = false;
  fake_->pushers["@a:x"] = {pusher("k1")};
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(fake_->queries["@a:x"], 2);
}

TEST_F(CachingPusherDirectoryTest, InvalidateForgetsOnlyThatUser) {
  fake_->pushers["@a:x"] = {pusher("k1")};
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(count("@b:x"), 0u);
  fake_->pushers["@a:x"].push_back(pusher("k2"));
  fake_->pushers["@b:x"] = {pusher("k3")};
  cache_->invalidate("@a:x");
  EXPECT_EQ(count("@a:x"), 2u);  // fresh
  EXPECT_EQ(count("@b:x"), 0u);  // still cached
  EXPECT_EQ(fake_->queries["@a:x"], 2);
  EXPECT_EQ(fake_->queries["@b:x"], 1);
}

TEST_F(CachingPusherDirectoryTest, InvalidateAllForgetsEveryone) {
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(count("@b:x"), 0u);
  fake_->pushers["@a:x"] = {pusher("k1")};
  fake_->pushers["@b:x"] = {pusher("k2")};
  cache_->invalidateAll();
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(count("@b:x"), 1u);
  EXPECT_EQ(cache_->invalidations(), 1u);
}

TEST_F(CachingPusherDirectoryTest, ListReadBeforeAnInvalidationIsNotStored) {
  fake_->pushers["@a:x"] = {pusher("old")};
  // The change lands (and its invalidation arrives) while the lookup is in flight.
  fake_->duringQuery = [this] {
    fake_->duringQuery = nullptr;
    cache_->invalidate("@a:x");
  };
  auto raced = cache_->queryPushers("@a:x");
  ASSERT_TRUE(raced.ok());
  EXPECT_EQ(cache_->size(), 0u);  // answered, not kept
  fake_->pushers["@a:x"] = {pusher("new")};
  auto next = cache_->queryPushers("@a:x");
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].pushkey, "new");
  EXPECT_EQ(fake_->queries["@a:x"], 2);
}

TEST_F(CachingPusherDirectoryTest, InvalidationOfAnotherUserAlsoRefusesTheRacingRead) {
  // One epoch for everyone: conservative, and the next read stores.
  fake_->duringQuery = [this] {
    fake_->duringQuery = nullptr;
    cache_->invalidate("@b:x");
  };
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(CachingPusherDirectoryTest, AnswersOlderThanMaxAgeAreAskedAgain) {
  EXPECT_EQ(count("@a:x"), 0u);
  fake_->pushers["@a:x"] = {pusher("k1")};
  now_ += std::chrono::seconds(30);
  EXPECT_EQ(count("@a:x"), 0u);  // 30 s is still fresh
  now_ += std::chrono::milliseconds(1);
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(fake_->queries["@a:x"], 2);
}

TEST_F(CachingPusherDirectoryTest, KeepsAtMostMaxEntriesDroppingTheLeastRecentlyUsed) {
  make(bounded(2));
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(count("@b:x"), 0u);
  EXPECT_EQ(count("@a:x"), 0u);  // a is now the most recent
  EXPECT_EQ(count("@c:x"), 0u);  // evicts b
  EXPECT_EQ(cache_->size(), 2u);
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(fake_->queries["@a:x"], 1);
  EXPECT_EQ(count("@b:x"), 0u);
  EXPECT_EQ(fake_->queries["@b:x"], 2);
}

TEST_F(CachingPusherDirectoryTest, ZeroMaxEntriesCachesNothing) {
  make(bounded(0));
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(fake_->queries["@a:x"], 2);
}

TEST_F(CachingPusherDirectoryTest, RemovePusherPassesThroughAndForgetsTheUser) {
  fake_->pushers["@a:x"] = {pusher("k1"), pusher("k2")};
  EXPECT_EQ(count("@a:x"), 2u);
  ASSERT_TRUE(cache_->removePusher("@a:x", "org.example.app", "k1").ok());
  EXPECT_EQ(fake_->pushers["@a:x"].size(), 1u);
  EXPECT_EQ(count("@a:x"), 1u);
  EXPECT_EQ(fake_->queries["@a:x"], 2);
}

// PushersChanged on the bus reaches the cache: a user's invalidates that user, an empty user ID
// everyone.
TEST_F(CachingPusherDirectoryTest, SubscriptionInvalidatesOnPushersChanged) {
  bus::InProcessBus bus;
  auto sub = subscribeToPusherChanges(bus, "syncapi-pushers-test", *cache_);
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  EXPECT_EQ(count("@a:x"), 0u);
  EXPECT_EQ(count("@b:x"), 0u);
  fake_->pushers["@a:x"] = {pusher("k1")};
  ASSERT_TRUE(bus::publishTyped(bus, accountsync::PushersChanged{"@a:x"}).ok());
  auto waitFor = [&](std::uint64_t invalidations) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (cache_->invalidations() < invalidations && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the bus delivery thread
    return cache_->invalidations() >= invalidations;
  };
  ASSERT_TRUE(waitFor(1));
  EXPECT_EQ(cache_->size(), 1u);  // b's still held
  EXPECT_EQ(count("@a:x"), 1u);
  ASSERT_TRUE(bus::publishTyped(bus, accountsync::PushersChanged{""}).ok());
  ASSERT_TRUE(waitFor(2));
  EXPECT_EQ(cache_->size(), 0u);
}

}  // namespace
}  // namespace plexus::syncapi
