// POST /createRoom (presets, versions, names, initial state, aliases, bad bodies) and
// POST /rooms/{roomId}/upgrade through the real HTTP server and services.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class RoomCreateTest : public RoomApiTest {};

std::string stateString(RoomApiTest& t, const TestUser& user, const std::string& roomId,
                        const std::string& type, const std::string& key) {
  Reply r = t.get(RoomApiTest::room(roomId, "/state/" + type), user);
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.str(key);
}

TEST_F(RoomCreateTest, CreatesPrivateRoomWithCreatorJoined) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  ASSERT_FALSE(roomId.empty());
  EXPECT_EQ(roomId.front(), '!');
  Reply rooms = get(v3("/joined_rooms"), alice);
  ASSERT_EQ(rooms.status, 200);
  ASSERT_NE(rooms.get("joined_rooms"), nullptr);
  EXPECT_EQ(*rooms.get("joined_rooms"), json::Value(json::Array{roomId}));
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.join_rules", "join_rule"), "invite");
  Reply member = get(room(roomId, "/state/m.room.member/" + enc(alice.userId)), alice);
  EXPECT_EQ(member.str("membership"), "join");
}

TEST_F(RoomCreateTest, PublicChatPresetLetsOthersJoin) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.join_rules", "join_rule"), "public");
  Reply joined = join(bob, roomId);
  EXPECT_EQ(joined.status, 200) << joined.raw;
  EXPECT_EQ(joined.str("room_id"), roomId);
}

TEST_F(RoomCreateTest, TrustedPrivateChatGivesInviteesCreatorPower) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "trusted_private_chat"},
                                                      {"room_version", "10"},
                                                      {"invite", json::Array{bob.userId}},
                                                      {"is_direct", true}});
  Reply pl = get(room(roomId, "/state/m.room.power_levels"), alice);
  ASSERT_EQ(pl.status, 200) << pl.raw;
  const json::Value* users = pl.get("users");
  ASSERT_NE(users, nullptr) << pl.raw;
  ASSERT_NE(users->get(bob.userId), nullptr) << pl.raw;
  EXPECT_EQ(users->get(bob.userId)->getInt(), 100);
  Reply invite = get(room(roomId, "/state/m.room.member/" + enc(bob.userId)), alice);
  EXPECT_EQ(invite.str("membership"), "invite");
  EXPECT_EQ(invite.get("is_direct") ? invite.get("is_direct")->getBool() : std::nullopt, true);
}

TEST_F(RoomCreateTest, CreatesRoomOfRequestedVersion) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice, json::Object{{"room_version", "10"}});
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.create", "room_version"), "10");
}

TEST_F(RoomCreateTest, RejectsUnknownRoomVersion) {
  TestUser alice = registerUser("alice");
  Reply r = call("POST", v3("/createRoom"), json::Object{{"room_version", "999"}}, alice);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.errcode(), "M_UNSUPPORTED_ROOM_VERSION");
  EXPECT_EQ(*get(v3("/joined_rooms"), alice).get("joined_rooms"), json::Value(json::Array{}));
}

TEST_F(RoomCreateTest, SetsNameTopicAndInitialState) {
  TestUser alice = registerUser("alice");
  json::Object guestAccess{{"type", "m.room.guest_access"},
                           {"content", json::Object{{"guest_access", "can_join"}}}};
  std::string roomId = createRoom(alice, json::Object{{"name", "Lobby"},
                                                      {"topic", "Hello"},
                                                      {"initial_state", json::Array{guestAccess}}});
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.name", "name"), "Lobby");
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.topic", "topic"), "Hello");
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.guest_access", "guest_access"), "can_join");
}

TEST_F(RoomCreateTest, CreatesAliasAndRejectsTakenAliasWithoutCreatingARoom) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice, json::Object{{"room_alias_name", "lobby"}});
  Reply resolved = get(v3("/directory/room/" + enc("#lobby:test.local")), alice);
  EXPECT_EQ(resolved.status, 200) << resolved.raw;
  EXPECT_EQ(resolved.str("room_id"), roomId);
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.canonical_alias", "alias"),
            "#lobby:test.local");

  Reply again = call("POST", v3("/createRoom"), json::Object{{"room_alias_name", "lobby"}}, alice);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.errcode(), "M_ROOM_IN_USE");
  EXPECT_EQ(*get(v3("/joined_rooms"), alice).get("joined_rooms"), json::Value(json::Array{roomId}));
}

TEST_F(RoomCreateTest, PowerLevelsThatLockOutTheCreatorAreInvalidRoomState) {
  TestUser alice = registerUser("alice");
  json::Object pl{{"users", json::Object{{alice.userId, 0}}}, {"state_default", 50}};
  Reply r =
      call("POST", v3("/createRoom"),
           json::Object{
               {"room_version", "10"}, {"name", "Locked"}, {"power_level_content_override", pl}},
           alice);
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.errcode(), "M_INVALID_ROOM_STATE");
  EXPECT_EQ(*get(v3("/joined_rooms"), alice).get("joined_rooms"), json::Value(json::Array{}));
}

TEST_F(RoomCreateTest, RejectsMalformedBodies) {
  TestUser alice = registerUser("alice");
  Reply notJson = call("POST", v3("/createRoom"), "{nope", alice.accessToken);
  EXPECT_EQ(notJson.status, 400);
  EXPECT_EQ(notJson.errcode(), "M_NOT_JSON");

  struct Case {
    json::Object body;
    std::string errcode;
  };
  std::vector<Case> cases = {
      {json::Object{{"preset", "party"}}, "M_INVALID_PARAM"},
      {json::Object{{"visibility", "everyone"}}, "M_INVALID_PARAM"},
      {json::Object{{"invite", json::Array{"bob"}}}, "M_INVALID_PARAM"},
      {json::Object{{"invite", "@bob:test.local"}}, "M_BAD_JSON"},
      {json::Object{{"name", 5}}, "M_BAD_JSON"},
      {json::Object{{"room_alias_name", "a:b"}}, "M_INVALID_PARAM"},
      {json::Object{{"initial_state", json::Array{json::Object{{"content", json::Object{}}}}}},
       "M_MISSING_PARAM"},
      {json::Object{{"initial_state", json::Array{5}}}, "M_BAD_JSON"},
      {json::Object{{"creation_content", "x"}}, "M_BAD_JSON"},
  };
  for (const Case& c : cases) {
    Reply r = call("POST", v3("/createRoom"), c.body, alice);
    EXPECT_EQ(r.status, 400) << toText(c.body) << " -> " << r.raw;
    EXPECT_EQ(r.errcode(), c.errcode) << toText(c.body) << " -> " << r.raw;
  }
  EXPECT_EQ(*get(v3("/joined_rooms"), alice).get("joined_rooms"), json::Value(json::Array{}));
}

TEST_F(RoomCreateTest, RequiresAnAccessToken) {
  Reply r = call("POST", v3("/createRoom"), "{}");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.errcode(), "M_MISSING_TOKEN");
}

TEST_F(RoomCreateTest, R0PrefixWorksToo) {
  TestUser alice = registerUser("alice");
  Reply r = call("POST", "/_matrix/client/r0/createRoom", "{}", alice.accessToken);
  EXPECT_EQ(r.status, 200) << r.raw;
}

TEST_F(RoomCreateTest, UpgradeCreatesReplacementAndTombstonesOldRoom) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(
      alice, json::Object{{"room_version", "10"}, {"preset", "public_chat"}, {"name", "Old"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  Reply forbidden =
      call("POST", room(roomId, "/upgrade"), json::Object{{"new_version", "11"}}, bob);
  EXPECT_EQ(forbidden.status, 403) << forbidden.raw;

  Reply bad = call("POST", room(roomId, "/upgrade"), json::Object{{"new_version", "999"}}, alice);
  EXPECT_EQ(bad.errcode(), "M_UNSUPPORTED_ROOM_VERSION") << bad.raw;

  Reply up = call("POST", room(roomId, "/upgrade"), json::Object{{"new_version", "11"}}, alice);
  ASSERT_EQ(up.status, 200) << up.raw;
  std::string replacement = up.str("replacement_room");
  ASSERT_FALSE(replacement.empty());
  EXPECT_EQ(stateString(*this, alice, roomId, "m.room.tombstone", "replacement_room"), replacement);
  EXPECT_EQ(stateString(*this, alice, replacement, "m.room.name", "name"), "Old");
  EXPECT_EQ(stateString(*this, alice, replacement, "m.room.create", "room_version"), "11");
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
