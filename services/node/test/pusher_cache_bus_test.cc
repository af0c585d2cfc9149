// Sync-api's pusher cache kept fresh over the bus, as wired in the cluster: account-sync enqueues
// PushersChanged in its outbox (publishPusherChanges), a relay copies the topic to another bus
// (here an in-process one, in the cluster Redis Streams), and the cache's subscription there
// forgets the user's list, so the next lookup after setting or removing a pusher is fresh
// although the cache's max age is never reached (its clock is frozen). SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "accountsync/api/output.h"
#include "accountsync/impl/accountsync_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/outbox.h"
#include "plexus/bus/relay.h"
#include "plexus/storage/testing/database_test.h"
#include "syncapi/impl/caching_pushers.h"

namespace plexus::node {
namespace {

json::Object httpPusher(std::string pushkey) {
  return json::Object{
      {"pushkey", std::move(pushkey)},
      {"kind", "http"},
      {"app_id", "org.example.app"},
      {"app_display_name", "Example"},
      {"device_display_name", "Phone"},
      {"lang", "en"},
      {"data", json::Object{{"url", "https://push.example/_matrix/push/v1/notify"}}}};
}

class PusherCacheBusTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(accountsync::AccountSyncService::migrate(db()).ok());
    auto outbox = bus::Outbox::open(db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    accountsync::AccountSyncOptions options = accountsync::AccountSyncOptions::forTests();
    options.publishPusherChanges = true;
    accounts_ =
        std::make_unique<accountsync::AccountSyncService>("example.org", db(), *outbox_, options);
    auto relayed = bus::relay(*outbox_, accountsync::PushersChanged::kTopic, clusterBus_);
    ASSERT_TRUE(relayed.ok()) << relayed.error().message;
    relay_ = std::move(*relayed);
    syncapi::CachingPusherDirectory::Options cacheOptions;
    const auto frozen = syncapi::CachingPusherDirectory::Clock::now();
    cacheOptions.now = [frozen] { return frozen; };
    cache_ = std::make_unique<syncapi::CachingPusherDirectory>(
        std::make_unique<syncapi::AccountSyncPushers>(*accounts_), cacheOptions);
    auto sub = syncapi::subscribeToPusherChanges(clusterBus_, "syncapi-pushers-test", *cache_);
    ASSERT_TRUE(sub.ok()) << sub.error().message;
    invalidations_ = std::move(*sub);
  }

  void TearDown() override {
    invalidations_.reset();
    cache_.reset();
    relay_.reset();
    accounts_.reset();
    outbox_.reset();
  }

  // Pushkeys of the user's pushers as the cache answers.
  std::vector<std::string> cachedPushkeys(const std::string& userId) {
    std::vector<std::string> keys;
    auto pushers = cache_->queryPushers(userId);
    EXPECT_TRUE(pushers.ok());
    if (pushers.ok())
      for (const auto& p : *pushers) keys.push_back(p.pushkey);
    return keys;
  }

  // Waits (bounded) until the cache has seen `n` invalidations from the bus.
  bool invalidatedAtLeast(std::uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (cache_->invalidations() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // relay and delivery threads
    return cache_->invalidations() >= n;
  }

  using Keys = std::vector<std::string>;

  std::unique_ptr<bus::Outbox> outbox_;
  std::unique_ptr<accountsync::AccountSyncService> accounts_;
  bus::InProcessBus clusterBus_;
  std::unique_ptr<bus::Subscription> relay_;
  std::unique_ptr<syncapi::CachingPusherDirectory> cache_;
  std::unique_ptr<bus::Subscription> invalidations_;
  CallContext ctx_;
};

TEST_P(PusherCacheBusTest, SettingAndRemovingAPusherMakesTheNextLookupFresh) {
  accountsync::RegisterRequest r;
  r.localpart = "alice";
  r.password = "pw";
  auto alice = accounts_->performRegister(ctx_, r);
  ASSERT_TRUE(alice.ok()) << alice.error().message;

  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{});  // cached: no pushers
  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{});
  EXPECT_EQ(cache_->hits(), 1u);

  ASSERT_TRUE(
      accounts_->performSetPusher(ctx_, alice->userId, alice->deviceId, httpPusher("k1")).ok());
  ASSERT_TRUE(invalidatedAtLeast(1));
  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{"k1"});
  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{"k1"});  // and cached again

  json::Object removal = httpPusher("k1");
  removal.set("kind", nullptr);
  ASSERT_TRUE(accounts_->performSetPusher(ctx_, alice->userId, alice->deviceId, removal).ok());
  ASSERT_TRUE(invalidatedAtLeast(2));
  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{});

  // Logging out removes the device's pushers: also published.
  ASSERT_TRUE(
      accounts_->performSetPusher(ctx_, alice->userId, alice->deviceId, httpPusher("k2")).ok());
  ASSERT_TRUE(invalidatedAtLeast(3));
  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{"k2"});
  ASSERT_TRUE(accounts_->performLogout(ctx_, alice->accessToken).ok());
  ASSERT_TRUE(invalidatedAtLeast(4));
  EXPECT_EQ(cachedPushkeys(alice->userId), Keys{});
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PusherCacheBusTest);

}  // namespace
}  // namespace plexus::node
