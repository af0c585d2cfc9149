// Sync-api replicas sharing one store (SyncServiceOptions::Replication, impl/replica_tail.cc):
// a writer that consumes the room events and a reader that does not, on the same database and
// bus. Long-polls parked on either replica wake for writes made on the other; the reader's room
// index follows membership changes; typing crosses over the bus; a write whose hint never comes
// is still seen through the poll.
#include <future>
#include <map>
#include <set>

#include "plexus/json/canonical.h"
#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

using namespace std::chrono_literals;

class SyncReplicasTest : public SyncServiceTest {
 protected:
  void adjustOptions(SyncServiceOptions& options) override {
    options.replication.enabled = true;
    options.replication.consumesInputs = true;
    options.replication.replicaName = "writer";
    options.replication.tailPollMs = 100;
    readerOptions_ = options;
    readerOptions_.replication.consumesInputs = false;
    readerOptions_.replication.replicaName = "reader";
  }
  void SetUp() override {
    SyncServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    reader_ = makeReplica(bus_, readerOptions_);
  }
  void TearDown() override {
    for (auto& r : extra_) r->stop();
    if (reader_) reader_->stop();
    SyncServiceTest::TearDown();
  }

  std::unique_ptr<SyncService> makeReplica(bus::Bus& bus, const SyncServiceOptions& options) {
    auto made = SyncService::create(db(), bus, &keys_, options);
    EXPECT_TRUE(made.ok()) << made.error().message;
    if (!made.ok()) return nullptr;
    EXPECT_TRUE((*made)->start().ok());
    return std::move(*made);
  }

  // Not inlined: GCC 12 reports a false -Wrestrict on the inlined string copies.
  [[gnu::noinline]] static Result<json::Object> syncOn(SyncService& replica,
                                                       const std::string& user,
                                                       const std::string& since,
                                                       std::int64_t timeoutMs) {
    SyncRequest req;
    req.userId = user;
    req.deviceId = "D";
    req.since = since;
    req.timeoutMs = timeoutMs;
    return replica.querySync(CallContext{}, req);
  }
  static std::string batchOf(const json::Object& r) {
    auto s = r.find("next_batch");
    return s && s->getString() ? *s->getString() : "";
  }
  // A long-poll on `replica` from `since`, answered on another thread.
  static std::future<Result<json::Object>> poll(SyncService& replica, const std::string& user,
                                                const std::string& since) {
    return std::async(std::launch::async,
                      [&replica, user, since] { return syncOn(replica, user, since, 10000); });
  }

  // Bounded wait until the reader has made every position the writer knows visible.
  void awaitReaderCaughtUp() {
    for (int i = 0; i < 100 && reader_->currentToken().stream < sync_->currentToken().stream; ++i) {
      std::this_thread::sleep_for(20ms);
    }
  }
  static bool hasReadReceipt(const json::Object& response, const std::string& eventId,
                             const std::string& userId) {
    for (const auto& e : array(response, {"rooms", "join", "!r1:test", "ephemeral", "events"})) {
      if (at(e, {"content", eventId, "m.read", userId})) return true;
    }
    return false;
  }

  SyncServiceOptions readerOptions_;
  bus::InProcessBus isolatedBus_;  // declared before the replicas that use it
  std::unique_ptr<SyncService> reader_;
  std::vector<std::unique_ptr<SyncService>> extra_;
};

TEST_P(SyncReplicasTest, ReaderWakesForEventsTheWriterStores) {
  TestRoom room = makeRoom("!r1:test", true);
  // The reader started before the room existed: its index learns bob's membership by reading
  // back what the writer stored.
  auto first = syncOn(*reader_, "@bob:test", "", 0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_FALSE(array(*first, {"rooms", "join", "!r1:test", "timeline", "events"}).empty());
  auto waiting = poll(*reader_, "@bob:test", batchOf(*first));
  std::this_thread::sleep_for(50ms);
  feed(room.message("@alice:test", "hello reader"));
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  auto woken = waiting.get();
  ASSERT_TRUE(woken.ok()) << woken.error().message;
  EXPECT_EQ(bodies(array(*woken, {"rooms", "join", "!r1:test", "timeline", "events"})),
            std::vector<std::string>{"hello reader"});
  // Both replicas agree on the stream position.
  EXPECT_EQ(reader_->currentToken().stream, sync_->currentToken().stream);
}

TEST_P(SyncReplicasTest, WriterWakesForReceiptsAndTypingTakenByTheReader) {
  TestRoom room = makeRoom("!r1:test", true);
  auto msg = room.message("@alice:test", "read me");
  feed(msg);
  // Wait until the reader has read the room back (typing checks membership).
  awaitReaderCaughtUp();
  std::string since = batchOf(sync("@bob:test", "BOB1"));
  auto waiting = poll(*sync_, "@bob:test", since);
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(reader_
                  ->performReceipt(CallContext{}, ReceiptRequest{"!r1:test", "@alice:test",
                                                                 "m.read", msg.eventId, "", 1234})
                  .ok());
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  auto woken = waiting.get();
  ASSERT_TRUE(woken.ok()) << woken.error().message;
  EXPECT_TRUE(hasReadReceipt(*woken, msg.eventId, "@alice:test"));

  since = batchOf(*woken);
  waiting = poll(*sync_, "@bob:test", since);
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(
      reader_->performTyping(CallContext{}, TypingRequest{"!r1:test", "@alice:test", true, 30000})
          .ok());
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  woken = waiting.get();
  ASSERT_TRUE(woken.ok()) << woken.error().message;
  bool sawTyping = false;
  for (const auto& e : array(*woken, {"rooms", "join", "!r1:test", "ephemeral", "events"})) {
    if (e.getStringAt("type") == "m.typing") {
      sawTyping = true;
      EXPECT_EQ(*at(e, {"content", "user_ids"}), json::Value(json::Array{"@alice:test"}));
    }
  }
  EXPECT_TRUE(sawTyping);
}

TEST_P(SyncReplicasTest, ReaderIndexFollowsMembership) {
  TestRoom room = makeRoom("!r1:test", false);
  feed(room.member("@carol:test", "join"));
  // The reader refuses typing from non-members: carol becomes a member there once it caught up.
  bool allowed = false;
  for (int i = 0; i < 100 && !allowed; ++i) {
    allowed =
        reader_->performTyping(CallContext{}, TypingRequest{"!r1:test", "@carol:test", true, 1000})
            .ok();
    if (!allowed) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(allowed);
  feed(room.member("@carol:test", "leave"));
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    Status typed =
        reader_->performTyping(CallContext{}, TypingRequest{"!r1:test", "@carol:test", true, 1000});
    refused = !typed.ok() && typed.error().code == ErrorCode::kForbidden;
    if (!refused) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(refused);
}

// Each replica keeps a user's memberships from one /sync to the next (known_memberships.cc):
// a join and then a leave stored after that must still show up on both.
TEST_P(SyncReplicasTest, MembershipsChangedAfterASyncShowOnBothReplicas) {
  TestRoom room = makeRoom("!r1:test", false);
  std::map<SyncService*, std::string> since;
  for (SyncService* replica : {sync_.get(), reader_.get()}) {
    auto first = syncOn(*replica, "@carol:test", "", 0);
    ASSERT_TRUE(first.ok()) << first.error().message;
    json::Value whole(*first);
    EXPECT_EQ(at(whole, {"rooms", "join", "!r1:test"}), nullptr);
    since[replica] = batchOf(*first);
  }
  for (const std::string membership : {"join", "leave"}) {
    feed(room.member("@carol:test", membership));
    awaitReaderCaughtUp();
    for (SyncService* replica : {sync_.get(), reader_.get()}) {
      auto next = syncOn(*replica, "@carol:test", since[replica], 0);
      ASSERT_TRUE(next.ok()) << next.error().message;
      json::Value whole(*next);
      EXPECT_NE(at(whole, {"rooms", membership, "!r1:test"}), nullptr)
          << (replica == reader_.get() ? "reader: " : "writer: ") << json::canonical(*next);
      since[replica] = batchOf(*next);
    }
  }
}

// The reader keeps each user's unread counts between syncs and learns of new notifications
// only from the positions it reads back (it is not told whom they were for).
TEST_P(SyncReplicasTest, ReaderCountsNotificationsStoredByTheWriter) {
  TestRoom room = makeRoom("!r1:test", true);  // alice and bob: one-to-one, every message notifies
  feed(room.message("@alice:test", "one"));
  awaitReaderCaughtUp();
  auto count = [](const json::Object& r) -> std::int64_t {
    json::Value whole(r);
    const json::Value* c =
        at(whole, {"rooms", "join", "!r1:test", "unread_notifications", "notification_count"});
    return c && c->getInt() ? *c->getInt() : -1;
  };
  auto first = syncOn(*reader_, "@bob:test", "", 0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(count(*first), 1);
  std::string since = batchOf(*first);
  feed(room.message("@bob:test", "bob's own"));  // notifies alice, not bob
  feed(room.message("@alice:test", "two"));
  feed(room.message("@alice:test", "three"));
  awaitReaderCaughtUp();
  auto next = syncOn(*reader_, "@bob:test", since, 0);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(count(*next), 3) << json::canonical(*next);
  auto alice = syncOn(*reader_, "@alice:test", "", 0);
  ASSERT_TRUE(alice.ok()) << alice.error().message;
  EXPECT_EQ(count(*alice), 1);
}

// Each replica keeps the lazy-loaded members it sent to a device (lazy_members_cache.h). The
// device starts over on the other replica, which sends a different set; back on the first,
// the members it had kept must not be trusted.
TEST_P(SyncReplicasTest, LazyMembersKeptByAReplicaAreDroppedWhenTheDeviceStartedOverElsewhere) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.member("@carol:test", "join"));
  feed(room.message("@carol:test", "from carol"));
  json::Object filter{{"room", json::Object{{"timeline", json::Object{{"limit", 1}}},
                                            {"state", json::Object{{"lazy_load_members", true}}}}}};
  auto syncLazy = [&](SyncService& replica, const std::string& since) {
    SyncRequest req;
    req.userId = "@bob:test";
    req.deviceId = "BOB1";
    req.since = since;
    req.filter = filter;
    auto r = replica.querySync(CallContext{}, req);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(*r) : json::Object{};
  };
  auto members = [](const json::Object& r) {
    std::set<std::string> out;
    for (const auto& e : array(r, {"rooms", "join", "!r1:test", "state", "events"})) {
      if (e.getStringAt("type") == "m.room.member")
        out.insert(std::string(*e.getStringAt("state_key")));
    }
    return out;
  };
  json::Object first = syncLazy(*sync_, "");
  EXPECT_EQ(members(first), (std::set<std::string>{"@bob:test", "@carol:test"}));
  feed(room.message("@carol:test", "again"));
  json::Object second = syncLazy(*sync_, batchOf(first));
  EXPECT_TRUE(members(second).empty());  // carol's member event went out already
  // The device starts over on the reader while alice has the last word: bob and alice now.
  feed(room.message("@alice:test", "hello"));
  awaitReaderCaughtUp();
  json::Object restarted = syncLazy(*reader_, "");
  EXPECT_EQ(members(restarted), (std::set<std::string>{"@alice:test", "@bob:test"}));
  // Carol speaks and the device is back on the writer: her member event is due again.
  feed(room.message("@carol:test", "still here"));
  json::Object back = syncLazy(*sync_, batchOf(restarted));
  EXPECT_EQ(members(back), (std::set<std::string>{"@carol:test"})) << json::canonical(back);
}

TEST_P(SyncReplicasTest, WriteWithoutHintIsSeenThroughThePoll) {
  TestRoom room = makeRoom("!r1:test", true);
  // A third replica on a bus of its own: its hints never reach the reader.
  SyncServiceOptions options = readerOptions_;
  options.replication.replicaName = "isolated";
  extra_.push_back(makeReplica(isolatedBus_, options));
  ASSERT_TRUE(extra_.back());
  auto msg = room.message("@alice:test", "read me");
  feed(msg);
  awaitReaderCaughtUp();
  std::string since = batchOf(sync("@bob:test", "BOB1"));
  auto waiting = poll(*reader_, "@bob:test", since);
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(extra_.back()
                  ->performReceipt(CallContext{}, ReceiptRequest{"!r1:test", "@alice:test",
                                                                 "m.read", msg.eventId, "", 99})
                  .ok());
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  auto woken = waiting.get();
  ASSERT_TRUE(woken.ok()) << woken.error().message;
  EXPECT_TRUE(hasReadReceipt(*woken, msg.eventId, "@alice:test")) << json::canonical(*woken);
}

TEST_P(SyncReplicasTest, ATokenFromAnotherReplicaIsAcceptedAtOnce) {
  TestRoom room = makeRoom("!r1:test", true);
  // Over and over: a write on the writer, its token, and at once a /sync on the reader with it
  // (a client whose calls moved); the reader reads the positions back instead of refusing.
  for (int i = 0; i < 20; ++i) {
    feed(room.message("@alice:test", std::to_string(i)));
    std::string since = batchOf(sync("@bob:test", "BOB1"));
    auto answer = syncOn(*reader_, "@bob:test", since, 0);
    ASSERT_TRUE(answer.ok()) << answer.error().message;
  }
}

TEST_P(SyncReplicasTest, ToDeviceSentOnTheReaderReachesTheWriter) {
  makeRoom("!r1:test", true);
  std::string since = batchOf(sync("@bob:test", "BOB1"));
  auto waiting = std::async(std::launch::async, [&] {
    SyncRequest req;
    req.userId = "@bob:test";
    req.deviceId = "BOB1";
    req.since = since;
    req.timeoutMs = 10000;
    return sync_->querySync(CallContext{}, req);
  });
  std::this_thread::sleep_for(50ms);
  SendToDeviceRequest send;
  send.senderUserId = "@alice:test";
  send.senderDeviceId = "A1";
  send.type = "m.test";
  send.txnId = "t1";
  send.messages["@bob:test"] = json::Object{{"BOB1", json::Object{{"n", 1}}}};
  ASSERT_TRUE(reader_->performSendToDevice(CallContext{}, send).ok());
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  auto woken = waiting.get();
  ASSERT_TRUE(woken.ok()) << woken.error().message;
  auto events = array(*woken, {"to_device", "events"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].getStringAt("type"), "m.test");
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncReplicasTest);

}  // namespace
}  // namespace plexus::syncapi::testing
