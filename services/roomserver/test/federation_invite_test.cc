// Invites over federation, both ways: a remote server inviting one of our users (stored as a
// remote invite, output as kInvite, listed in the user's invites, joinable and rejectable), and
// our user inviting a user of the remote server (signed by both servers, then a normal event).
#include "two_server_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class FederationInviteTest : public TwoServerTest {
 protected:
  // A public room on the remote server created by zed, who invites alice.
  std::string remoteRoomInvitingAlice(Preset preset = Preset::kPrivateChat) {
    CreateRoomRequest create;
    create.creator = kZed;
    create.preset = preset;
    create.name = "Zed's room";
    auto created = remoteService_->performCreateRoom(ctx_, create);
    EXPECT_TRUE(created.ok());
    if (!created.ok()) return {};
    auto invited =
        remoteService_->performInvite(ctx_, {created->roomId, kZed, kAlice, std::nullopt, false});
    EXPECT_TRUE(invited.ok()) << (invited.ok() ? "" : invited.error().message);
    if (invited.ok()) inviteEventId_ = invited->eventId;
    return created->roomId;
  }
  std::string inviteEventId_;
};

TEST_P(FederationInviteTest, ReceivesAnInviteAndOutputsIt) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoomInvitingAlice();
  ASSERT_FALSE(roomId.empty());
  ASSERT_TRUE(waitForOutput(inviteEventId_));
  {
    std::lock_guard lock(outputsMutex_);
    const OutputRoomEvent& out = outputs_.back();
    EXPECT_EQ(out.kind, OutputRoomEvent::Kind::kInvite);
    EXPECT_EQ(out.roomId, roomId);
    const json::Value* state = out.event.find("unsigned")->get("invite_room_state");
    ASSERT_NE(state, nullptr);
    EXPECT_FALSE(state->getArray()->empty());
    EXPECT_NE(out.event.find("signatures")->get(kServer), nullptr);
    EXPECT_NE(out.event.find("signatures")->get(kRemote), nullptr);
  }
  auto invites = api().queryRoomsForUser(ctx_, kAlice, "invite");
  ASSERT_TRUE(invites.ok());
  EXPECT_EQ(*invites, std::vector<std::string>{roomId});
  EXPECT_EQ(membershipOf(roomId, kAlice), "invite");
  // The remote room accepted the invite with our signature.
  auto theirs = remoteService_->queryMembership(ctx_, roomId, kAlice);
  ASSERT_TRUE(theirs.ok() && *theirs);
  EXPECT_EQ((*theirs)->membership, "invite");
}

TEST_P(FederationInviteTest, JoinsAnInvitedRoomThroughTheInvitingServer) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoomInvitingAlice();
  ASSERT_FALSE(roomId.empty());
  auto joined = api().performJoin(ctx_, {roomId, kAlice, std::nullopt, {}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(membershipOf(roomId, kAlice), "join");
  auto invites = api().queryRoomsForUser(ctx_, kAlice, "invite");
  EXPECT_TRUE(invites->empty());
}

TEST_P(FederationInviteTest, RejectsAnInviteThroughTheInvitingServer) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoomInvitingAlice();
  ASSERT_FALSE(roomId.empty());
  auto left = api().performLeave(ctx_, roomId, kAlice, std::string("no thanks"));
  ASSERT_TRUE(left.ok()) << left.error().message;
  auto theirs = remoteService_->queryMembership(ctx_, roomId, kAlice);
  ASSERT_TRUE(theirs.ok() && *theirs);
  EXPECT_EQ((*theirs)->membership, "leave");
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "invite")->empty());
  ASSERT_TRUE(waitForOutput(left->eventId));
}

// The inviting room takes the invite back (zed kicks alice before she answered): the kick reaches
// us by /send for a room we are not in, and the invite is gone. Sent by another server than the
// sender's, the same kick is refused.
TEST_P(FederationInviteTest, ARescindedInviteIsDroppedHere) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoomInvitingAlice();
  ASSERT_FALSE(roomId.empty());
  ASSERT_EQ(membershipOf(roomId, kAlice), "invite");
  auto kicked = remoteService_->performKick(
      ctx_, {roomId, kZed, kAlice, std::string("changed my mind"), false});
  ASSERT_TRUE(kicked.ok()) << kicked.error().message;
  auto kick = remoteService_->queryEvent(ctx_, kicked->eventId);
  ASSERT_TRUE(kick.ok());

  auto relayed = api().inputEvents(
      ctx_, roomId, {{kick->pdu.json(), "third.test", RoomserverApi::InputKind::kNew}});
  ASSERT_TRUE(relayed.ok()) << relayed.error().message;
  ASSERT_EQ(relayed->size(), 1u);
  EXPECT_TRUE((*relayed)[0].error.has_value());
  EXPECT_EQ(membershipOf(roomId, kAlice), "invite");

  auto taken = api().inputEvents(ctx_, roomId,
                                 {{kick->pdu.json(), kRemote, RoomserverApi::InputKind::kNew}});
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0].eventId, kicked->eventId);
  EXPECT_FALSE((*taken)[0].error) << *(*taken)[0].error;
  EXPECT_NE(membershipOf(roomId, kAlice), "invite");
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "invite")->empty());
  ASSERT_TRUE(waitForOutput(kicked->eventId));

  // Any other event of a room we are not in stays unknown.
  auto other = api().inputEvents(ctx_, roomId,
                                 {{kick->pdu.json(), kRemote, RoomserverApi::InputKind::kNew}});
  EXPECT_FALSE(other.ok());
}

TEST_P(FederationInviteTest, InvitesARemoteUser) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = createRoom(Preset::kPrivateChat);
  auto invited = api().performInvite(ctx_, {roomId, kAlice, kZed, std::nullopt, false});
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  EXPECT_EQ(membershipOf(roomId, kZed), "invite");
  auto stored = api().queryEvent(ctx_, invited->eventId);
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->pdu.json().find("signatures")->get(kRemote), nullptr);
  ASSERT_TRUE(waitForOutput(invited->eventId));
  // Zed's server has the invite and zed can join through us.
  EXPECT_EQ(*remoteService_->queryRoomsForUser(ctx_, kZed, "invite"),
            std::vector<std::string>{roomId});
  auto joined = remoteService_->performJoin(ctx_, {roomId, kZed, std::nullopt, {kServer}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(membershipOf(roomId, kZed), "join");
}

TEST_P(FederationInviteTest, RefusesAnInviteForAnotherServersUser) {
  startRemote();
  if (HasFatalFailure()) return;
  CreateRoomRequest create;
  create.creator = kZed;
  auto created = remoteService_->performCreateRoom(ctx_, create);
  ASSERT_TRUE(created.ok());
  // Zed invites yan (a user of remote.test); that invite is not ours to accept.
  auto invited =
      remoteService_->performInvite(ctx_, {created->roomId, kZed, kYan, std::nullopt, false});
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  auto event = remoteService_->queryEvent(ctx_, invited->eventId);
  ASSERT_TRUE(event.ok());
  RoomserverApi::InviteInput invite{created->roomId, invited->eventId,  "12",
                                    kRemote,         event->pdu.json(), {}};
  auto r = api().inputInvite(ctx_, invite);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  // Nor is an invite claimed by a server that did not send it.
  invite.origin = "other.test";
  EXPECT_FALSE(api().inputInvite(ctx_, invite).ok());
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kYan, "invite")->empty());
}

TEST_P(FederationInviteTest, LeavesAndIsInvitedAgainAndRejoins) {
  startRemote();
  if (HasFatalFailure()) return;
  std::string roomId = remoteRoomInvitingAlice();
  ASSERT_FALSE(roomId.empty());
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kAlice, std::nullopt, {}}).ok());
  auto left = api().performLeave(ctx_, roomId, kAlice, std::nullopt);
  ASSERT_TRUE(left.ok()) << left.error().message;
  // Our leave reaches the remote server as a live event.
  auto leaveEvent = api().queryEvent(ctx_, left->eventId);
  auto delivered = remoteService_->inputEvents(
      ctx_, roomId, {{leaveEvent->pdu.json(), kServer, RoomserverApi::InputKind::kNew}});
  ASSERT_TRUE(delivered.ok());
  ASSERT_FALSE((*delivered)[0].error) << *(*delivered)[0].error;
  EXPECT_EQ(membershipOf(roomId, kAlice), "leave");

  // Zed renames the room while we are away, then invites alice again.
  ASSERT_TRUE(remoteService_
                  ->performSendEvent(ctx_, {roomId, kZed, "m.room.name", std::string(),
                                            json::Object{{"name", "Renamed"}}, std::nullopt})
                  .ok());
  auto invited = remoteService_->performInvite(ctx_, {roomId, kZed, kAlice, std::nullopt, false});
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  EXPECT_EQ(membershipOf(roomId, kAlice), "invite");
  EXPECT_EQ(*api().queryRoomsForUser(ctx_, kAlice, "invite"), std::vector<std::string>{roomId});

  auto rejoined = api().performJoin(ctx_, {roomId, kAlice, std::nullopt, {}});
  ASSERT_TRUE(rejoined.ok()) << rejoined.error().message;
  EXPECT_EQ(membershipOf(roomId, kAlice), "join");
  auto name = api().queryStateEvent(ctx_, roomId, "m.room.name", "");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name->pdu.content().find("name")->getString(), "Renamed");
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "invite")->empty());
  auto latest = api().queryLatestEvents(ctx_, roomId);
  EXPECT_EQ(latest->eventIds, std::vector<std::string>{rejoined->eventId});
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationInviteTest);

}  // namespace
}  // namespace plexus::roomserver::testing
