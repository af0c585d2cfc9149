// CachingDeviceKeySource: hits and misses, invalidation (one device, a whole user), a read that
// raced an invalidation is not kept, max age, the LRU bound; and end to end, a real
// KeyserverService (SQLite and PostgreSQL) whose outbox is relayed to an in-memory bus, as the
// cluster relays it to Redis: a claim makes the next cached answer fresh.
#include "root/caching_key_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "keyserver/api/output.h"
#include "keyserver/impl/keyserver_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/outbox.h"
#include "plexus/bus/relay.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::node {
namespace {

using Counts = std::map<std::string, std::int64_t>;
using Clock = CachingDeviceKeySource::Clock;

const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";

// Answers from maps the test sets, counting calls; `during` runs inside a query (to race it).
class FakeKeySource final : public syncapi::DeviceKeySource {
 public:
  Result<Counts> queryOneTimeKeyCounts(const CallContext&, const std::string& userId,
                                       const std::string& deviceId) override {
    ++countCalls;
    Counts answer = counts[userId + "/" + deviceId];  // read, then the race (if any)
    if (during) during();
    if (failing) return fail(ErrorCode::kUnavailable, "keyserver down");
    return answer;
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext&, const std::string& userId, const std::string& deviceId) override {
    ++fallbackCalls;
    std::vector<std::string> answer = fallback[userId + "/" + deviceId];
    if (during) during();
    if (failing) return fail(ErrorCode::kUnavailable, "keyserver down");
    return answer;
  }
  Result<std::vector<std::string>> queryDeviceIds(const CallContext&,
                                                  const std::string& userId) override {
    ++deviceIdCalls;
    return std::vector<std::string>{userId + "-DEV"};
  }

  std::map<std::string, Counts> counts;
  std::map<std::string, std::vector<std::string>> fallback;
  std::function<void()> during;
  bool failing = false;
  int countCalls = 0;
  int fallbackCalls = 0;
  int deviceIdCalls = 0;
};

class CachingKeySourceTest : public ::testing::Test {
 protected:
  void SetUp() override { make({}); }

  void make(CachingDeviceKeySource::Options options) {
    auto fake = std::make_unique<FakeKeySource>();
    fake_ = fake.get();
    options.now = [this] { return now_; };
    cache_ = std::make_unique<CachingDeviceKeySource>(std::move(fake), std::move(options));
  }

  Counts counts(const std::string& user, const std::string& device) {
    auto r = cache_->queryOneTimeKeyCounts(ctx_, user, device);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Counts{};
  }
  std::vector<std::string> fallback(const std::string& user, const std::string& device) {
    auto r = cache_->queryUnusedFallbackKeyTypes(ctx_, user, device);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<std::string>{};
  }

  CallContext ctx_;
  Clock::time_point now_ = Clock::time_point{} + std::chrono::hours(1);
  FakeKeySource* fake_ = nullptr;
  std::unique_ptr<CachingDeviceKeySource> cache_;
};

TEST_F(CachingKeySourceTest, AsksOnceThenAnswersFromTheCache) {
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 5}};
  fake_->fallback[kAlice + "/DEV1"] = {"signed_curve25519"};
  EXPECT_EQ(counts(kAlice, "DEV1"), (Counts{{"signed_curve25519", 5}}));
  EXPECT_EQ(fallback(kAlice, "DEV1"), std::vector<std::string>{"signed_curve25519"});
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 4}};  // unannounced: not seen
  fake_->fallback[kAlice + "/DEV1"] = {};
  EXPECT_EQ(counts(kAlice, "DEV1"), (Counts{{"signed_curve25519", 5}}));
  EXPECT_EQ(fallback(kAlice, "DEV1"), std::vector<std::string>{"signed_curve25519"});
  EXPECT_EQ(fake_->countCalls, 1);
  EXPECT_EQ(fake_->fallbackCalls, 1);
  EXPECT_EQ(cache_->size(), 1u);  // both answers of a device are one entry
}

TEST_F(CachingKeySourceTest, DevicesAreCachedApart) {
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 1}};
  fake_->counts[kAlice + "/DEV2"] = {{"signed_curve25519", 2}};
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 1);
  EXPECT_EQ(counts(kAlice, "DEV2").at("signed_curve25519"), 2);
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 1);
  EXPECT_EQ(fake_->countCalls, 2);
}

TEST_F(CachingKeySourceTest, InvalidateForgetsOnlyThatDevice) {
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 5}};
  fake_->counts[kAlice + "/DEV2"] = {{"signed_curve25519", 7}};
  counts(kAlice, "DEV1");
  counts(kAlice, "DEV2");
  fallback(kAlice, "DEV1");
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 4}};
  fake_->fallback[kAlice + "/DEV1"] = {"signed_curve25519"};
  cache_->invalidate(kAlice, "DEV1");
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 4);
  EXPECT_EQ(fallback(kAlice, "DEV1"), std::vector<std::string>{"signed_curve25519"});
  EXPECT_EQ(counts(kAlice, "DEV2").at("signed_curve25519"), 7);
  EXPECT_EQ(fake_->countCalls, 3);
  EXPECT_EQ(fake_->fallbackCalls, 2);
  EXPECT_EQ(cache_->invalidations(), 1u);
}

TEST_F(CachingKeySourceTest, InvalidateWithoutDeviceForgetsEveryDeviceOfTheUser) {
  counts(kAlice, "DEV1");
  counts(kAlice, "DEV2");
  counts(kBob, "DEV1");
  counts("@alice:example.orgx", "DEV1");  // a user ID the first one is a prefix of
  ASSERT_EQ(cache_->size(), 4u);
  cache_->invalidate(kAlice, "");
  EXPECT_EQ(cache_->size(), 2u);
  counts(kAlice, "DEV1");
  counts(kAlice, "DEV2");
  counts(kBob, "DEV1");
  counts("@alice:example.orgx", "DEV1");
  EXPECT_EQ(fake_->countCalls, 6);
}

TEST_F(CachingKeySourceTest, ReadThatRacedAnInvalidationIsNotKept) {
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 5}};
  // The keyserver answers 5, then (before the answer is stored) a claim is announced.
  bool raced = false;
  fake_->during = [this, &raced] {
    if (raced) return;
    raced = true;
    fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 4}};
    cache_->invalidate(kAlice, "DEV1");
  };
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 5);  // answered, not kept
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 4);
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 4);
  EXPECT_EQ(fake_->countCalls, 2);
}

TEST_F(CachingKeySourceTest, AnswersOlderThanMaxAgeAreAskedAgain) {
  make({.maxEntries = 10, .maxAge = std::chrono::seconds(30), .now = {}});
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 5}};
  counts(kAlice, "DEV1");
  now_ += std::chrono::seconds(30);
  counts(kAlice, "DEV1");
  EXPECT_EQ(fake_->countCalls, 1);
  // A lost bus message: the keyserver changed, nobody said so; healed after maxAge.
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 3}};
  now_ += std::chrono::milliseconds(1);
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 3);
  EXPECT_EQ(fake_->countCalls, 2);
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 3);
  EXPECT_EQ(fake_->countCalls, 2);
}

TEST_F(CachingKeySourceTest, KeepsAtMostMaxEntriesDroppingTheLeastRecentlyUsed) {
  make({.maxEntries = 2, .maxAge = std::chrono::seconds(30), .now = {}});
  counts(kAlice, "DEV1");
  counts(kAlice, "DEV2");
  counts(kAlice, "DEV1");  // DEV2 is now the least recently used
  counts(kAlice, "DEV3");  // evicts DEV2
  EXPECT_EQ(cache_->size(), 2u);
  EXPECT_EQ(fake_->countCalls, 3);
  counts(kAlice, "DEV1");
  counts(kAlice, "DEV3");
  EXPECT_EQ(fake_->countCalls, 3);
  counts(kAlice, "DEV2");  // asked again; evicts DEV1
  EXPECT_EQ(fake_->countCalls, 4);
  EXPECT_EQ(cache_->size(), 2u);
}

TEST_F(CachingKeySourceTest, ZeroEntriesCachesNothing) {
  make({.maxEntries = 0, .maxAge = std::chrono::seconds(30), .now = {}});
  counts(kAlice, "DEV1");
  counts(kAlice, "DEV1");
  EXPECT_EQ(fake_->countCalls, 2);
  EXPECT_EQ(cache_->size(), 0u);
}

TEST_F(CachingKeySourceTest, ErrorsAreReturnedAndNotCached) {
  fake_->failing = true;
  auto r = cache_->queryOneTimeKeyCounts(ctx_, kAlice, "DEV1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(cache_->queryUnusedFallbackKeyTypes(ctx_, kAlice, "DEV1").ok());
  fake_->failing = false;
  fake_->counts[kAlice + "/DEV1"] = {{"signed_curve25519", 2}};
  EXPECT_EQ(counts(kAlice, "DEV1").at("signed_curve25519"), 2);
  EXPECT_EQ(fake_->countCalls, 2);
}

TEST_F(CachingKeySourceTest, DeviceIdsPassThrough) {
  for (int i = 0; i < 2; ++i) {
    auto ids = cache_->queryDeviceIds(ctx_, kAlice);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, std::vector<std::string>{kAlice + "-DEV"});
  }
  EXPECT_EQ(fake_->deviceIdCalls, 2);
}

// The answers sync-api gets from the keyserver (as ServiceKeySource gives them), counted.
class KeyserverKeySource final : public syncapi::DeviceKeySource {
 public:
  explicit KeyserverKeySource(keyserver::KeyserverApi& keys) : keys_(keys) {}
  Result<Counts> queryOneTimeKeyCounts(const CallContext& ctx, const std::string& userId,
                                       const std::string& deviceId) override {
    ++calls;
    return keys_.queryOneTimeKeyCounts(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override {
    ++calls;
    return keys_.queryUnusedFallbackKeyTypes(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryDeviceIds(const CallContext&, const std::string&) override {
    return std::vector<std::string>{};
  }
  std::atomic<int> calls{0};

 private:
  keyserver::KeyserverApi& keys_;
};

class CachingKeySourceBusTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto outbox = bus::Outbox::open(db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    keyserver::KeyserverOptions options;
    options.publishOneTimeKeyChanges = true;
    keys_ = std::make_unique<keyserver::KeyserverService>(db(), *outbox_, options);
    ASSERT_TRUE(keys_->migrate().ok());
    // The keyserver's process copies its outbox to the shared bus; sync-api's reads it there.
    auto relayed = bus::relay(*outbox_, keyserver::OneTimeKeysChanged::kTopic, memoryBus_);
    ASSERT_TRUE(relayed.ok());
    relay_ = std::move(*relayed);
    auto source = std::make_unique<KeyserverKeySource>(*keys_);
    source_ = source.get();
    cache_ = std::make_unique<CachingDeviceKeySource>(std::move(source));
    auto sub = subscribeToKeyChanges(memoryBus_, "syncapi-keycache-test", *cache_);
    ASSERT_TRUE(sub.ok());
    subscription_ = std::move(*sub);
  }
  void TearDown() override {
    subscription_.reset();
    relay_.reset();
    cache_.reset();
    keys_.reset();
    outbox_.reset();
  }

  // Waits (at most 5 s) until the cache has handled n invalidations.
  bool waitForInvalidations(std::uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (cache_->invalidations() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a bus delivery thread
    }
    return true;
  }

  std::int64_t cachedCount() {
    auto counts = cache_->queryOneTimeKeyCounts(ctx_, kAlice, "DEV1");
    EXPECT_TRUE(counts.ok());
    return counts.ok() ? counts->at("signed_curve25519") : -1;
  }

  CallContext ctx_ = CallContext::withTimeout(std::chrono::seconds(30), "test");
  bus::InProcessBus memoryBus_;
  std::unique_ptr<bus::Outbox> outbox_;
  std::unique_ptr<keyserver::KeyserverService> keys_;
  std::unique_ptr<bus::Subscription> relay_;
  KeyserverKeySource* source_ = nullptr;
  std::unique_ptr<CachingDeviceKeySource> cache_;
  std::unique_ptr<bus::Subscription> subscription_;
};

TEST_P(CachingKeySourceBusTest, ClaimMakesTheNextCachedAnswerFresh) {
  json::Object otks{{"signed_curve25519:A1", json::Object{{"key", "a1"}}},
                    {"signed_curve25519:A2", json::Object{{"key", "a2"}}}};
  json::Object fallbackKey{{"signed_curve25519:F1", json::Object{{"key", "f1"}}}};
  ASSERT_TRUE(keys_->performUploadKeys(ctx_, kAlice, "DEV1", std::nullopt, otks, fallbackKey).ok());
  ASSERT_TRUE(waitForInvalidations(1));  // the upload's own message

  EXPECT_EQ(cachedCount(), 2);
  EXPECT_EQ(cachedCount(), 2);
  EXPECT_EQ(source_->calls.load(), 1);  // the second /sync cost no keyserver call

  keyserver::ClaimKeysRequest claim{{kAlice, {{"DEV1", "signed_curve25519"}}}};
  ASSERT_TRUE(keys_->performClaimKeys(ctx_, claim).ok());
  ASSERT_TRUE(waitForInvalidations(2));
  EXPECT_EQ(cachedCount(), 1);
  EXPECT_EQ(source_->calls.load(), 2);

  // Both one-time keys gone, then the fallback key handed out: the fallback types follow.
  ASSERT_TRUE(keys_->performClaimKeys(ctx_, claim).ok());
  ASSERT_TRUE(waitForInvalidations(3));
  auto types = cache_->queryUnusedFallbackKeyTypes(ctx_, kAlice, "DEV1");
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(*types, std::vector<std::string>{"signed_curve25519"});
  ASSERT_TRUE(keys_->performClaimKeys(ctx_, claim).ok());
  ASSERT_TRUE(waitForInvalidations(4));
  EXPECT_EQ(cachedCount(), 0);
  types = cache_->queryUnusedFallbackKeyTypes(ctx_, kAlice, "DEV1");
  ASSERT_TRUE(types.ok());
  EXPECT_TRUE(types->empty());

  // Deleting the device is announced too.
  ASSERT_TRUE(keys_->performDeleteDeviceKeys(ctx_, kAlice, {"DEV1"}).ok());
  EXPECT_TRUE(waitForInvalidations(5));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(CachingKeySourceBusTest);

}  // namespace
}  // namespace plexus::node
