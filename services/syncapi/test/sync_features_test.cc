// Service features on both databases: GET /notifications with the actions the push rules
// produced and read flags set by receipts, exact /keys/changes between sync tokens, search
// ordered by rank and by recency with next_batch, and presence timing out to unavailable and
// offline for users who stop syncing.
#include <chrono>
#include <future>
#include <thread>

#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

class SyncFeaturesTest : public SyncServiceTest {
 protected:
  static std::vector<std::string> strings(const std::vector<std::string>& v) { return v; }

  json::Object searchBody(const std::string& term, const std::string& orderBy, int limit) {
    return json::Object{{"search_categories",
                         json::Object{{"room_events",
                                       json::Object{{"search_term", term},
                                                    {"order_by", orderBy},
                                                    {"filter", json::Object{{"limit", limit}}}}}}}};
  }
  static std::vector<std::string> resultBodies(const json::Object& r) {
    std::vector<std::string> out;
    for (const auto& item : array(r, {"search_categories", "room_events", "results"})) {
      out.emplace_back(*at(item, {"result", "content", "body"})->getString());
    }
    return out;
  }
};

TEST_P(SyncFeaturesTest, NotificationsCarryEvaluatedActionsAndReadFlags) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.member("@carol:test", "join"));  // three members: no one-to-one rule
  auto plain = room.message("@alice:test", "hello there");
  feed(plain);
  auto mention = room.message("@alice:test", "bob: look");
  feed(mention);
  auto all = sync_->queryNotifications(CallContext{}, "@bob:test", "", 10, "");
  ASSERT_TRUE(all.ok()) << all.error().message;
  const json::Array& list = *all->find("notifications")->getArray();
  ASSERT_EQ(list.size(), 2u);
  // Newest first; the mention matched .m.rule.contains_user_name (sound + highlight).
  EXPECT_EQ(list[0].getStringAt("room_id"), "!r1:test");
  EXPECT_EQ(*at(list[0], {"event", "event_id"}), json::Value(mention.eventId));
  EXPECT_EQ(*list[0].get("actions"),
            json::Value(json::Array{"notify", json::Object{{"set_tweak", "sound"}, {"value", "default"}},
                                    json::Object{{"set_tweak", "highlight"}}}));
  EXPECT_EQ(*list[1].get("actions"), json::Value(json::Array{"notify"}));
  EXPECT_EQ(list[0].get("read")->getBool(), false);
  EXPECT_EQ(list[0].get("ts")->getInt(), clockMs_.load());

  ReceiptRequest receipt;
  receipt.roomId = "!r1:test";
  receipt.userId = "@bob:test";
  receipt.receiptType = "m.read";
  receipt.eventId = plain.eventId;
  ASSERT_TRUE(sync_->performReceipt(CallContext{}, receipt).ok());
  auto after = sync_->queryNotifications(CallContext{}, "@bob:test", "", 10, "");
  ASSERT_TRUE(after.ok());
  const json::Array& again = *after->find("notifications")->getArray();
  ASSERT_EQ(again.size(), 2u);  // read notifications stay listed
  EXPECT_EQ(again[0].get("read")->getBool(), false);
  EXPECT_EQ(again[1].get("read")->getBool(), true);
  auto highlights = sync_->queryNotifications(CallContext{}, "@bob:test", "", 10, "highlight");
  ASSERT_TRUE(highlights.ok());
  ASSERT_EQ(highlights->find("notifications")->getArray()->size(), 1u);
  EXPECT_EQ(sync_->queryNotifications(CallContext{}, "@bob:test", "garbage", 10, "").error().code,
            ErrorCode::kInvalidParam);
  json::Object s = sync("@bob:test", "BOB1");
  EXPECT_EQ(at(json::Value(s), {"rooms", "join", "!r1:test", "unread_notifications", "notification_count"})->getInt(), 1);
}

TEST_P(SyncFeaturesTest, KeyChangesAreExactBetweenTokens) {
  TestRoom room = makeRoom("!r1:test", true);
  const std::string t0 = sync_->currentToken().toString();
  ASSERT_TRUE(sync_->inputDeviceListChange(CallContext{}, "@alice:test").ok());
  ASSERT_TRUE(sync_->inputDeviceListChange(CallContext{}, "@stranger:test").ok());
  const std::string t1 = sync_->currentToken().toString();
  feed(room.member("@carol:test", "join"));
  const std::string t2 = sync_->currentToken().toString();
  feed(room.member("@alice:test", "leave"));
  ASSERT_TRUE(sync_->inputDeviceListChange(CallContext{}, "@bob:test").ok());
  const std::string t3 = sync_->currentToken().toString();

  auto first = sync_->queryKeyChanges(CallContext{}, "@bob:test", t0, t1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->changed, strings({"@alice:test"}));  // not the stranger sharing no room
  EXPECT_TRUE(first->left.empty());
  auto joined = sync_->queryKeyChanges(CallContext{}, "@bob:test", t1, t2);
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->changed, strings({"@carol:test"}));  // a new room-mate
  auto left = sync_->queryKeyChanges(CallContext{}, "@bob:test", t2, t3);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->changed, strings({"@bob:test"}));
  EXPECT_EQ(left->left, strings({"@alice:test"}));
  // The whole range: alice changed but shares no room at the end, so she is only in left.
  auto whole = sync_->queryKeyChanges(CallContext{}, "@bob:test", t0, t3);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->changed, strings({"@bob:test", "@carol:test"}));
  EXPECT_EQ(whole->left, strings({"@alice:test"}));
  auto empty = sync_->queryKeyChanges(CallContext{}, "@bob:test", t3, t0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->changed.empty() && empty->left.empty());
  EXPECT_EQ(sync_->queryKeyChanges(CallContext{}, "@bob:test", "x", t1).error().code,
            ErrorCode::kInvalidParam);
}

TEST_P(SyncFeaturesTest, SearchOrdersByRankOrRecencyAndPages) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "fox fox fox"));
  feed(room.message("@alice:test", "a fox and many many other words in this longer message"));
  feed(room.message("@alice:test", "one more fox"));
  feed(room.message("@alice:test", "no match"));

  auto ranked = sync_->performSearch(CallContext{}, "@bob:test", searchBody("fox", "rank", 2), "");
  ASSERT_TRUE(ranked.ok()) << ranked.error().message;
  json::Value root(*ranked);
  EXPECT_EQ(at(root, {"search_categories", "room_events", "count"})->getInt(), 3);
  auto bodies = resultBodies(*ranked);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], "fox fox fox");
  auto results = array(*ranked, {"search_categories", "room_events", "results"});
  EXPECT_GT(*results[0].get("rank")->getFloat(), *results[1].get("rank")->getFloat());
  const json::Value* next = at(root, {"search_categories", "room_events", "next_batch"});
  ASSERT_TRUE(next && next->getString());
  auto rest = sync_->performSearch(CallContext{}, "@bob:test", searchBody("fox", "rank", 2),
                                   *next->getString());
  ASSERT_TRUE(rest.ok()) << rest.error().message;
  EXPECT_EQ(resultBodies(*rest).size(), 1u);
  EXPECT_EQ(at(json::Value(*rest), {"search_categories", "room_events", "next_batch"}), nullptr);

  auto recent = sync_->performSearch(CallContext{}, "@bob:test", searchBody("fox", "recent", 2), "");
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(resultBodies(*recent)[0], "one more fox");
  const json::Value recentRoot(*recent);
  const json::Value* recentNext = at(recentRoot, {"search_categories", "room_events", "next_batch"});
  ASSERT_TRUE(recentNext && recentNext->getString());
  auto older = sync_->performSearch(CallContext{}, "@bob:test", searchBody("fox", "recent", 2),
                                    *recentNext->getString());
  ASSERT_TRUE(older.ok()) << older.error().message;
  EXPECT_EQ(resultBodies(*older), strings({"fox fox fox"}));
  EXPECT_EQ(sync_->performSearch(CallContext{}, "@bob:test", searchBody("fox", "rank", 2), "zz").error().code,
            ErrorCode::kInvalidParam);
}

class PresenceTimeoutTest : public SyncServiceTest {
 protected:
  static std::string nextBatch(const json::Object& r) { return *r.find("next_batch")->getString(); }
  void adjustOptions(SyncServiceOptions& options) override {
    options.presenceIdleAfterMs = 40;
    options.presenceOfflineAfterMs = 120;
  }
  // Waits (bounded) for bob's next /sync after `since` that carries alice's presence.
  std::string nextPresenceOfAlice(std::string& since) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      SyncRequest req;
      req.userId = "@bob:test";
      req.deviceId = "BOB1";
      req.since = since;
      req.timeoutMs = 5000;
      req.setPresence = "offline";  // bob's own syncs must not keep alice's timers busy
      std::promise<Result<json::Object>> done;
      auto handle = sync_->querySyncAsync(CallContext{}, req, [&](Result<json::Object> r) {
        done.set_value(std::move(r));
      });
      auto future = done.get_future();
      if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return "timeout";
      auto r = future.get();
      if (!r.ok()) return "error";
      since = *r->find("next_batch")->getString();
      for (const auto& e : array(*r, {"presence", "events"})) {
        if (e.getStringAt("sender") == "@alice:test") {
          return std::string(*at(e, {"content", "presence"})->getString());
        }
      }
    }
    return "none";
  }
};

TEST_P(PresenceTimeoutTest, IdleUsersBecomeUnavailableThenOffline) {
  makeRoom("!r1:test", true);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  sync("@alice:test", "ALICE1");  // alice is online now
  EXPECT_EQ(nextPresenceOfAlice(since), "online");
  clockMs_ += 50;  // past the idle threshold: the pending check (40 ms real time) acts
  EXPECT_EQ(nextPresenceOfAlice(since), "unavailable");
  clockMs_ += 100;  // past the offline threshold
  EXPECT_EQ(nextPresenceOfAlice(since), "offline");
  auto status = sync_->queryPresence(CallContext{}, "@alice:test");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->presence, "offline");
  EXPECT_EQ(status->lastActiveAgoMs, 150);  // last active = her last sync
  // Syncing again makes her online at once.
  sync("@alice:test", "ALICE1");
  EXPECT_EQ(nextPresenceOfAlice(since), "online");
}

TEST_P(PresenceTimeoutTest, UsersPresentBeforeARestartAreTimedOutAfterIt) {
  makeRoom("!r1:test", true);
  sync("@alice:test", "ALICE1");
  sync_->stop();
  clockMs_ += 200;  // past both thresholds while the service was down
  auto made = SyncService::create(db(), bus_, &keys_, [&] {
    SyncServiceOptions options;
    options.serverName = "test";
    options.clock = [this] { return clockMs_.load(); };
    adjustOptions(options);
    return options;
  }());
  ASSERT_TRUE(made.ok());
  sync_ = std::move(*made);
  ASSERT_TRUE(sync_->start().ok());
  // The restarted service may time her out before or after any sync token a test could take,
  // so check her stored presence, waiting a bounded time for the timer.
  std::string seen = "none";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen != "offline" && std::chrono::steady_clock::now() < deadline) {
    auto status = sync_->queryPresence(CallContext{}, "@alice:test");
    if (status.ok()) seen = status->presence;
    if (seen != "offline") std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(seen, "offline");
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncFeaturesTest);
PLEXUS_INSTANTIATE_DATABASE_TESTS(PresenceTimeoutTest);

}  // namespace
}  // namespace plexus::syncapi::testing
