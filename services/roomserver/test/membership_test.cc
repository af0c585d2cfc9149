// Membership helpers: joins per join rule, invites, leaves, kicks, bans, unbans, knocks and
// forgetting, with their power checks.
#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class MembershipTest : public RoomserverTest {
 protected:
  MembershipChangeRequest change(const std::string& roomId, const std::string& sender,
                                 const std::string& target) {
    return MembershipChangeRequest{roomId, sender, target, std::nullopt, false};
  }
};

TEST_P(MembershipTest, AnyoneJoinsAPublicRoomWithTheirProfile) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto joined = api().performJoin(ctx_, {roomId, kBob, std::string("hello"), {}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->roomId, roomId);
  EXPECT_EQ(membershipOf(roomId, kBob), "join");
  auto members = api().queryJoinedMembers(ctx_, roomId);
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].userId, kAlice);
  EXPECT_EQ((*members)[0].displayName, "Alice");
  EXPECT_EQ((*members)[0].avatarUrl, "mxc://test.local/alice");
  EXPECT_EQ((*members)[1].displayName, "Bob");
  EXPECT_EQ(*api().queryRoomsForUser(ctx_, kBob, "join"), std::vector<std::string>{roomId});
}

TEST_P(MembershipTest, JoinByAliasResolvesTheRoom) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.preset = Preset::kPublicChat;
  r.roomAliasName = "lobby";
  std::string roomId = createRoom(r);
  auto joined = api().performJoin(ctx_, {"#lobby:test.local", kBob, {}, {}});
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->roomId, roomId);
  EXPECT_EQ(api().performJoin(ctx_, {"#missing:test.local", kBob, {}, {}}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().performJoin(ctx_, {"!missing:test.local", kBob, {}, {}}).error().code,
            ErrorCode::kNotFound);
}

TEST_P(MembershipTest, InviteOnlyRoomRefusesJoinWithoutInvite) {
  for (const char* version : {"10", "11", "12"}) {
    std::string roomId = createRoom(Preset::kPrivateChat, version);
    auto refused = api().performJoin(ctx_, {roomId, kBob, {}, {}});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
    ASSERT_TRUE(api().performInvite(ctx_, change(roomId, kAlice, kBob)).ok());
    EXPECT_EQ(membershipOf(roomId, kBob), "invite");
    EXPECT_EQ(*api().queryRoomsForUser(ctx_, kBob, "invite"), std::vector<std::string>{roomId});
    ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
    EXPECT_EQ(membershipOf(roomId, kBob), "join");
    expectValidEvents(roomId);
  }
}

TEST_P(MembershipTest, InviteNeedsInvitePower) {
  // public_chat sets invite to 50: an ordinary member cannot invite.
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  EXPECT_EQ(api().performInvite(ctx_, change(roomId, kBob, kCarol)).error().code,
            ErrorCode::kForbidden);
}

TEST_P(MembershipTest, LeaveRejectsAnInviteAndLeavesARoom) {
  std::string roomId = createRoom(Preset::kPrivateChat);
  ASSERT_TRUE(api().performInvite(ctx_, change(roomId, kAlice, kBob)).ok());
  ASSERT_TRUE(api().performLeave(ctx_, roomId, kBob, std::nullopt).ok());
  EXPECT_EQ(membershipOf(roomId, kBob), "leave");
  ASSERT_TRUE(api().performLeave(ctx_, roomId, kAlice, std::string("bye")).ok());
  EXPECT_EQ(membershipOf(roomId, kAlice), "leave");
  // Someone who never was in the room cannot leave it.
  EXPECT_EQ(api().performLeave(ctx_, roomId, kCarol, std::nullopt).error().code,
            ErrorCode::kForbidden);
}

TEST_P(MembershipTest, BanBlocksJoinUntilUnban) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  ASSERT_TRUE(api().performBan(ctx_, change(roomId, kAlice, kBob)).ok());
  EXPECT_EQ(membershipOf(roomId, kBob), "ban");
  EXPECT_EQ(api().performJoin(ctx_, {roomId, kBob, {}, {}}).error().code, ErrorCode::kForbidden);
  // A kick cannot be used to lift a ban.
  EXPECT_EQ(api().performKick(ctx_, change(roomId, kAlice, kBob)).error().code,
            ErrorCode::kForbidden);
  ASSERT_TRUE(api().performUnban(ctx_, change(roomId, kAlice, kBob)).ok());
  EXPECT_EQ(membershipOf(roomId, kBob), "leave");
  EXPECT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  // Unbanning someone who is not banned is refused.
  EXPECT_EQ(api().performUnban(ctx_, change(roomId, kAlice, kBob)).error().code,
            ErrorCode::kForbidden);
}

TEST_P(MembershipTest, KickAndBanNeedPower) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kCarol, {}, {}}).ok());
  EXPECT_EQ(api().performKick(ctx_, change(roomId, kBob, kCarol)).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(api().performBan(ctx_, change(roomId, kBob, kCarol)).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(api().performKick(ctx_, change(roomId, kBob, kAlice)).error().code,
            ErrorCode::kForbidden);
  ASSERT_TRUE(api().performKick(ctx_, change(roomId, kAlice, kCarol)).ok());
  EXPECT_EQ(membershipOf(roomId, kCarol), "leave");
  // Kicking someone who is not in the room is refused.
  EXPECT_EQ(api().performKick(ctx_, change(roomId, kAlice, kCarol)).error().code,
            ErrorCode::kForbidden);
}

TEST_P(MembershipTest, KnockWorksOnlyWithTheKnockJoinRule) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "11";
  r.initialState = {{"m.room.join_rules", "", json::Object{{"join_rule", "knock"}}}};
  std::string roomId = createRoom(r);
  auto knocked = api().performKnock(ctx_, {roomId, kBob, std::string("let me in"), {}});
  ASSERT_TRUE(knocked.ok()) << knocked.error().message;
  EXPECT_EQ(membershipOf(roomId, kBob), "knock");
  // Accepting a knock is an invite.
  ASSERT_TRUE(api().performInvite(ctx_, change(roomId, kAlice, kBob)).ok());
  EXPECT_EQ(membershipOf(roomId, kBob), "invite");

  std::string inviteOnly = createRoom(Preset::kPrivateChat, "11");
  EXPECT_EQ(api().performKnock(ctx_, {inviteOnly, kBob, {}, {}}).error().code,
            ErrorCode::kForbidden);
}

TEST_P(MembershipTest, ForgetOnlyAfterLeaving) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  EXPECT_EQ(api().performForget(ctx_, roomId, kBob).error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(api().performForget(ctx_, roomId, kCarol).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(api().performLeave(ctx_, roomId, kBob, std::nullopt).ok());
  EXPECT_EQ(*api().queryRoomsForUser(ctx_, kBob, "leave"), std::vector<std::string>{roomId});
  ASSERT_TRUE(api().performForget(ctx_, roomId, kBob).ok());
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kBob, "leave")->empty());
  auto info = api().queryMembership(ctx_, roomId, kBob);
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_TRUE((*info)->forgotten);
  // Joining again clears the flag.
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  EXPECT_FALSE((*api().queryMembership(ctx_, roomId, kBob))->forgotten);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(MembershipTest);

}  // namespace
}  // namespace plexus::roomserver::testing
