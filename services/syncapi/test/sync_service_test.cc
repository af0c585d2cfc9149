// /sync behaviour on both databases: initial and incremental sync, limited timelines, invite
// and leave sections, transaction IDs, lazy-loading, filters and bad tokens.
#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

using RoomsPath = std::initializer_list<std::string_view>;

TEST_P(SyncServiceTest, InitialSyncShowsJoinedRoomWithStateAndTimeline) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "hello"));
  json::Object r = sync("@bob:test", "BOB1");
  ASSERT_TRUE(r.contains("next_batch"));
  auto timeline = array(r, {"rooms", "join", "!r1:test", "timeline", "events"});
  auto state = array(r, {"rooms", "join", "!r1:test", "state", "events"});
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(bodies(timeline).back(), "hello");
  // Timeline and state together give the whole room; the state is what precedes the timeline.
  EXPECT_EQ(timeline.size() + state.size(), 6u);
  for (const auto& e : timeline) EXPECT_FALSE(e.get("room_id"));  // no room_id inside rooms
  json::Value root(r);
  const json::Value* counts = at(root, {"rooms", "join", "!r1:test", "summary",
                                        "m.joined_member_count"});
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->getInt(), 2);
  EXPECT_EQ(at(json::Value(r), {"device_one_time_keys_count", "signed_curve25519"})->getInt(), 7);
}

TEST_P(SyncServiceTest, IncrementalSyncReturnsOnlyNewEvents) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "one"));
  json::Object first = sync("@bob:test", "BOB1");
  std::string since = *first.find("next_batch")->getString();
  feed(room.message("@alice:test", "two"));
  json::Object second = sync("@bob:test", "BOB1", since);
  auto timeline = array(second, {"rooms", "join", "!r1:test", "timeline", "events"});
  EXPECT_EQ(bodies(timeline), std::vector<std::string>{"two"});
  EXPECT_EQ(at(json::Value(second), {"rooms", "join", "!r1:test", "timeline", "limited"})->getBool(),
            false);
  // Nothing new: the room is absent.
  json::Object third = sync("@bob:test", "BOB1", *second.find("next_batch")->getString());
  EXPECT_FALSE(at(json::Value(third), {"rooms", "join", "!r1:test"}));
}

TEST_P(SyncServiceTest, LimitedTimelineHasPrevBatchThatPaginatesWithMessages) {
  TestRoom room = makeRoom("!r1:test", true);
  for (int i = 0; i < 8; ++i) feed(room.message("@alice:test", numbered("m", i)));
  json::Object filter{{"room", json::Object{{"timeline", json::Object{{"limit", 3}}}}}};
  json::Object r = sync("@bob:test", "BOB1", "", filter);
  json::Value root(r);
  auto timeline = array(r, {"rooms", "join", "!r1:test", "timeline", "events"});
  EXPECT_EQ(bodies(timeline), (std::vector<std::string>{"m5", "m6", "m7"}));
  EXPECT_EQ(at(root, {"rooms", "join", "!r1:test", "timeline", "limited"})->getBool(), true);
  auto prev = at(root, {"rooms", "join", "!r1:test", "timeline", "prev_batch"})->getString();
  ASSERT_TRUE(prev);
  MessagesRequest mreq;
  mreq.userId = "@bob:test";
  mreq.roomId = "!r1:test";
  mreq.from = *prev;
  mreq.limit = 2;
  auto page = sync_->queryMessages(CallContext{}, mreq);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(bodies(*page->find("chunk")->getArray()), (std::vector<std::string>{"m4", "m3"}));
  // And the state of a limited initial sync holds the members.
  auto state = array(r, {"rooms", "join", "!r1:test", "state", "events"});
  int members = 0;
  for (const auto& e : state) members += e.getStringAt("type") == "m.room.member";
  EXPECT_EQ(members, 2);
}

TEST_P(SyncServiceTest, IncrementalLimitedSyncSendsStateChangesSinceToken) {
  TestRoom room = makeRoom("!r1:test", true);
  json::Object first = sync("@bob:test", "BOB1");
  feed(room.event("m.room.name", "@alice:test", json::Object{{"name", "Renamed"}}, ""));
  for (int i = 0; i < 5; ++i) feed(room.message("@alice:test", numbered("x", i)));
  json::Object filter{{"room", json::Object{{"timeline", json::Object{{"limit", 2}}}}}};
  json::Object r = sync("@bob:test", "BOB1", *first.find("next_batch")->getString(), filter);
  auto state = array(r, {"rooms", "join", "!r1:test", "state", "events"});
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].getStringAt("type"), "m.room.name");
}

TEST_P(SyncServiceTest, InviteAndLeaveSections) {
  TestRoom room = makeRoom("!r1:test", false);
  json::Object first = sync("@carol:test", "C1");
  std::string since = *first.find("next_batch")->getString();
  feed(room.member("@carol:test", "invite", "@alice:test"));
  json::Object invited = sync("@carol:test", "C1", since);
  auto inviteState = array(invited, {"rooms", "invite", "!r1:test", "invite_state", "events"});
  ASSERT_FALSE(inviteState.empty());
  EXPECT_EQ(inviteState.back().getStringAt("state_key"), "@carol:test");
  since = *invited.find("next_batch")->getString();
  feed(room.member("@carol:test", "join"));
  json::Object joined = sync("@carol:test", "C1", since);
  EXPECT_TRUE(at(json::Value(joined), {"rooms", "join", "!r1:test"}));
  since = *joined.find("next_batch")->getString();
  feed(room.member("@carol:test", "leave"));
  feed(room.message("@alice:test", "after carol left"));
  json::Object left = sync("@carol:test", "C1", since);
  EXPECT_FALSE(at(json::Value(left), {"rooms", "join", "!r1:test"}));
  auto leaveTimeline = array(left, {"rooms", "leave", "!r1:test", "timeline", "events"});
  ASSERT_FALSE(leaveTimeline.empty());
  EXPECT_EQ(leaveTimeline.back().getStringAt("type"), "m.room.member");  // nothing after leaving
}

TEST_P(SyncServiceTest, TransactionIdIsEchoedOnlyToTheSendingDevice) {
  TestRoom room = makeRoom("!r1:test", false);
  feed(room.message("@alice:test", "hi", roomserver::TransactionRef{"@alice:test", "A1", "txn1"}));
  auto txnOf = [&](const std::string& device) -> std::optional<std::string> {
    json::Object r = sync("@alice:test", device);
    auto tl = array(r, {"rooms", "join", "!r1:test", "timeline", "events"});
    const json::Value* t = at(tl.back(), {"unsigned", "transaction_id"});
    return t && t->getString() ? std::optional<std::string>(*t->getString()) : std::nullopt;
  };
  EXPECT_EQ(txnOf("A1"), "txn1");
  EXPECT_EQ(txnOf("A2"), std::nullopt);
}

TEST_P(SyncServiceTest, LazyLoadingSendsOnlyTimelineSendersAndOnlyOnce) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.member("@carol:test", "join"));
  feed(room.message("@carol:test", "from carol"));
  json::Object filter{{"room", json::Object{{"timeline", json::Object{{"limit", 1}}},
                                            {"state", json::Object{{"lazy_load_members", true}}}}}};
  json::Object r = sync("@bob:test", "BOB1", "", filter);
  std::set<std::string> members;
  for (const auto& e : array(r, {"rooms", "join", "!r1:test", "state", "events"})) {
    if (e.getStringAt("type") == "m.room.member") members.insert(std::string(*e.getStringAt("state_key")));
  }
  EXPECT_EQ(members, (std::set<std::string>{"@bob:test", "@carol:test"}));
  // Carol speaks again: her member event was already sent to this device.
  feed(room.message("@carol:test", "again"));
  json::Object next = sync("@bob:test", "BOB1", *r.find("next_batch")->getString(), filter);
  EXPECT_TRUE(array(next, {"rooms", "join", "!r1:test", "state", "events"}).empty());
  // Alice speaks: her member event arrives now.
  feed(room.message("@alice:test", "me too"));
  json::Object third = sync("@bob:test", "BOB1", *next.find("next_batch")->getString(), filter);
  auto state = array(third, {"rooms", "join", "!r1:test", "state", "events"});
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].getStringAt("state_key"), "@alice:test");
}

TEST_P(SyncServiceTest, StoredFilterIsAppliedById) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "text"));
  feed(room.event("m.custom", "@alice:test", json::Object{{"body", "custom"}}));
  json::Object filterJson{
      {"room", json::Object{{"timeline", json::Object{{"types", json::Array{"m.room.message"}}}}}}};
  auto id = sync_->performCreateFilter(CallContext{}, "@bob:test", filterJson);
  ASSERT_TRUE(id.ok());
  auto back = sync_->queryFilter(CallContext{}, "@bob:test", *id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, filterJson);
  EXPECT_EQ(sync_->queryFilter(CallContext{}, "@alice:test", *id).error().code, ErrorCode::kNotFound);
  SyncRequest req;
  req.userId = "@bob:test";
  req.deviceId = "BOB1";
  req.filterId = *id;
  auto r = sync_->querySync(CallContext{}, req);
  ASSERT_TRUE(r.ok());
  for (const auto& e : array(*r, {"rooms", "join", "!r1:test", "timeline", "events"})) {
    EXPECT_EQ(e.getStringAt("type"), "m.room.message");
  }
  EXPECT_FALSE(sync_->performCreateFilter(CallContext{}, "@bob:test",
                                          json::Object{{"room", "nope"}})
                   .ok());
}

TEST_P(SyncServiceTest, BadSinceTokenIsInvalidParam) {
  SyncRequest req;
  req.userId = "@bob:test";
  for (const char* token : {"garbage", "s", "s-1", "s99999999", "s1_x"}) {
    req.since = token;
    auto r = sync_->querySync(CallContext{}, req);
    ASSERT_FALSE(r.ok()) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidParam) << token;
  }
}

TEST_P(SyncServiceTest, RedactedEventsAreServedRedactedWithRedactedBecause) {
  TestRoom room = makeRoom("!r1:test", true);
  auto msg = room.message("@alice:test", "secret");
  feed(msg);
  redact(room, msg.eventId);
  auto ev = sync_->queryEventForUser(CallContext{}, "@bob:test", "!r1:test", msg.eventId);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_TRUE(ev->find("content")->getObject()->empty());
  EXPECT_TRUE(at(json::Value(*ev), {"unsigned", "redacted_because"}));
}

TEST_P(SyncServiceTest, ReplacedStateCarriesPrevContent) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.event("m.room.name", "@alice:test", json::Object{{"name", "First"}}, ""));
  auto second = room.event("m.room.name", "@alice:test", json::Object{{"name", "Second"}}, "");
  feed(second);
  auto ev = sync_->queryEventForUser(CallContext{}, "@bob:test", "!r1:test", second.eventId);
  ASSERT_TRUE(ev.ok());
  json::Value root(*ev);
  ASSERT_TRUE(at(root, {"unsigned", "prev_content", "name"}));
  EXPECT_EQ(*at(root, {"unsigned", "prev_content", "name"}), json::Value("First"));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncServiceTest);

}  // namespace
}  // namespace plexus::syncapi::testing
