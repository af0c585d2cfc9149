// Membership routes over HTTP: join (by ID and alias), invite, leave, forget, kick, ban, unban,
// knock and joined_rooms, with the 403/404/400 answers of each.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class RoomMembershipTest : public RoomApiTest {
 protected:
  std::string membershipOf(const TestUser& viewer, const std::string& roomId,
                           const std::string& userId) {
    Reply r = get(room(roomId, "/state/m.room.member/" + enc(userId)), viewer);
    if (r.status == 200) return r.str("membership");
    return "status " + std::to_string(r.status);
  }
  Reply act(const TestUser& actor, const std::string& roomId, const std::string& action,
            const std::string& target) {
    return call("POST", room(roomId, "/" + action), json::Object{{"user_id", target}}, actor);
  }
};

TEST_F(RoomMembershipTest, InviteThenJoinThenLeave) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);

  Reply uninvited = call("POST", room(roomId, "/join"), json::Object{}, bob);
  EXPECT_EQ(uninvited.status, 403) << uninvited.raw;
  EXPECT_EQ(uninvited.errcode(), "M_FORBIDDEN");

  EXPECT_EQ(act(alice, roomId, "invite", bob.userId).status, 200);
  EXPECT_EQ(membershipOf(alice, roomId, bob.userId), "invite");

  Reply joined = call("POST", room(roomId, "/join"), "", bob.accessToken);  // body is optional
  EXPECT_EQ(joined.status, 200) << joined.raw;
  EXPECT_EQ(joined.str("room_id"), roomId);
  Reply members = get(room(roomId, "/joined_members"), bob);
  ASSERT_EQ(members.status, 200) << members.raw;
  ASSERT_NE(members.get("joined"), nullptr);
  EXPECT_NE(members.get("joined")->get(alice.userId), nullptr);
  EXPECT_NE(members.get("joined")->get(bob.userId), nullptr);
  // Clients (matrix-nio) require both profile keys, null when unset.
  for (const auto& [user, profile] : *members.get("joined")->getObject()) {
    EXPECT_NE(profile.get("display_name"), nullptr) << user;
    EXPECT_NE(profile.get("avatar_url"), nullptr) << user;
  }

  Reply left = call("POST", room(roomId, "/leave"), json::Object{{"reason", "bye"}}, bob);
  EXPECT_EQ(left.status, 200) << left.raw;
  EXPECT_EQ(membershipOf(alice, roomId, bob.userId), "leave");
  EXPECT_EQ(*get(v3("/joined_rooms"), bob).get("joined_rooms"), json::Value(json::Array{}));
}

TEST_F(RoomMembershipTest, JoinsByAlias) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId =
      createRoom(alice, json::Object{{"preset", "public_chat"}, {"room_alias_name", "square"}});
  Reply r = call("POST", v3("/join/" + enc("#square:test.local") + "?server_name=test.local"),
                 json::Object{}, bob);
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.str("room_id"), roomId);
}

TEST_F(RoomMembershipTest, JoinAnswersNotFoundAndInvalidParam) {
  TestUser bob = registerUser("bob");
  Reply unknown = join(bob, "!nowhere:test.local");
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_EQ(unknown.errcode(), "M_NOT_FOUND");
  Reply unknownAlias = join(bob, "#nowhere:test.local");
  EXPECT_EQ(unknownAlias.status, 404) << unknownAlias.raw;
  Reply bad = join(bob, "lobby");
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(bad.errcode(), "M_INVALID_PARAM");
}

TEST_F(RoomMembershipTest, InviteValidatesBodyAndSender) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  TestUser carol = registerUser("carol");
  std::string roomId = createRoom(alice);
  Reply missing = call("POST", room(roomId, "/invite"), json::Object{}, alice);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.errcode(), "M_MISSING_PARAM");
  Reply badId = act(alice, roomId, "invite", "bob");
  EXPECT_EQ(badId.status, 400);
  EXPECT_EQ(badId.errcode(), "M_INVALID_PARAM");
  Reply outsider = act(carol, roomId, "invite", bob.userId);
  EXPECT_EQ(outsider.status, 403) << outsider.raw;
  EXPECT_EQ(membershipOf(alice, roomId, bob.userId), "status 404");
}

TEST_F(RoomMembershipTest, KickNeedsPowerAndRemovesMember) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  Reply weak = act(bob, roomId, "kick", alice.userId);
  EXPECT_EQ(weak.status, 403) << weak.raw;
  EXPECT_EQ(membershipOf(alice, roomId, alice.userId), "join");
  Reply kicked = act(alice, roomId, "kick", bob.userId);
  EXPECT_EQ(kicked.status, 200) << kicked.raw;
  EXPECT_EQ(membershipOf(alice, roomId, bob.userId), "leave");
}

TEST_F(RoomMembershipTest, BanBlocksJoinUntilUnban) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  EXPECT_EQ(act(alice, roomId, "ban", bob.userId).status, 200);
  EXPECT_EQ(membershipOf(alice, roomId, bob.userId), "ban");
  Reply rejoin = join(bob, roomId);
  EXPECT_EQ(rejoin.status, 403) << rejoin.raw;
  Reply unbanned = act(alice, roomId, "unban", bob.userId);
  EXPECT_EQ(unbanned.status, 200) << unbanned.raw;
  EXPECT_EQ(membershipOf(alice, roomId, bob.userId), "leave");
  EXPECT_EQ(join(bob, roomId).status, 200);
}

TEST_F(RoomMembershipTest, KnockOnKnockableRoomOnly) {
  TestUser alice = registerUser("alice");
  TestUser carol = registerUser("carol");
  json::Object knockRule{{"type", "m.room.join_rules"},
                         {"content", json::Object{{"join_rule", "knock"}}}};
  std::string knockRoom =
      createRoom(alice, json::Object{{"initial_state", json::Array{knockRule}}});
  std::string inviteRoom = createRoom(alice);

  Reply knocked =
      call("POST", v3("/knock/" + enc(knockRoom)), json::Object{{"reason", "hi"}}, carol);
  EXPECT_EQ(knocked.status, 200) << knocked.raw;
  EXPECT_EQ(knocked.str("room_id"), knockRoom);
  Reply knocks = get(room(knockRoom, "/members?membership=knock"), alice);
  ASSERT_EQ(knocks.status, 200) << knocks.raw;
  ASSERT_NE(knocks.get("chunk"), nullptr);
  ASSERT_EQ(knocks.get("chunk")->getArray()->size(), 1u) << knocks.raw;
  EXPECT_EQ(knocks.get("chunk")->getArray()->front().getStringAt("state_key"), carol.userId);

  Reply refused = call("POST", v3("/knock/" + enc(inviteRoom)), json::Object{}, carol);
  EXPECT_EQ(refused.status, 403) << refused.raw;
}

TEST_F(RoomMembershipTest, ForgetOnlyAfterLeaving) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(join(bob, roomId).status, 200);
  Reply whileJoined = call("POST", room(roomId, "/forget"), json::Object{}, bob);
  EXPECT_EQ(whileJoined.status, 400) << whileJoined.raw;
  ASSERT_EQ(call("POST", room(roomId, "/leave"), json::Object{}, bob).status, 200);
  Reply forgot = call("POST", room(roomId, "/forget"), json::Object{}, bob);
  EXPECT_EQ(forgot.status, 200) << forgot.raw;
  // A forgotten room's state is no longer readable.
  EXPECT_EQ(get(room(roomId, "/state"), bob).status, 403);
}

TEST_F(RoomMembershipTest, MalformedRoomIdIsInvalidParam) {
  TestUser alice = registerUser("alice");
  Reply r = call("POST", v3("/rooms/notaroom/leave"), json::Object{}, alice);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.errcode(), "M_INVALID_PARAM");
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
