// Knocking on a room of another server, end to end through two roomservers (make_knock /
// send_knock): the knock reaches the resident and is our user's membership here, a room that
// does not take knocks refuses it with the resident's error, and the continuations: invited
// after knocking then joining, and withdrawing the knock (make_leave / send_leave).
#include "two_server_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class FederationKnockTest : public TwoServerTest {
 protected:
  // A room on the remote server, created by zed, with the given join rule.
  std::string remoteRoom(const std::string& joinRule, const std::string& version = "12") {
    CreateRoomRequest create;
    create.creator = kZed;
    create.preset = Preset::kPrivateChat;
    create.roomVersion = version;
    create.name = "Zed's room";
    create.initialState.push_back(
        StateEventSpec{"m.room.join_rules", "", json::Object{{"join_rule", joinRule}}});
    auto created = remoteService_->performCreateRoom(ctx_, create);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? created->roomId : std::string();
  }

  std::optional<std::string> remoteMembershipOf(const std::string& roomId,
                                                const std::string& user) {
    auto m = remoteService_->queryMembership(ctx_, roomId, user);
    if (!m.ok() || !*m) return std::nullopt;
    return (*m)->membership;
  }

  std::optional<OutputRoomEvent> outputFor(const std::string& eventId) {
    std::lock_guard lock(outputsMutex_);
    for (const auto& o : outputs_) {
      if (o.eventId == eventId) return o;
    }
    return std::nullopt;
  }
};

TEST_P(FederationKnockTest, KnockReachesTheResidentAndIsOurMembership) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoom("knock");
  ASSERT_FALSE(roomId.empty());

  auto knocked = api().performKnock(ctx_, {roomId, kAlice, std::string("let me in"), {kRemote}});
  ASSERT_TRUE(knocked.ok()) << knocked.error().message;
  EXPECT_EQ(knocked->roomId, roomId);
  EXPECT_EQ(sendKnocks_, 1);

  // The resident has the knock in the room state, as we signed it.
  EXPECT_EQ(remoteMembershipOf(roomId, kAlice), "knock");
  auto member = remoteService_->queryStateEvent(ctx_, roomId, "m.room.member", kAlice);
  ASSERT_TRUE(member.ok()) << member.error().message;
  EXPECT_EQ(member->pdu.eventId(), knocked->eventId);
  EXPECT_EQ(*member->pdu.content().find("reason")->getString(), "let me in");
  EXPECT_EQ(*member->pdu.content().find("displayname")->getString(), "Alice");
  EXPECT_NE(member->pdu.json().find("signatures")->get(kServer), nullptr);

  // Here: the user is knocking, and the room is among her knocks (not her invites).
  EXPECT_EQ(membershipOf(roomId, kAlice), "knock");
  EXPECT_EQ(*api().queryRoomsForUser(ctx_, kAlice, "knock"), std::vector<std::string>{roomId});
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "invite")->empty());
  EXPECT_FALSE(*api().queryRoomExists(ctx_, roomId));

  // Output for sync-api with the stripped state the resident answered.
  ASSERT_TRUE(waitForOutput(knocked->eventId));
  auto out = outputFor(knocked->eventId);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->kind, OutputRoomEvent::Kind::kKnock);
  EXPECT_EQ(out->roomId, roomId);
  EXPECT_EQ(out->roomVersion, "12");
  const json::Value* unsignedValue = out->event.find("unsigned");
  ASSERT_NE(unsignedValue, nullptr);
  const json::Value* state = unsignedValue->get("knock_room_state");
  ASSERT_NE(state, nullptr);
  ASSERT_NE(state->getArray(), nullptr);
  bool sawJoinRules = false;
  for (const auto& s : *state->getArray()) {
    if (s.getStringAt("type") == "m.room.join_rules") sawJoinRules = true;
  }
  EXPECT_TRUE(sawJoinRules);
  // The federation sender must not send it again: it is not a timeline event here.
  EXPECT_FALSE(wasOutput(knocked->eventId));
}

TEST_P(FederationKnockTest, RoomThatTakesNoKnocksRefusesWithTheResidentsError) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoom("invite");
  ASSERT_FALSE(roomId.empty());
  auto knocked = api().performKnock(ctx_, {roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_FALSE(knocked.ok());
  EXPECT_EQ(knocked.error().code, ErrorCode::kForbidden) << knocked.error().message;
  EXPECT_EQ(sendKnocks_, 0);
  EXPECT_EQ(remoteMembershipOf(roomId, kAlice), std::nullopt);
  EXPECT_EQ(membershipOf(roomId, kAlice), std::nullopt);
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "knock")->empty());
}

TEST_P(FederationKnockTest, RoomVersionWithoutKnockingIsIncompatible) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoom("invite", "6");
  ASSERT_FALSE(roomId.empty());
  auto knocked = api().performKnock(ctx_, {roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_FALSE(knocked.ok());
  EXPECT_EQ(knocked.error().code, ErrorCode::kIncompatibleRoomVersion) << knocked.error().message;
  EXPECT_EQ(membershipOf(roomId, kAlice), std::nullopt);
}

TEST_P(FederationKnockTest, NoServerToAskIsNotFound) {
  startRemote();
  if (HasFatalFailure()) return;
  // A v12 room ID names no server; without via servers there is nobody to knock through.
  std::string roomId = remoteRoom("knock");
  ASSERT_FALSE(roomId.empty());
  auto knocked = api().performKnock(ctx_, {roomId, kAlice, std::nullopt, {}});
  ASSERT_FALSE(knocked.ok());
  EXPECT_EQ(knocked.error().code, ErrorCode::kNotFound) << knocked.error().message;
}

TEST_P(FederationKnockTest, KnockThenInvitedThenJoins) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoom("knock");
  ASSERT_FALSE(roomId.empty());
  auto knocked = api().performKnock(ctx_, {roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_TRUE(knocked.ok()) << knocked.error().message;

  // Zed lets her in: the invite (invite v2) replaces the knock here.
  auto invited = remoteService_->performInvite(ctx_, {roomId, kZed, kAlice, std::nullopt, false});
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  EXPECT_EQ(remoteMembershipOf(roomId, kAlice), "invite");
  EXPECT_EQ(membershipOf(roomId, kAlice), "invite");
  EXPECT_EQ(*api().queryRoomsForUser(ctx_, kAlice, "invite"), std::vector<std::string>{roomId});
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "knock")->empty());

  // The join goes through the inviting server without naming it.
  auto joined = api().performJoin(ctx_, {roomId, kAlice, std::nullopt, {}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(membershipOf(roomId, kAlice), "join");
  EXPECT_EQ(remoteMembershipOf(roomId, kAlice), "join");
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "invite")->empty());
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "knock")->empty());
  // The knock is in the join's history as the room saw it.
  auto knock = api().queryEvent(ctx_, knocked->eventId);
  ASSERT_TRUE(knock.ok()) << knock.error().message;
  EXPECT_EQ(knock->pdu.membership(), "knock");
  ASSERT_TRUE(sendMessage(roomId, kAlice, "thanks").ok());
}

TEST_P(FederationKnockTest, WithdrawsAKnockThroughTheResident) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoom("knock");
  ASSERT_FALSE(roomId.empty());
  auto knocked = api().performKnock(ctx_, {roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_TRUE(knocked.ok()) << knocked.error().message;

  auto left = api().performLeave(ctx_, roomId, kAlice, std::string("never mind"));
  ASSERT_TRUE(left.ok()) << left.error().message;
  EXPECT_EQ(remoteMembershipOf(roomId, kAlice), "leave");
  auto member = remoteService_->queryStateEvent(ctx_, roomId, "m.room.member", kAlice);
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->pdu.eventId(), left->eventId);
  EXPECT_NE(member->pdu.json().find("signatures")->get(kServer), nullptr);
  EXPECT_NE(membershipOf(roomId, kAlice), "knock");
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "knock")->empty());
  // sync-api learns it from the leave.
  ASSERT_TRUE(waitForOutput(left->eventId));
  EXPECT_TRUE(wasOutput(left->eventId));

  // She may knock again.
  auto again = api().performKnock(ctx_, {roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(remoteMembershipOf(roomId, kAlice), "knock");
  EXPECT_EQ(membershipOf(roomId, kAlice), "knock");
}

TEST_P(FederationKnockTest, KnockOnALocalRoomStaysLocal) {
  startRemote();
  if (HasFatalFailure()) return;
  CreateRoomRequest create;
  create.creator = kAlice;
  create.preset = Preset::kPrivateChat;
  create.initialState.push_back(
      StateEventSpec{"m.room.join_rules", "", json::Object{{"join_rule", "knock"}}});
  std::string roomId = createRoom(create);
  ASSERT_FALSE(roomId.empty());
  auto knocked = api().performKnock(ctx_, {roomId, kBob, std::nullopt, {kRemote}});
  ASSERT_TRUE(knocked.ok()) << knocked.error().message;
  EXPECT_EQ(sendKnocks_, 0);
  EXPECT_EQ(membershipOf(roomId, kBob), "knock");
  ASSERT_TRUE(waitForOutput(knocked->eventId));
  EXPECT_TRUE(wasOutput(knocked->eventId));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationKnockTest);

}  // namespace
}  // namespace plexus::roomserver::testing
