// Pending pushes survive a restart: the PendingPushStore on SQLite and PostgreSQL, and the
// PushDeliverer / SyncService resuming stored pushes (sent exactly once, forgotten once sent or
// refused, dropped when the pusher went away in between), with a real gateway on loopback.
#include <gtest/gtest.h>

#include "push_test_support.h"
#include "service_fixture.h"
#include "syncapi/storage/pending_push_store.h"

namespace plexus::syncapi::testing {
namespace {

using namespace std::chrono_literals;

// A notify URL on a loopback port where nothing listens (a gateway that is down).
std::uint16_t closedPort() {
  FakeGateway gone;
  return gone.port();
}

std::string urlAt(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port) + "/_matrix/push/v1/notify";
}

class PendingPushStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto made = makeSqlPendingPushStore(db());
    ASSERT_TRUE(made.ok()) << made.error().message;
    store_ = std::move(*made);
  }

  static PendingPush push(const std::string& pushkey, std::int64_t dueMs) {
    return PendingPush{0, "@bob:test", "org.example.app", pushkey, urlAt(9), R"({"n":1})",
                       1, dueMs};
  }

  std::vector<PendingPush> all() {
    auto rows = store_->queryPendingPushes(100);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<PendingPush>{};
  }

  std::unique_ptr<PendingPushStore> store_;
};

TEST_P(PendingPushStoreTest, StoresUpdatesAndForgetsPushesEarliestDueFirst) {
  auto late = store_->addPendingPush(push("late", 2000));
  auto early = store_->addPendingPush(push("early", 1000));
  ASSERT_TRUE(late.ok() && early.ok());
  EXPECT_NE(*late, *early);

  auto rows = all();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].pushkey, "early");
  EXPECT_EQ(rows[0].id, *early);
  EXPECT_EQ(rows[0].userId, "@bob:test");
  EXPECT_EQ(rows[0].appId, "org.example.app");
  EXPECT_EQ(rows[0].url, urlAt(9));
  EXPECT_EQ(rows[0].body, R"({"n":1})");
  EXPECT_EQ(rows[0].attempt, 1);

  ASSERT_TRUE(store_->updatePendingPush(*early, 3, 5000).ok());
  rows = all();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].pushkey, "late");
  EXPECT_EQ(rows[1].attempt, 3);
  EXPECT_EQ(rows[1].dueMs, 5000);

  ASSERT_TRUE(store_->removePendingPush(*late).ok());
  ASSERT_TRUE(store_->removePendingPush(*late).ok());  // already gone: not an error
  ASSERT_TRUE(store_->updatePendingPush(*late, 2, 1).ok());
  rows = all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].pushkey, "early");
  ASSERT_EQ(store_->queryPendingPushes(0)->size(), 0u);
}

TEST_P(PendingPushStoreTest, PushesOutliveTheStoreObject) {
  ASSERT_TRUE(store_->addPendingPush(push("k", 1)).ok());
  store_.reset();
  auto again = makeSqlPendingPushStore(db());  // migrations run again: a no-op
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->queryPendingPushes(10)->size(), 1u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PendingPushStoreTest);

// PushDeliverer over a real PendingPushStore.
class PushDelivererPersistenceTest : public PendingPushStoreTest {
 protected:
  std::unique_ptr<PushDeliverer> deliverer(std::chrono::milliseconds firstRetry = 60s) {
    PushDeliveryOptions options;
    options.workers = 1;
    options.firstRetryDelay = firstRetry;
    options.pendingStore = shared_;
    options.clock = [this] { return clockMs_.load(); };
    auto d = std::make_unique<PushDeliverer>(pushers_, PushDetailsSource{}, options);
    d->start();
    return d;
  }
  void SetUp() override {
    PendingPushStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    shared_ = std::move(store_);
  }
  std::size_t stored() { return shared_->queryPendingPushes(100)->size(); }

  std::atomic<std::int64_t> clockMs_{1700000000000};
  std::shared_ptr<PendingPushStore> shared_;
  FakePushers pushers_;
};

TEST_P(PushDelivererPersistenceTest, DeliveredPushIsForgotten) {
  FakeGateway gateway;
  pushers_.add("@bob:test", "key-bob", gateway.url());
  auto d = deliverer();
  ASSERT_TRUE(d->enqueue(messageFor("@bob:test", "$e1")));
  ASSERT_TRUE(waitUntil([&] { return d->stats().delivered == 1; }));
  EXPECT_TRUE(waitUntil([&] { return stored() == 0; }));
  EXPECT_EQ(d->stats().storeErrors, 0u);
}

TEST_P(PushDelivererPersistenceTest, RefusedPushIsForgotten) {
  FakeGateway gateway;
  gateway.setResponder([](int) { return http::Response::text("no", 400); });
  pushers_.add("@bob:test", "key-bob", gateway.url());
  auto d = deliverer();
  ASSERT_TRUE(d->enqueue(messageFor("@bob:test", "$e1")));
  ASSERT_TRUE(waitUntil([&] { return d->stats().failed == 1; }));
  EXPECT_TRUE(waitUntil([&] { return stored() == 0; }));
}

TEST_P(PushDelivererPersistenceTest, RetryIsStoredWithItsAttemptAndDueTime) {
  pushers_.add("@bob:test", "key-bob", urlAt(closedPort()));
  auto d = deliverer(60s);
  ASSERT_TRUE(d->enqueue(messageFor("@bob:test", "$e1")));
  ASSERT_TRUE(waitUntil([&] { return d->stats().retried == 1; }));
  d->stop();
  auto rows = shared_->queryPendingPushes(10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].attempt, 2);
  EXPECT_EQ((*rows)[0].dueMs, clockMs_.load() + 60'000);
  EXPECT_EQ((*rows)[0].pushkey, "key-bob");
}

TEST_P(PushDelivererPersistenceTest, StoredPushOfARemovedPusherIsDroppedOnResume) {
  const std::uint16_t port = closedPort();
  pushers_.add("@bob:test", "key-bob", urlAt(port));
  {
    auto d = deliverer(60s);
    ASSERT_TRUE(d->enqueue(messageFor("@bob:test", "$e1")));
    ASSERT_TRUE(waitUntil([&] { return d->stats().retried == 1; }));
  }
  ASSERT_TRUE(pushers_.removePusher("@bob:test", "org.example.app", "key-bob").ok());
  FakeGateway gateway(std::nullopt, port);
  clockMs_ += 10 * 60'000;
  auto d = deliverer();
  EXPECT_EQ(d->stats().resumed, 1u);
  ASSERT_TRUE(waitUntil([&] { return stored() == 0; }));
  EXPECT_EQ(gateway.received(), 0u);
  EXPECT_EQ(d->stats().delivered, 0u);
}

TEST_P(PushDelivererPersistenceTest, StoredPushWaitsUntilItIsDue) {
  const std::uint16_t port = closedPort();
  pushers_.add("@bob:test", "key-bob", urlAt(port));
  {
    auto d = deliverer(60s);
    ASSERT_TRUE(d->enqueue(messageFor("@bob:test", "$e1")));
    ASSERT_TRUE(waitUntil([&] { return d->stats().retried == 1; }));
  }
  FakeGateway gateway(std::nullopt, port);
  auto d = deliverer();  // the clock has not moved: the retry is 60 s away
  EXPECT_EQ(d->stats().resumed, 1u);
  EXPECT_EQ(gateway.received(), 0u);
  EXPECT_EQ(stored(), 1u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(PushDelivererPersistenceTest);

// Through the real SyncService: a push made while the gateway is down survives the service.
class SyncPushRestartTest : public SyncServiceTest {
 protected:
  void SetUp() override {
    SyncServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sync_->stop();
    sync_.reset();
  }
  void makeService() {
    SyncServiceOptions options;
    options.serverName = "test";
    options.clock = [this] { return clockMs_.load(); };
    PushDeliveryOptions pushOptions;
    pushOptions.workers = 1;
    pushOptions.firstRetryDelay = 60s;
    auto made = SyncService::create(db(), bus_, &keys_, nullptr, &pushers_, options, pushOptions);
    ASSERT_TRUE(made.ok()) << made.error().message;
    sync_ = std::move(*made);
    ASSERT_TRUE(sync_->start().ok());
  }
  std::size_t stored() {
    auto store = makeSqlPendingPushStore(db());
    return store.ok() ? (*store)->queryPendingPushes(100)->size() : 999;
  }

  FakePushers pushers_;
};

TEST_P(SyncPushRestartTest, PushMadeWhileGatewayIsDownArrivesOnceAfterRestart) {
  const std::uint16_t port = closedPort();
  ASSERT_NO_FATAL_FAILURE(makeService());
  TestRoom room = makeRoom("!restart:test", true);
  pushers_.add("@bob:test", "key-bob", urlAt(port));
  auto fromAlice = room.message("@alice:test", "are you there?");
  feed(fromAlice);
  ASSERT_TRUE(waitUntil([&] { return sync_->pushDeliverer()->stats().retried == 1; }));
  sync_.reset();  // the node goes down with the push still pending
  EXPECT_EQ(stored(), 1u);

  FakeGateway gateway(std::nullopt, port);  // the gateway comes back
  clockMs_ += 10 * 60'000;                  // past the stored retry time
  ASSERT_NO_FATAL_FAILURE(makeService());
  auto bodies = gateway.waitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  json::Value n(notificationOf(bodies[0]));
  EXPECT_EQ(n.getStringAt("event_id"), fromAlice.eventId);
  EXPECT_EQ(n.get("devices")->getArray()->front().getStringAt("pushkey"), "key-bob");
  ASSERT_TRUE(waitUntil([&] { return sync_->pushDeliverer()->stats().delivered == 1; }));
  EXPECT_EQ(sync_->pushDeliverer()->stats().resumed, 1u);
  ASSERT_TRUE(waitUntil([&] { return stored() == 0; }));

  // Another restart sends nothing again.
  sync_.reset();
  ASSERT_NO_FATAL_FAILURE(makeService());
  EXPECT_EQ(sync_->pushDeliverer()->stats().resumed, 0u);
  EXPECT_EQ(gateway.received(), 1u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncPushRestartTest);

}  // namespace
}  // namespace plexus::syncapi::testing
