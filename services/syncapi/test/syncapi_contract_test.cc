// The SyncApi contract suite: the same cases against the in-process SyncService and, when built
// with gRPC, through GrpcSyncClient -> gRPC on 127.0.0.1 -> GrpcSyncService -> SyncService.
// Rooms are fed to the shared service directly (the roomserver's bus output); every call under
// test goes through the binding. Read-only answers are also compared whole with the in-process
// answer to the same call, so every field of the JSON bodies must survive the hop; errors must
// keep their ErrorCode and errcode.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "syncapi_bindings.h"
#include "test_room.h"

namespace plexus::syncapi::testing {
namespace {

using namespace std::chrono_literals;

enum class Binding { kInProcess, kGrpc };

class SyncContractTest : public ::testing::TestWithParam<Binding> {
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

  SyncApi& local() { return bindings_.inProcess(); }
  void feed(const roomserver::OutputRoomEvent& e) { bindings_.feed(e); }

  // A room created by alice with alice joined (and bob when withBob), shared history.
  TestRoom makeRoom(const std::string& roomId, bool withBob) {
    TestRoom room(roomId);
    feed(room.create("@alice:test"));
    feed(room.member("@alice:test", "join"));
    feed(room.event("m.room.power_levels", "@alice:test",
                    json::Object{{"users", json::Object{{"@alice:test", 100}}}}, ""));
    feed(room.event("m.room.history_visibility", "@alice:test",
                    json::Object{{"history_visibility", "shared"}}, ""));
    if (withBob) feed(room.member("@bob:test", "join"));
    return room;
  }

  json::Object sync(const std::string& user, const std::string& device,
                    const std::string& since = "", std::int64_t timeoutMs = 0) {
    SyncRequest req;
    req.userId = user;
    req.deviceId = device;
    req.since = since;
    req.timeoutMs = timeoutMs;
    auto r = api_->querySync(ctx_, req);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : json::Object{};
  }
  static std::string nextBatch(const json::Object& r) {
    const json::Value* v = r.find("next_batch");
    return v && v->getString() ? *v->getString() : std::string();
  }

  static const json::Value* at(const json::Value& v, std::initializer_list<std::string_view> path) {
    const json::Value* cur = &v;
    for (auto key : path) {
      cur = cur->get(key);
      if (!cur) return nullptr;
    }
    return cur;
  }
  static json::Array array(const json::Object& o, std::initializer_list<std::string_view> path) {
    json::Value root(o);
    const json::Value* v = at(root, path);
    return v && v->isArray() ? *v->getArray() : json::Array{};
  }
  static std::vector<std::string> bodies(const json::Array& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (auto b = e.get("content") ? e.get("content")->getStringAt("body") : std::nullopt) {
        out.emplace_back(*b);
      }
    }
    return out;
  }
  static std::vector<std::string> types(const json::Array& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.emplace_back(e.getStringAt("type").value_or(""));
    return out;
  }

  template <typename T>
  static void expectError(const Result<T>& r, ErrorCode code, std::string_view errcode) {
    ASSERT_FALSE(r.ok()) << "expected " << errcode;
    EXPECT_EQ(static_cast<int>(r.error().code), static_cast<int>(code)) << r.error().message;
    EXPECT_EQ(r.error().errcode(), errcode);
  }
  // A read-only answer through the binding equals the in-process answer to the same call.
  static void expectSame(const Result<json::Object>& viaBinding,
                         const Result<json::Object>& inProcess) {
    ASSERT_TRUE(viaBinding.ok()) << viaBinding.error().message;
    ASSERT_TRUE(inProcess.ok()) << inProcess.error().message;
    EXPECT_EQ(*viaBinding, *inProcess);
  }

  SyncBindings bindings_;
  SyncApi* api_ = nullptr;
  CallContext ctx_ = CallContext::withTimeout(20s, "contract-test");
};

// ---- /sync ---------------------------------------------------------------------------------

TEST_P(SyncContractTest, InitialThenIncrementalSync) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "hello \xe2\x9c\x93 \"quoted\"\n"));
  json::Object first = sync("@bob:test", "BOB1");
  EXPECT_FALSE(nextBatch(first).empty());
  EXPECT_EQ(bodies(array(first, {"rooms", "join", "!r1:test", "timeline", "events"})),
            std::vector<std::string>{"hello \xe2\x9c\x93 \"quoted\"\n"});
  json::Value root(first);
  EXPECT_EQ(at(root, {"device_one_time_keys_count", "signed_curve25519"})->getInt(), 7);
  EXPECT_EQ(array(first, {"device_unused_fallback_key_types"}), json::Array{"signed_curve25519"});

  feed(room.message("@alice:test", "second"));
  json::Object next = sync("@bob:test", "BOB1", nextBatch(first));
  EXPECT_EQ(bodies(array(next, {"rooms", "join", "!r1:test", "timeline", "events"})),
            std::vector<std::string>{"second"});
  EXPECT_NE(nextBatch(next), nextBatch(first));
}

TEST_P(SyncContractTest, SyncRequestFieldsAreHonoured) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "text"));
  feed(room.event("m.custom", "@alice:test", json::Object{{"body", "custom"}}));
  json::Object onlyMessages{
      {"room", json::Object{{"timeline", json::Object{{"types", json::Array{"m.room.message"}}}}}}};

  // Inline filter.
  SyncRequest req;
  req.userId = "@bob:test";
  req.deviceId = "BOB1";
  req.filter = onlyMessages;
  auto inline_ = api_->querySync(ctx_, req);
  ASSERT_TRUE(inline_.ok()) << inline_.error().message;
  auto timeline = array(*inline_, {"rooms", "join", "!r1:test", "timeline", "events"});
  ASSERT_FALSE(timeline.empty());
  for (const auto& t : types(timeline)) EXPECT_EQ(t, "m.room.message");

  // Stored filter by ID.
  auto id = api_->performCreateFilter(ctx_, "@bob:test", onlyMessages);
  ASSERT_TRUE(id.ok()) << id.error().message;
  req.filter.reset();
  req.filterId = *id;
  auto byId = api_->querySync(ctx_, req);
  ASSERT_TRUE(byId.ok()) << byId.error().message;
  for (const auto& t : types(array(*byId, {"rooms", "join", "!r1:test", "timeline", "events"})))
    EXPECT_EQ(t, "m.room.message");

  // full_state with a since token brings the room's state again; set_presence is applied.
  req.filterId.clear();
  req.since = nextBatch(*byId);
  req.fullState = true;
  req.setPresence = "unavailable";
  auto full = api_->querySync(ctx_, req);
  ASSERT_TRUE(full.ok()) << full.error().message;
  auto state = types(array(*full, {"rooms", "join", "!r1:test", "state", "events"}));
  EXPECT_NE(std::find(state.begin(), state.end(), "m.room.create"), state.end());
  auto presence = api_->queryPresence(ctx_, "@bob:test");
  ASSERT_TRUE(presence.ok()) << presence.error().message;
  EXPECT_EQ(presence->presence, "unavailable");

  // Errors.
  req = SyncRequest{};
  req.userId = "@bob:test";
  req.since = "garbage";
  expectError(api_->querySync(ctx_, req), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  req.since.clear();
  req.filterId = "999999";
  auto unknown = api_->querySync(ctx_, req);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, local().querySync(ctx_, req).error().code);
}

TEST_P(SyncContractTest, LongPollTimesOutWithAnEmptyResponse) {
  makeRoom("!r1:test", true);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  auto start = std::chrono::steady_clock::now();
  json::Object r = sync("@bob:test", "BOB1", since, 200);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 180ms);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(array(r, {"rooms", "join", "!r1:test", "timeline", "events"}).empty());
  EXPECT_EQ(nextBatch(r), since);
}

TEST_P(SyncContractTest, AsyncSyncWakesOnNewEvent) {
  TestRoom room = makeRoom("!r1:test", true);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  SyncRequest req;
  req.userId = "@bob:test";
  req.deviceId = "BOB1";
  req.since = since;
  req.timeoutMs = 30000;
  std::promise<Result<json::Object>> got;
  auto start = std::chrono::steady_clock::now();
  auto handle =
      api_->querySyncAsync(ctx_, req, [&](Result<json::Object> r) { got.set_value(std::move(r)); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // returns at once
  auto future = got.get_future();
  EXPECT_EQ(future.wait_for(100ms), std::future_status::timeout);
  feed(room.message("@alice:test", "wake up"));
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  auto r = future.get();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bodies(array(*r, {"rooms", "join", "!r1:test", "timeline", "events"})),
            std::vector<std::string>{"wake up"});
  handle->cancel();  // after completion: a no-op
}

TEST_P(SyncContractTest, AsyncSyncErrorsAndInitialSyncComeThroughTheCallback) {
  makeRoom("!r1:test", true);
  SyncRequest req;
  req.userId = "@bob:test";
  req.deviceId = "BOB1";
  req.since = "garbage";
  std::promise<Result<json::Object>> bad;
  auto h1 =
      api_->querySyncAsync(ctx_, req, [&](Result<json::Object> r) { bad.set_value(std::move(r)); });
  auto badFuture = bad.get_future();
  ASSERT_EQ(badFuture.wait_for(10s), std::future_status::ready);
  expectError(badFuture.get(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");

  req.since.clear();
  req.timeoutMs = 60000;  // an initial sync never waits
  std::promise<Result<json::Object>> initial;
  auto h2 = api_->querySyncAsync(ctx_, req,
                                 [&](Result<json::Object> r) { initial.set_value(std::move(r)); });
  auto initialFuture = initial.get_future();
  ASSERT_EQ(initialFuture.wait_for(10s), std::future_status::ready);
  auto r = initialFuture.get();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(nextBatch(*r).empty());
}

TEST_P(SyncContractTest, CancelledAsyncSyncIsNeverCalled) {
  TestRoom room = makeRoom("!r1:test", true);
  SyncRequest req;
  req.userId = "@bob:test";
  req.deviceId = "BOB1";
  req.since = nextBatch(sync("@bob:test", "BOB1"));
  req.timeoutMs = 30000;
  std::atomic<int> calls{0};
  auto handle = api_->querySyncAsync(ctx_, req, [&](Result<json::Object>) { ++calls; });
  handle->cancel();
  handle->cancel();  // idempotent
  feed(room.message("@alice:test", "too late"));
  // A later sync sees the message, so the cancelled one had every chance to be woken.
  json::Object r = sync("@bob:test", "BOB1", req.since, 5000);
  EXPECT_EQ(bodies(array(r, {"rooms", "join", "!r1:test", "timeline", "events"})),
            std::vector<std::string>{"too late"});
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 0);
}

// ---- filters -------------------------------------------------------------------------------

TEST_P(SyncContractTest, FiltersRoundTrip) {
  json::Object filter{
      {"event_fields", json::Array{"type", "content.body"}},
      {"room", json::Object{{"timeline",
                             json::Object{{"limit", 5}, {"types", json::Array{"m.room.message"}}}},
                            {"rooms", json::Array{"!r\xc3\xa9:test"}}}}};
  auto id = api_->performCreateFilter(ctx_, "@bob:test", filter);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_FALSE(id->empty());
  auto back = api_->queryFilter(ctx_, "@bob:test", *id);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, filter);
  expectError(api_->queryFilter(ctx_, "@alice:test", *id), ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->performCreateFilter(ctx_, "@bob:test", json::Object{{"room", "nope"}}),
              ErrorCode::kBadJson, "M_BAD_JSON");
}

// ---- history -------------------------------------------------------------------------------

TEST_P(SyncContractTest, MessagesPageWithTokensFiltersAndErrors) {
  TestRoom room = makeRoom("!r1:test", true);
  for (int i = 0; i < 5; ++i) feed(room.message("@alice:test", numbered("m", i)));
  MessagesRequest req;
  req.userId = "@bob:test";
  req.deviceId = "BOB1";
  req.roomId = "!r1:test";
  req.dir = 'b';
  req.limit = 2;
  req.filter = json::Object{{"types", json::Array{"m.room.message"}}};
  auto back1 = api_->queryMessages(ctx_, req);
  ASSERT_TRUE(back1.ok()) << back1.error().message;
  EXPECT_EQ(bodies(*back1->find("chunk")->getArray()), (std::vector<std::string>{"m4", "m3"}));
  expectSame(back1, local().queryMessages(ctx_, req));

  MessagesRequest fwd = req;
  fwd.from = *back1->find("end")->getString();
  fwd.dir = 'f';
  fwd.limit = 10;
  auto forwards = api_->queryMessages(ctx_, fwd);
  ASSERT_TRUE(forwards.ok()) << forwards.error().message;
  EXPECT_EQ(bodies(*forwards->find("chunk")->getArray()), (std::vector<std::string>{"m3", "m4"}));
  expectSame(forwards, local().queryMessages(ctx_, fwd));

  // `to` bounds the page: backwards from the edge to the first page's end.
  MessagesRequest bounded = req;
  bounded.limit = 10;
  bounded.to = *back1->find("end")->getString();
  auto upTo = api_->queryMessages(ctx_, bounded);
  ASSERT_TRUE(upTo.ok()) << upTo.error().message;
  expectSame(upTo, local().queryMessages(ctx_, bounded));

  MessagesRequest bad = req;
  bad.dir = 'x';
  expectError(api_->queryMessages(ctx_, bad), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  bad = req;
  bad.from = "bogus";
  expectError(api_->queryMessages(ctx_, bad), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  bad = req;
  bad.userId = "@stranger:test";
  expectError(api_->queryMessages(ctx_, bad), ErrorCode::kForbidden, "M_FORBIDDEN");
}

TEST_P(SyncContractTest, ContextAndSingleEvents) {
  TestRoom room = makeRoom("!r1:test", true);
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto e = room.message("@alice:test", numbered("c", i));
    ids.push_back(e.eventId);
    feed(e);
  }
  ContextRequest req;
  req.userId = "@bob:test";
  req.roomId = "!r1:test";
  req.eventId = ids[3];
  req.limit = 4;
  req.filter = json::Object{{"lazy_load_members", true}};
  auto ctx = api_->queryContext(ctx_, req);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(ctx->find("event")->getStringAt("event_id"), ids[3]);
  EXPECT_EQ(bodies(*ctx->find("events_before")->getArray()),
            (std::vector<std::string>{"c2", "c1"}));
  EXPECT_EQ(bodies(*ctx->find("events_after")->getArray()), (std::vector<std::string>{"c4", "c5"}));
  expectSame(ctx, local().queryContext(ctx_, req));
  req.eventId = "$missing";
  expectError(api_->queryContext(ctx_, req), ErrorCode::kNotFound, "M_NOT_FOUND");

  auto event = api_->queryEventForUser(ctx_, "@bob:test", "!r1:test", ids[0]);
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->find("event_id")->getString() ? *event->find("event_id")->getString() : "",
            ids[0]);
  expectSame(event, local().queryEventForUser(ctx_, "@bob:test", "!r1:test", ids[0]));
  expectError(api_->queryEventForUser(ctx_, "@bob:test", "!r1:test", "$nope"), ErrorCode::kNotFound,
              "M_NOT_FOUND");
}

TEST_P(SyncContractTest, RelationsAndThreads) {
  TestRoom room = makeRoom("!r1:test", true);
  auto root = room.message("@alice:test", "root");
  feed(root);
  for (int i = 0; i < 3; ++i) {
    feed(room.event("m.room.message", "@bob:test",
                    json::Object{{"body", numbered("reply", i)},
                                 {"m.relates_to", json::Object{{"rel_type", "m.thread"},
                                                               {"event_id", root.eventId}}}}));
  }
  feed(room.event("m.reaction", "@bob:test",
                  json::Object{{"m.relates_to", json::Object{{"rel_type", "m.annotation"},
                                                             {"event_id", root.eventId},
                                                             {"key", "+1"}}}}));
  RelationsRequest req;
  req.userId = "@alice:test";
  req.roomId = "!r1:test";
  req.eventId = root.eventId;
  req.limit = 2;
  auto page = api_->queryRelations(ctx_, req);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->find("chunk")->getArray()->size(), 2u);
  ASSERT_TRUE(page->contains("next_batch"));
  expectSame(page, local().queryRelations(ctx_, req));

  RelationsRequest rest = req;
  rest.from = *page->find("next_batch")->getString();
  rest.limit = 10;
  auto second = api_->queryRelations(ctx_, rest);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->find("chunk")->getArray()->size(), 2u);
  EXPECT_EQ(*second->find("prev_batch"), json::Value(rest.from));
  expectSame(second, local().queryRelations(ctx_, rest));

  RelationsRequest typed = req;
  typed.relType = "m.thread";
  typed.eventType = "m.room.message";
  typed.dir = 'f';
  typed.limit = 10;
  typed.recurse = true;
  auto threadOnly = api_->queryRelations(ctx_, typed);
  ASSERT_TRUE(threadOnly.ok()) << threadOnly.error().message;
  EXPECT_EQ(bodies(*threadOnly->find("chunk")->getArray()),
            (std::vector<std::string>{"reply0", "reply1", "reply2"}));
  expectSame(threadOnly, local().queryRelations(ctx_, typed));
  RelationsRequest bad = req;
  bad.dir = 'q';
  expectError(api_->queryRelations(ctx_, bad), ErrorCode::kInvalidParam, "M_INVALID_PARAM");

  ThreadsRequest treq;
  treq.userId = "@bob:test";
  treq.roomId = "!r1:test";
  treq.include = "participated";
  treq.limit = 5;
  auto threads = api_->queryThreads(ctx_, treq);
  ASSERT_TRUE(threads.ok()) << threads.error().message;
  ASSERT_EQ(threads->find("chunk")->getArray()->size(), 1u);
  const json::Value& t = threads->find("chunk")->getArray()->front();
  EXPECT_EQ(t.getStringAt("event_id"), root.eventId);
  EXPECT_EQ(at(t, {"unsigned", "m.relations", "m.thread", "count"})->getInt(), 3);
  expectSame(threads, local().queryThreads(ctx_, treq));
  treq.include = "mine";
  expectError(api_->queryThreads(ctx_, treq), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  treq.include = "all";
  treq.from = "bogus";
  expectError(api_->queryThreads(ctx_, treq), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
}

TEST_P(SyncContractTest, SearchFindsMessagesInJoinedRooms) {
  TestRoom room = makeRoom("!r1:test", true);
  for (int i = 0; i < 3; ++i) feed(room.message("@alice:test", numbered("The quick fox ", i)));
  feed(room.message("@alice:test", "nothing here"));
  json::Object body{
      {"search_categories",
       json::Object{{"room_events", json::Object{{"search_term", "fox"},
                                                 {"order_by", "recent"},
                                                 {"filter", json::Object{{"limit", 2}}}}}}}};
  auto r = api_->performSearch(ctx_, "@bob:test", body, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  json::Value root(*r);
  auto results = at(root, {"search_categories", "room_events", "results"});
  ASSERT_TRUE(results && results->isArray());
  EXPECT_EQ(results->getArray()->size(), 2u);
  expectSame(r, local().performSearch(ctx_, "@bob:test", body, ""));
  if (auto next = at(root, {"search_categories", "room_events", "next_batch"})) {
    auto more = api_->performSearch(ctx_, "@bob:test", body, *next->getString());
    ASSERT_TRUE(more.ok()) << more.error().message;
    expectSame(more, local().performSearch(ctx_, "@bob:test", body, *next->getString()));
  }
  expectError(api_->performSearch(ctx_, "@bob:test", json::Object{}, ""), ErrorCode::kBadJson,
              "M_BAD_JSON");
  expectError(api_->performSearch(ctx_, "@bob:test", body, "bogus"), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
}

TEST_P(SyncContractTest, TimestampToEventAndNotifications) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.member("@carol:test", "join"));
  auto first = room.message("@alice:test", "hello bob");
  feed(first);
  auto second = room.message("@alice:test", "later");
  feed(second);
  std::int64_t firstTs = *first.event.find("origin_server_ts")->getInt();
  auto f = api_->queryTimestampToEvent(ctx_, "@bob:test", "!r1:test", firstTs, 'f');
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(*f->find("event_id"), json::Value(first.eventId));
  EXPECT_EQ(*f->find("origin_server_ts"), json::Value(firstTs));
  auto b = api_->queryTimestampToEvent(ctx_, "@bob:test", "!r1:test", firstTs + 1000, 'b');
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*b->find("event_id"), json::Value(second.eventId));
  expectError(api_->queryTimestampToEvent(ctx_, "@bob:test", "!r1:test", firstTs * 2, 'f'),
              ErrorCode::kNotFound, "M_NOT_FOUND");
  expectError(api_->queryTimestampToEvent(ctx_, "@bob:test", "!r1:test", firstTs, 'x'),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");

  auto all = api_->queryNotifications(ctx_, "@bob:test", "", 10, "");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->find("notifications")->getArray()->size(), 2u);
  expectSame(all, local().queryNotifications(ctx_, "@bob:test", "", 10, ""));
  auto highlights = api_->queryNotifications(ctx_, "@bob:test", "", 10, "highlight");
  ASSERT_TRUE(highlights.ok());
  EXPECT_EQ(highlights->find("notifications")->getArray()->size(), 1u);
  auto page = api_->queryNotifications(ctx_, "@bob:test", "", 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->contains("next_token"));
  auto rest =
      api_->queryNotifications(ctx_, "@bob:test", *page->find("next_token")->getString(), 10, "");
  ASSERT_TRUE(rest.ok()) << rest.error().message;
  EXPECT_EQ(rest->find("notifications")->getArray()->size(), 1u);
  expectError(api_->queryNotifications(ctx_, "@bob:test", "bogus", 10, ""),
              ErrorCode::kInvalidParam, "M_INVALID_PARAM");
}

// ---- ephemeral inputs ----------------------------------------------------------------------

TEST_P(SyncContractTest, TypingAndReceiptsAppearInSync) {
  TestRoom room = makeRoom("!r1:test", true);
  auto msg = room.message("@alice:test", "read me");
  feed(msg);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  ASSERT_TRUE(
      api_->performTyping(ctx_, TypingRequest{"!r1:test", "@alice:test", true, 30000}).ok());
  auto receipt = api_->performReceipt(
      ctx_, ReceiptRequest{"!r1:test", "@alice:test", "m.read", msg.eventId, "main", 1234});
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  json::Object r = sync("@bob:test", "BOB1", since);
  bool sawTyping = false, sawReceipt = false;
  for (const auto& e : array(r, {"rooms", "join", "!r1:test", "ephemeral", "events"})) {
    if (e.getStringAt("type") == "m.typing") {
      sawTyping = true;
      EXPECT_EQ(*at(e, {"content", "user_ids"}), json::Value(json::Array{"@alice:test"}));
    }
    if (e.getStringAt("type") == "m.receipt") {
      sawReceipt = true;
      const json::Value* read = at(e, {"content", msg.eventId, "m.read", "@alice:test"});
      ASSERT_TRUE(read);
      EXPECT_EQ(read->get("ts")->getInt(), 1234);
      EXPECT_EQ(read->getStringAt("thread_id"), "main");
    }
  }
  EXPECT_TRUE(sawTyping);
  EXPECT_TRUE(sawReceipt);
  // A receipt without ts is stamped by the service clock.
  ASSERT_TRUE(api_->performReceipt(ctx_, ReceiptRequest{"!r1:test", "@bob:test", "m.read",
                                                        msg.eventId, "", std::nullopt})
                  .ok());
  ASSERT_TRUE(api_->performTyping(ctx_, TypingRequest{"!r1:test", "@alice:test", false, 0}).ok());

  auto notMember = api_->performTyping(ctx_, TypingRequest{"!r1:test", "@eve:test", true, 1000});
  ASSERT_FALSE(notMember.ok());
  EXPECT_EQ(notMember.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(notMember.error().errcode(), "M_FORBIDDEN");
  auto fullyRead = api_->performReceipt(
      ctx_, ReceiptRequest{"!r1:test", "@alice:test", "m.fully_read", msg.eventId, "", {}});
  ASSERT_FALSE(fullyRead.ok());
  EXPECT_EQ(fullyRead.error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(
      fullyRead.error().message,
      local()
          .performReceipt(
              ctx_, ReceiptRequest{"!r1:test", "@alice:test", "m.fully_read", msg.eventId, "", {}})
          .error()
          .message);
}

TEST_P(SyncContractTest, PresenceRoundTrips) {
  makeRoom("!r1:test", true);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  ASSERT_TRUE(api_->performSetPresence(ctx_, "@alice:test", "unavailable",
                                       std::string("away \xf0\x9f\x8c\x99"))
                  .ok());
  auto p = api_->queryPresence(ctx_, "@alice:test");
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto q = local().queryPresence(ctx_, "@alice:test");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(p->presence, "unavailable");
  EXPECT_EQ(p->statusMsg, std::optional<std::string>("away \xf0\x9f\x8c\x99"));
  EXPECT_EQ(p->presence, q->presence);
  EXPECT_EQ(p->statusMsg, q->statusMsg);
  EXPECT_EQ(p->lastActiveAgoMs, q->lastActiveAgoMs);
  EXPECT_EQ(p->currentlyActive, q->currentlyActive);
  json::Object r = sync("@bob:test", "BOB1", since);
  bool sawAlice = false;
  for (const auto& e : array(r, {"presence", "events"})) {
    if (e.getStringAt("sender") != "@alice:test") continue;
    sawAlice = true;
    EXPECT_EQ(*at(e, {"content", "status_msg"}), json::Value("away \xf0\x9f\x8c\x99"));
  }
  EXPECT_TRUE(sawAlice);

  ASSERT_TRUE(api_->performSetPresence(ctx_, "@alice:test", "online", std::nullopt).ok());
  auto online = api_->queryPresence(ctx_, "@alice:test");
  ASSERT_TRUE(online.ok());
  auto onlineLocal = local().queryPresence(ctx_, "@alice:test");
  ASSERT_TRUE(onlineLocal.ok());
  EXPECT_EQ(online->presence, "online");
  EXPECT_EQ(online->statusMsg, onlineLocal->statusMsg);
  EXPECT_EQ(online->lastActiveAgoMs, onlineLocal->lastActiveAgoMs);
  EXPECT_EQ(online->currentlyActive, onlineLocal->currentlyActive);

  auto bad = api_->performSetPresence(ctx_, "@alice:test", "dancing", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParam);
  expectError(api_->queryPresence(ctx_, "@nobody:test"), ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(SyncContractTest, ToDeviceIsDeliveredOnceAndIdempotentPerTransaction) {
  makeRoom("!r1:test", true);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  json::Object content{{"n", 1},
                       {"nested", json::Object{{"list", json::Array{1, "two", nullptr, true}}}},
                       {"text", "caf\xc3\xa9"}};
  SendToDeviceRequest req{"@alice:test", "A1", "m.test", "t1",
                          json::Object{{"@bob:test", json::Object{{"*", content}}}}};
  ASSERT_TRUE(api_->performSendToDevice(ctx_, req).ok());
  ASSERT_TRUE(api_->performSendToDevice(ctx_, req).ok());  // retried transaction
  json::Object r = sync("@bob:test", "BOB1", since);
  auto msgs = array(r, {"to_device", "events"});
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].getStringAt("sender"), "@alice:test");
  EXPECT_EQ(msgs[0].getStringAt("type"), "m.test");
  EXPECT_EQ(*msgs[0].get("content"), json::Value(content));
  EXPECT_EQ(array(sync("@bob:test", "BOB2", since), {"to_device", "events"}).size(), 1u);
  auto badShape = api_->performSendToDevice(
      ctx_,
      SendToDeviceRequest{"@alice:test", "A1", "m.test", "t2", json::Object{{"@bob:test", 5}}});
  ASSERT_FALSE(badShape.ok());
  EXPECT_EQ(badShape.error().code, ErrorCode::kBadJson);
  EXPECT_EQ(badShape.error().errcode(), "M_BAD_JSON");
}

// ---- feeds and key changes -----------------------------------------------------------------

TEST_P(SyncContractTest, AccountDataReachesSync) {
  makeRoom("!r1:test", true);
  std::string since = nextBatch(sync("@bob:test", "BOB1"));
  json::Object global{{"theme", "dark"}, {"size", 12}};
  ASSERT_TRUE(api_->inputAccountData(ctx_, "@bob:test", "", "org.example.settings", global).ok());
  ASSERT_TRUE(
      api_->inputAccountData(ctx_, "@bob:test", "!r1:test", "m.tag",
                             json::Object{{"tags", json::Object{{"u.work", json::Object{}}}}})
          .ok());
  json::Object r = sync("@bob:test", "BOB1", since);
  bool sawGlobal = false;
  for (const auto& e : array(r, {"account_data", "events"})) {
    if (e.getStringAt("type") != "org.example.settings") continue;
    sawGlobal = true;
    EXPECT_EQ(*e.get("content"), json::Value(global));
  }
  EXPECT_TRUE(sawGlobal);
  auto roomData = array(r, {"rooms", "join", "!r1:test", "account_data", "events"});
  ASSERT_EQ(roomData.size(), 1u);
  EXPECT_EQ(roomData[0].getStringAt("type"), "m.tag");
}

TEST_P(SyncContractTest, DeviceListChangesAndKeyChanges) {
  TestRoom room = makeRoom("!r1:test", true);
  std::string t0 = nextBatch(sync("@bob:test", "BOB1"));
  ASSERT_TRUE(api_->inputDeviceListChange(ctx_, "@alice:test").ok());
  feed(room.member("@carol:test", "join"));
  json::Object r = sync("@bob:test", "BOB1", t0);
  std::string t1 = nextBatch(r);
  auto changed = array(r, {"device_lists", "changed"});
  EXPECT_NE(std::find(changed.begin(), changed.end(), json::Value("@alice:test")), changed.end());
  feed(room.member("@alice:test", "leave"));
  std::string t2 = nextBatch(sync("@bob:test", "BOB1", t1));

  auto first = api_->queryKeyChanges(ctx_, "@bob:test", t0, t1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto firstLocal = local().queryKeyChanges(ctx_, "@bob:test", t0, t1);
  ASSERT_TRUE(firstLocal.ok());
  EXPECT_EQ(first->changed, (std::vector<std::string>{"@alice:test", "@carol:test"}));
  EXPECT_TRUE(first->left.empty());
  EXPECT_EQ(first->changed, firstLocal->changed);
  auto second = api_->queryKeyChanges(ctx_, "@bob:test", t1, t2);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->left, std::vector<std::string>{"@alice:test"});
  EXPECT_EQ(second->toJson(), local().queryKeyChanges(ctx_, "@bob:test", t1, t2)->toJson());
  expectError(api_->queryKeyChanges(ctx_, "@bob:test", "x", t1), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
}

std::string bindingName(const ::testing::TestParamInfo<Binding>& info) {
  return info.param == Binding::kInProcess ? "InProcess" : "Grpc";
}

INSTANTIATE_TEST_SUITE_P(Bindings, SyncContractTest,
                         ::testing::Values(Binding::kInProcess, Binding::kGrpc), bindingName);

}  // namespace
}  // namespace plexus::syncapi::testing
