// History routes over HTTP, served by the real sync-api: /messages paging both ways, /context,
// /event, relations and threads (v1), and POST /search, with their 403/404/400 answers.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

// prefix + i, without operator+ (GCC 12 -Wrestrict false positive on short literals).
std::string numbered(std::string prefix, int i) {
  prefix.append(std::to_string(i));
  return prefix;
}

class RoomHistoryTest : public RoomApiTest {
 protected:
  // Waits (bounded) until `user`'s /sync has seen `eventId`, so sync-api has indexed it.
  void waitForEvent(const TestUser& user, const std::string& eventId) {
    syncUntil(user, [&](const Reply& r) { return r.raw.find(eventId) != std::string::npos; });
  }

  // Message bodies of every page of /messages in direction `dir`, in the order returned.
  std::vector<std::string> pageAll(const TestUser& user, const std::string& roomId, char dir) {
    std::vector<std::string> bodies;
    std::string from;
    for (int page = 0; page < 20; ++page) {
      std::string query = "/messages?limit=2&dir=";
      query.push_back(dir);
      std::string path = room(roomId, query);
      if (!from.empty()) path += "&from=" + enc(from);
      Reply r = get(path, user);
      EXPECT_EQ(r.status, 200) << r.raw;
      if (r.status != 200 || r.get("chunk") == nullptr) break;
      EXPECT_LE(r.get("chunk")->getArray()->size(), 2u);
      for (const auto& event : *r.get("chunk")->getArray()) {
        if (event.getStringAt("type") != "m.room.message") continue;
        bodies.emplace_back(event.get("content")->getStringAt("body").value_or(""));
      }
      std::string end = r.str("end");
      if (end.empty() || r.get("chunk")->getArray()->empty()) break;
      from = end;
    }
    return bodies;
  }
};

TEST_F(RoomHistoryTest, PagesMessagesBackwardsAndForwards) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  std::string last;
  for (int i = 1; i <= 5; ++i) last = send(alice, roomId, numbered("m", i));
  waitForEvent(alice, last);
  EXPECT_EQ(pageAll(alice, roomId, 'b'), (std::vector<std::string>{"m5", "m4", "m3", "m2", "m1"}));
  EXPECT_EQ(pageAll(alice, roomId, 'f'), (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5"}));
}

TEST_F(RoomHistoryTest, MessagesRejectBadParametersAndOutsiders) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  EXPECT_EQ(get(room(roomId, "/messages?dir=sideways"), alice).errcode(), "M_INVALID_PARAM");
  EXPECT_EQ(get(room(roomId, "/messages?dir=b&limit=-3"), alice).errcode(), "M_INVALID_PARAM");
  EXPECT_EQ(get(room(roomId, "/messages?dir=b&limit=ten"), alice).errcode(), "M_INVALID_PARAM");
  EXPECT_EQ(get(room(roomId, "/messages?dir=b&filter=" + enc("{bad")), alice).errcode(),
            "M_INVALID_PARAM");
  Reply outsider = get(room(roomId, "/messages?dir=b"), bob);
  EXPECT_EQ(outsider.status, 403);
  EXPECT_EQ(outsider.errcode(), "M_FORBIDDEN");
  EXPECT_EQ(get(room("!missing:test.local", "/messages?dir=b"), alice).status, 404);
}

TEST_F(RoomHistoryTest, ContextSurroundsTheEvent) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(send(alice, roomId, numbered("c", i)));
  waitForEvent(alice, ids.back());
  Reply r = get(room(roomId, "/context/" + enc(ids[2]) + "?limit=4"), alice);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.get("event")->getStringAt("event_id"), ids[2]);
  ASSERT_FALSE(r.get("events_before")->getArray()->empty());
  ASSERT_FALSE(r.get("events_after")->getArray()->empty());
  EXPECT_EQ(r.get("events_before")->getArray()->front().getStringAt("event_id"), ids[1]);
  EXPECT_EQ(r.get("events_after")->getArray()->front().getStringAt("event_id"), ids[3]);
  EXPECT_EQ(get(room(roomId, "/context/" + enc("$unknown")), alice).status, 404);
  EXPECT_EQ(get(room(roomId, "/context/notanevent"), alice).errcode(), "M_INVALID_PARAM");
}

TEST_F(RoomHistoryTest, GetsSingleEventsVisibleToTheUser) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  std::string eventId = send(alice, roomId, "single");
  waitForEvent(alice, eventId);
  Reply r = get(room(roomId, "/event/" + enc(eventId)), alice);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.get("content")->getStringAt("body"), "single");
  EXPECT_EQ(r.str("sender"), alice.userId);
  EXPECT_EQ(get(room(roomId, "/event/" + enc("$unknown")), alice).status, 404);
  EXPECT_EQ(get(room(roomId, "/event/" + enc(eventId)), bob).status, 404);
}

TEST_F(RoomHistoryTest, RedactedEventLosesItsContent) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  std::string eventId = send(alice, roomId, "regret");
  std::string redaction =
      call("PUT", room(roomId, "/redact/" + enc(eventId) + "/r1"), json::Object{}, alice)
          .str("event_id");
  ASSERT_FALSE(redaction.empty());
  waitForEvent(alice, redaction);
  Reply r = get(room(roomId, "/event/" + enc(eventId)), alice);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(*r.get("content"), json::Value(json::Object{})) << r.raw;
}

TEST_F(RoomHistoryTest, ListsRelationsAndThreads) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  std::string root = send(alice, roomId, "root");
  json::Object reply{{"msgtype", "m.text"},
                     {"body", "in thread"},
                     {"m.relates_to", json::Object{{"rel_type", "m.thread"}, {"event_id", root}}}};
  Reply sent = call("PUT", room(roomId, "/send/m.room.message/thr1"), reply, alice);
  ASSERT_EQ(sent.status, 200) << sent.raw;
  std::string child = sent.str("event_id");
  waitForEvent(alice, child);

  std::string base = "/_matrix/client/v1/rooms/" + enc(roomId) + "/relations/" + enc(root);
  auto ids = [&](const std::string& path) {
    Reply r = get(path, alice);
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> out;
    if (r.get("chunk") && r.get("chunk")->getArray()) {
      for (const auto& e : *r.get("chunk")->getArray()) {
        out.emplace_back(e.getStringAt("event_id").value_or(""));
      }
    }
    return out;
  };
  EXPECT_EQ(ids(base), std::vector<std::string>{child});
  EXPECT_EQ(ids(base + "/m.thread"), std::vector<std::string>{child});
  EXPECT_EQ(ids(base + "/m.thread/m.room.message"), std::vector<std::string>{child});
  EXPECT_TRUE(ids(base + "/m.annotation").empty());
  EXPECT_EQ(ids("/_matrix/client/v1/rooms/" + enc(roomId) + "/threads"),
            std::vector<std::string>{root});
  EXPECT_EQ(
      get("/_matrix/client/v1/rooms/" + enc(roomId) + "/threads?include=mine", alice).errcode(),
      "M_INVALID_PARAM");
  EXPECT_EQ(
      get("/_matrix/client/v1/rooms/" + enc(roomId) + "/relations/" + enc("$nope"), alice).status,
      404);
}

// Found by the client-API fuzzer: a thread relation without an event_id made /threads read a
// NULL thread root and answer 500.
TEST_F(RoomHistoryTest, ThreadRelationWithoutATargetStartsNoThread) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  json::Object rootless{{"msgtype", "m.text"},
                        {"body", "no root"},
                        {"m.relates_to", json::Object{{"rel_type", "m.thread"}}}};
  Reply sent = call("PUT", room(roomId, "/send/m.room.message/rootless"), rootless, alice);
  ASSERT_EQ(sent.status, 200) << sent.raw;
  waitForEvent(alice, sent.str("event_id"));
  Reply threads = get("/_matrix/client/v1/rooms/" + enc(roomId) + "/threads", alice);
  EXPECT_EQ(threads.status, 200) << threads.raw;
  ASSERT_NE(threads.get("chunk"), nullptr);
  ASSERT_NE(threads.get("chunk")->getArray(), nullptr);
  EXPECT_TRUE(threads.get("chunk")->getArray()->empty());
}

TEST_F(RoomHistoryTest, SearchFindsMessagesInJoinedRooms) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  send(alice, roomId, "nothing here");
  std::string hit = send(alice, roomId, "I like pineapple pizza");
  waitForEvent(alice, hit);
  json::Object query{{"search_categories",
                      json::Object{{"room_events", json::Object{{"search_term", "pineapple"}}}}}};
  auto resultIds = [&](const TestUser& user) {
    Reply r = call("POST", v3("/search"), query, user);
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> out;
    const json::Value* categories = r.get("search_categories");
    const json::Value* events = categories ? categories->get("room_events") : nullptr;
    const json::Value* results = events ? events->get("results") : nullptr;
    EXPECT_TRUE(results && results->getArray()) << r.raw;
    if (!results || !results->getArray()) return out;
    for (const auto& item : *results->getArray()) {
      const json::Value* event = item.get("result");
      out.emplace_back(event ? event->getStringAt("event_id").value_or("") : "");
    }
    return out;
  };
  EXPECT_EQ(resultIds(alice), std::vector<std::string>{hit});
  EXPECT_TRUE(resultIds(bob).empty());
  EXPECT_EQ(call("POST", v3("/search"), json::Object{}, alice).errcode(), "M_MISSING_PARAM");
  EXPECT_EQ(call("POST", v3("/search"),
                 json::Object{{"search_categories", json::Object{{"room_events", json::Object{}}}}},
                 alice)
                .errcode(),
            "M_MISSING_PARAM");
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
