// History on both databases: /messages in both directions with tokens, /context, single
// events, history visibility, relations, threads and search.
#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

class SyncHistoryTest : public SyncServiceTest {
 protected:
  Result<json::Object> messages(const std::string& user, const std::string& from, char dir,
                                int limit, const std::string& to = "") {
    MessagesRequest req;
    req.userId = user;
    req.roomId = "!r1:test";
    req.from = from;
    req.to = to;
    req.dir = dir;
    req.limit = limit;
    req.filter = json::Object{{"types", json::Array{"m.room.message"}}};
    return sync_->queryMessages(CallContext{}, req);
  }
};

TEST_P(SyncHistoryTest, MessagesPagesBackwardsAndForwardsWithTokens) {
  TestRoom room = makeRoom("!r1:test", true);
  for (int i = 0; i < 5; ++i) feed(room.message("@alice:test", numbered("m", i)));
  auto back1 = messages("@bob:test", "", 'b', 2);
  ASSERT_TRUE(back1.ok()) << back1.error().message;
  EXPECT_EQ(bodies(*back1->find("chunk")->getArray()), (std::vector<std::string>{"m4", "m3"}));
  auto back2 = messages("@bob:test", *back1->find("end")->getString(), 'b', 10);
  ASSERT_TRUE(back2.ok());
  EXPECT_EQ(bodies(*back2->find("chunk")->getArray()), (std::vector<std::string>{"m2", "m1", "m0"}));
  EXPECT_FALSE(back2->contains("end"));  // reached the start of the room
  // Forwards from the first page's end returns what came after it.
  auto fwd = messages("@bob:test", *back1->find("end")->getString(), 'f', 10);
  ASSERT_TRUE(fwd.ok());
  EXPECT_EQ(bodies(*fwd->find("chunk")->getArray()), (std::vector<std::string>{"m3", "m4"}));
  EXPECT_EQ(messages("@bob:test", "bogus", 'b', 10).error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(messages("@bob:test", "", 'x', 10).error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(messages("@stranger:test", "", 'b', 10).error().code, ErrorCode::kForbidden);
}

TEST_P(SyncHistoryTest, JoinedVisibilityHidesEventsBeforeTheJoin) {
  TestRoom room = makeRoom("!r1:test", false);
  feed(room.event("m.room.history_visibility", "@alice:test",
                  json::Object{{"history_visibility", "joined"}}, ""));
  auto hidden = room.message("@alice:test", "before bob");
  feed(hidden);
  feed(room.member("@bob:test", "join"));
  feed(room.message("@alice:test", "after bob"));
  auto page = messages("@bob:test", "", 'b', 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(bodies(*page->find("chunk")->getArray()), std::vector<std::string>{"after bob"});
  EXPECT_EQ(sync_->queryEventForUser(CallContext{}, "@bob:test", "!r1:test", hidden.eventId).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(sync_->queryEventForUser(CallContext{}, "@alice:test", "!r1:test", hidden.eventId).ok());
  // The initial sync obeys it too.
  json::Object r = sync("@bob:test", "BOB1");
  auto timeline = bodies(array(r, {"rooms", "join", "!r1:test", "timeline", "events"}));
  EXPECT_EQ(timeline, std::vector<std::string>{"after bob"});
}

TEST_P(SyncHistoryTest, ContextReturnsEventsAroundTheEvent) {
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
  auto ctx = sync_->queryContext(CallContext{}, req);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(ctx->find("event")->getStringAt("event_id"), ids[3]);
  EXPECT_EQ(bodies(*ctx->find("events_before")->getArray()), (std::vector<std::string>{"c2", "c1"}));
  EXPECT_EQ(bodies(*ctx->find("events_after")->getArray()), (std::vector<std::string>{"c4", "c5"}));
  // The end token continues forwards.
  auto more = messages("@bob:test", *ctx->find("end")->getString(), 'f', 10);
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(bodies(*more->find("chunk")->getArray()), std::vector<std::string>{"c6"});
  EXPECT_FALSE(ctx->find("state")->getArray()->empty());
  req.eventId = "$missing";
  EXPECT_EQ(sync_->queryContext(CallContext{}, req).error().code, ErrorCode::kNotFound);
}

TEST_P(SyncHistoryTest, RelationsAndThreadsListReplies) {
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
  RelationsRequest rreq;
  rreq.userId = "@alice:test";
  rreq.roomId = "!r1:test";
  rreq.eventId = root.eventId;
  rreq.limit = 2;
  auto rel = sync_->queryRelations(CallContext{}, rreq);
  ASSERT_TRUE(rel.ok()) << rel.error().message;
  EXPECT_EQ(rel->find("chunk")->getArray()->size(), 2u);
  ASSERT_TRUE(rel->contains("next_batch"));
  rreq.relType = "m.thread";
  rreq.limit = 10;
  auto threadOnly = sync_->queryRelations(CallContext{}, rreq);
  ASSERT_TRUE(threadOnly.ok());
  EXPECT_EQ(bodies(*threadOnly->find("chunk")->getArray()),
            (std::vector<std::string>{"reply2", "reply1", "reply0"}));
  ThreadsRequest treq;
  treq.userId = "@alice:test";
  treq.roomId = "!r1:test";
  auto threads = sync_->queryThreads(CallContext{}, treq);
  ASSERT_TRUE(threads.ok()) << threads.error().message;
  ASSERT_EQ(threads->find("chunk")->getArray()->size(), 1u);
  const json::Value& t = threads->find("chunk")->getArray()->front();
  EXPECT_EQ(t.getStringAt("event_id"), root.eventId);
  EXPECT_EQ(at(t, {"unsigned", "m.relations", "m.thread", "count"})->getInt(), 3);
}

TEST_P(SyncHistoryTest, SearchFindsMessagesInJoinedRoomsOnly) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.message("@alice:test", "The quick brown Fox"));
  feed(room.message("@alice:test", "nothing here"));
  TestRoom other("!r2:test");
  feed(other.create("@carol:test"));
  feed(other.member("@carol:test", "join"));
  feed(other.message("@carol:test", "a fox elsewhere"));
  json::Object body{{"search_categories",
                     json::Object{{"room_events", json::Object{{"search_term", "fox quick"}}}}}};
  auto r = sync_->performSearch(CallContext{}, "@bob:test", body, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  json::Value root(*r);
  auto results = at(root, {"search_categories", "room_events", "results"});
  ASSERT_TRUE(results && results->isArray());
  ASSERT_EQ(results->getArray()->size(), 1u);
  EXPECT_EQ(at(results->getArray()->front(), {"result", "content", "body"})->getString() != nullptr, true);
  EXPECT_EQ(sync_->performSearch(CallContext{}, "@bob:test", json::Object{}, "").error().code,
            ErrorCode::kBadJson);
}

TEST_P(SyncHistoryTest, TimestampToEventAndNotificationsList) {
  TestRoom room = makeRoom("!r1:test", true);
  feed(room.member("@carol:test", "join"));
  auto first = room.message("@alice:test", "hello bob");
  feed(first);
  feed(room.message("@alice:test", "later"));
  std::int64_t firstTs = *first.event.find("origin_server_ts")->getInt();
  auto f = sync_->queryTimestampToEvent(CallContext{}, "@bob:test", "!r1:test", firstTs, 'f');
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(*f->find("event_id"), json::Value(first.eventId));
  EXPECT_EQ(sync_->queryTimestampToEvent(CallContext{}, "@bob:test", "!r1:test", firstTs * 2, 'f').error().code,
            ErrorCode::kNotFound);
  auto all = sync_->queryNotifications(CallContext{}, "@bob:test", "", 10, "");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->find("notifications")->getArray()->size(), 2u);
  auto highlights = sync_->queryNotifications(CallContext{}, "@bob:test", "", 10, "highlight");
  ASSERT_TRUE(highlights.ok());
  ASSERT_EQ(highlights->find("notifications")->getArray()->size(), 1u);
  auto page = sync_->queryNotifications(CallContext{}, "@bob:test", "", 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->contains("next_token"));
  auto rest = sync_->queryNotifications(CallContext{}, "@bob:test",
                                        *page->find("next_token")->getString(), 10, "");
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->find("notifications")->getArray()->size(), 1u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncHistoryTest);

}  // namespace
}  // namespace plexus::syncapi::testing
