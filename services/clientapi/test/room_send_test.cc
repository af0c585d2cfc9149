// Event-writing and state-reading routes over HTTP: send with transaction IDs, PUT/GET state
// (with and without a state key), full state, members, redaction, reports and bad input.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class RoomSendTest : public RoomApiTest {};

TEST_F(RoomSendTest, SameTransactionIdGivesSameEvent) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  json::Object body{{"msgtype", "m.text"}, {"body", "hello"}};
  Reply first = call("PUT", room(roomId, "/send/m.room.message/txn1"), body, alice);
  ASSERT_EQ(first.status, 200) << first.raw;
  std::string eventId = first.str("event_id");
  EXPECT_EQ(eventId.front(), '$');
  Reply again = call("PUT", room(roomId, "/send/m.room.message/txn1"), body, alice);
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.str("event_id"), eventId);
  Reply other = call("PUT", room(roomId, "/send/m.room.message/txn2"), body, alice);
  EXPECT_NE(other.str("event_id"), eventId);
}

TEST_F(RoomSendTest, SendAnswersForbiddenNotFoundAndBadJson) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  json::Object body{{"msgtype", "m.text"}, {"body", "x"}};
  Reply outsider = call("PUT", room(roomId, "/send/m.room.message/t1"), body, bob);
  EXPECT_EQ(outsider.status, 403) << outsider.raw;
  Reply unknown = call("PUT", room("!missing:test.local", "/send/m.room.message/t1"), body, alice);
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  Reply notJson = call("PUT", room(roomId, "/send/m.room.message/t2"), "hello", alice.accessToken);
  EXPECT_EQ(notJson.status, 400);
  EXPECT_EQ(notJson.errcode(), "M_NOT_JSON");
  Reply array = call("PUT", room(roomId, "/send/m.room.message/t3"), "[1]", alice.accessToken);
  EXPECT_EQ(array.status, 400);
  EXPECT_EQ(array.errcode(), "M_BAD_JSON");
}

TEST_F(RoomSendTest, PutsAndGetsStateWithAndWithoutStateKey) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  Reply topic =
      call("PUT", room(roomId, "/state/m.room.topic"), json::Object{{"topic", "first"}}, alice);
  ASSERT_EQ(topic.status, 200) << topic.raw;
  EXPECT_EQ(get(room(roomId, "/state/m.room.topic/"), alice).str("topic"), "first");
  Reply slash =
      call("PUT", room(roomId, "/state/m.room.topic/"), json::Object{{"topic", "second"}}, alice);
  ASSERT_EQ(slash.status, 200) << slash.raw;
  EXPECT_EQ(get(room(roomId, "/state/m.room.topic"), alice).str("topic"), "second");

  Reply custom =
      call("PUT", room(roomId, "/state/org.example.thing/key1"), json::Object{{"n", 1}}, alice);
  ASSERT_EQ(custom.status, 200) << custom.raw;
  Reply asEvent = get(room(roomId, "/state/org.example.thing/key1?format=event"), alice);
  ASSERT_EQ(asEvent.status, 200) << asEvent.raw;
  EXPECT_EQ(asEvent.str("event_id"), custom.str("event_id"));
  EXPECT_EQ(asEvent.str("state_key"), "key1");
  EXPECT_EQ(asEvent.str("sender"), alice.userId);
  EXPECT_EQ(asEvent.str("room_id"), roomId);

  Reply missing = get(room(roomId, "/state/org.example.thing/key2"), alice);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.errcode(), "M_NOT_FOUND");
}

TEST_F(RoomSendTest, FullStateListsCreateAndMembersForMembersOnly) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"name", "N"}});
  Reply state = get(room(roomId, "/state"), alice);
  ASSERT_EQ(state.status, 200) << state.raw;
  ASSERT_TRUE(state.body.isArray());
  bool sawCreate = false, sawName = false;
  for (const auto& event : *state.body.getArray()) {
    if (event.getStringAt("type") == "m.room.create") sawCreate = true;
    if (event.getStringAt("type") == "m.room.name") sawName = true;
    EXPECT_TRUE(event.getStringAt("event_id").has_value());
  }
  EXPECT_TRUE(sawCreate);
  EXPECT_TRUE(sawName);
  Reply outsider = get(room(roomId, "/state"), bob);
  EXPECT_EQ(outsider.status, 403);
  EXPECT_EQ(outsider.errcode(), "M_FORBIDDEN");
  EXPECT_EQ(get(room(roomId, "/members"), bob).status, 403);
  EXPECT_EQ(get(room(roomId, "/joined_members"), bob).status, 403);
  EXPECT_EQ(get(room("!missing:test.local", "/state"), alice).status, 404);
}

TEST_F(RoomSendTest, UserWhoLeftSeesStateAsItWasThen) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}, {"topic", "old"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  ASSERT_EQ(call("POST", room(roomId, "/leave"), json::Object{}, bob).status, 200);
  ASSERT_EQ(call("PUT", room(roomId, "/state/m.room.topic"), json::Object{{"topic", "new"}}, alice)
                .status,
            200);
  EXPECT_EQ(get(room(roomId, "/state/m.room.topic"), bob).str("topic"), "old");
  EXPECT_EQ(get(room(roomId, "/state/m.room.topic"), alice).str("topic"), "new");
}

TEST_F(RoomSendTest, MembersFiltersByMembership) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  TestUser carol = registerUser("carol");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  ASSERT_EQ(
      call("POST", room(roomId, "/invite"), json::Object{{"user_id", carol.userId}}, alice).status,
      200);
  auto count = [&](const std::string& query) {
    Reply r = get(room(roomId, "/members" + query), alice);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.get("chunk") && r.get("chunk")->getArray() ? r.get("chunk")->getArray()->size() : 0;
  };
  EXPECT_EQ(count(""), 3u);
  EXPECT_EQ(count("?membership=join"), 2u);
  EXPECT_EQ(count("?membership=invite"), 1u);
  EXPECT_EQ(count("?not_membership=join"), 1u);
  Reply bad = get(room(roomId, "/members?membership=dancing"), alice);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.errcode(), "M_INVALID_PARAM");
}

TEST_F(RoomSendTest, RedactionStripsStateContentAndNeedsPower) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  std::string topicId =
      call("PUT", room(roomId, "/state/m.room.topic"), json::Object{{"topic", "secret"}}, alice)
          .str("event_id");
  ASSERT_FALSE(topicId.empty());
  Reply weak = call("PUT", room(roomId, "/redact/" + enc(topicId) + "/r1"), json::Object{}, bob);
  EXPECT_EQ(weak.status, 403) << weak.raw;
  Reply redacted = call("PUT", room(roomId, "/redact/" + enc(topicId) + "/r1"),
                        json::Object{{"reason", "oops"}}, alice);
  ASSERT_EQ(redacted.status, 200) << redacted.raw;
  EXPECT_EQ(redacted.str("event_id").front(), '$');
  Reply topic = get(room(roomId, "/state/m.room.topic"), alice);
  EXPECT_EQ(topic.status, 200);
  EXPECT_EQ(topic.body, json::Value(json::Object{})) << topic.raw;
  Reply unknown =
      call("PUT", room(roomId, "/redact/" + enc("$nothing") + "/r2"), json::Object{}, alice);
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
}

TEST_F(RoomSendTest, CanonicalAliasMustPointAtTheRoom) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  Reply r = call("PUT", room(roomId, "/state/m.room.canonical_alias"),
                 json::Object{{"alias", "#elsewhere:test.local"}}, alice);
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.errcode(), "M_BAD_ALIAS");
  ASSERT_EQ(call("PUT", v3("/directory/room/" + enc("#here:test.local")),
                 json::Object{{"room_id", roomId}}, alice)
                .status,
            200);
  Reply ok = call("PUT", room(roomId, "/state/m.room.canonical_alias"),
                  json::Object{{"alias", "#here:test.local"}}, alice);
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(RoomSendTest, ReportsNeedAKnownEventAndMembership) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  std::string eventId = send(alice, roomId, "spam");
  Reply ok = call("POST", room(roomId, "/report/" + enc(eventId)),
                  json::Object{{"reason", "spam"}, {"score", -100}}, alice);
  EXPECT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body, json::Value(json::Object{}));
  EXPECT_EQ(call("POST", room(roomId, "/report/" + enc(eventId)), json::Object{}, bob).status, 404);
  Reply badScore =
      call("POST", room(roomId, "/report/" + enc(eventId)), json::Object{{"score", 5}}, alice);
  EXPECT_EQ(badScore.errcode(), "M_INVALID_PARAM");
  EXPECT_EQ(call("POST", room(roomId, "/report"), json::Object{{"reason", "bad room"}}, bob).status,
            200);
  EXPECT_EQ(call("POST", room("!missing:test.local", "/report"), json::Object{}, bob).status, 404);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
