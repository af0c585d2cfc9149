// The resident side of make_join/send_join, make_leave/send_leave, make_knock/send_knock and
// invite v2: the routes check the origin and ACL, pass the request to the roomserver (scripted
// here) and build the spec's answers from the real roomserver's state.
#include "federation_routes_fixture.h"
#include "plexus/json/parse.h"

namespace plexus::federationapi {
namespace {

using RS = roomserver::RoomserverApi;
using testing::FederationRoutesTest;

class FederationMembershipTest : public FederationRoutesTest {
 protected:
  void SetUp() override {
    FederationRoutesTest::SetUp();
    if (HasFatalFailure()) return;
    room_ = createPublicRoom(false);
    rooms_->onMake =
        [this](const RS::MakeMembershipRequest& r) -> Result<RS::MakeMembershipResponse> {
      lastMake_ = r;
      return RS::MakeMembershipResponse{
          "12", json::Object{{"type", "m.room.member"},
                             {"state_key", r.userId},
                             {"content", json::Object{{"membership", r.membership}}}}};
    };
    // send_*: stands in for the roomserver by joining bob through the local path and returning
    // the stored event.
    rooms_->onSendMembership =
        [this](const RS::SendMembershipRequest& r) -> Result<roomserver::RoomEvent> {
      lastSend_ = r;
      roomserver::JoinRequest join;
      join.roomIdOrAlias = r.roomId;
      join.userId = "@bob:remote.test";
      PLEXUS_TRY(auto joined, real_->performJoin(ctx_, join));
      return real_->queryEvent(ctx_, joined.eventId);
    };
  }

  std::string room_;
  RS::MakeMembershipRequest lastMake_;
  RS::SendMembershipRequest lastSend_;
};

TEST_F(FederationMembershipTest, MakeJoinPassesVersionsAndAnswersTheTemplate) {
  auto reply =
      call("GET", "/_matrix/federation/v1/make_join/" + room_ + "/@bob:remote.test?ver=10&ver=12");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body.find("room_version")->getString()
                ? *reply.body.find("room_version")->getString()
                : "",
            "12");
  EXPECT_TRUE(reply.body.find("event")->isObject());
  EXPECT_EQ(lastMake_.membership, "join");
  EXPECT_EQ(lastMake_.origin, "remote.test");
  EXPECT_EQ(lastMake_.supportedVersions, (std::vector<std::string>{"10", "12"}));
}

TEST_F(FederationMembershipTest, MakeMembershipForAnotherServersUserIsForbidden) {
  for (std::string kind : {"make_join", "make_leave", "make_knock"}) {
    auto reply = call("GET", "/_matrix/federation/v1/" + kind + "/" + room_ + "/@eve:other.test");
    EXPECT_EQ(reply.status, 403) << kind;
    EXPECT_EQ(reply.errcode(), "M_FORBIDDEN");
  }
  EXPECT_TRUE(lastMake_.roomId.empty());
}

TEST_F(FederationMembershipTest, MakeLeaveAndKnockAskForTheirMembership) {
  ASSERT_EQ(call("GET", "/_matrix/federation/v1/make_leave/" + room_ + "/@bob:remote.test").status,
            200);
  EXPECT_EQ(lastMake_.membership, "leave");
  ASSERT_EQ(
      call("GET", "/_matrix/federation/v1/make_knock/" + room_ + "/@bob:remote.test?ver=12").status,
      200);
  EXPECT_EQ(lastMake_.membership, "knock");
}

TEST_F(FederationMembershipTest, RoomserverErrorsPassThrough) {
  rooms_->onMake = [](const RS::MakeMembershipRequest&) -> Result<RS::MakeMembershipResponse> {
    return fail(ErrorCode::kIncompatibleRoomVersion, "no common version");
  };
  auto reply = call("GET", "/_matrix/federation/v1/make_join/" + room_ + "/@bob:remote.test?ver=1");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.errcode(), "M_INCOMPATIBLE_ROOM_VERSION");
}

TEST_F(FederationMembershipTest, SendJoinV2AnswersStateAuthChainAndEvent) {
  json::Object event{{"type", "m.room.member"}, {"state_key", "@bob:remote.test"}};
  auto reply = call("PUT", "/_matrix/federation/v2/send_join/" + room_ + "/$join", event);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(lastSend_.membership, "join");
  EXPECT_EQ(lastSend_.eventId, "$join");
  EXPECT_EQ(lastSend_.origin, "remote.test");
  EXPECT_EQ(*reply.body.find("origin")->getString(), "us.test");
  EXPECT_EQ(reply.body.find("members_omitted")->getBool(), false);
  EXPECT_TRUE(reply.body.find("event")->isObject());
  auto* state = reply.body.find("state")->getArray();
  ASSERT_NE(state, nullptr);
  EXPECT_GE(state->size(), 4u);  // create, alice's join, power levels, join rules, ...
  for (const auto& e : *state)   // the state before the join: bob is not in it
    EXPECT_NE(e.getStringAt("state_key"), "@bob:remote.test");
  EXPECT_FALSE(reply.body.find("auth_chain")->getArray()->empty());
}

TEST_F(FederationMembershipTest, SendJoinV1AnswersTheLegacyPair) {
  auto reply =
      call("PUT", "/_matrix/federation/v1/send_join/" + room_ + "/$join", json::Object{{"a", 1}});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto parsed = json::parse(reply.raw);
  ASSERT_TRUE(parsed && parsed->isArray());
  ASSERT_EQ(parsed->getArray()->size(), 2u);
  EXPECT_EQ((*parsed->getArray())[0].getInt(), 200);
  EXPECT_TRUE((*parsed->getArray())[1].get("state"));
}

TEST_F(FederationMembershipTest, SendJoinWithoutAnEventBodyIsBadJson) {
  auto reply =
      call("PUT", "/_matrix/federation/v2/send_join/" + room_ + "/$join", std::string("[1]"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.errcode(), "M_BAD_JSON");
  EXPECT_TRUE(lastSend_.roomId.empty());
}

TEST_F(FederationMembershipTest, SendLeaveAnswersEmptyObjectOrLegacyPair) {
  auto v2 =
      call("PUT", "/_matrix/federation/v2/send_leave/" + room_ + "/$leave", json::Object{{"a", 1}});
  ASSERT_EQ(v2.status, 200) << v2.raw;
  EXPECT_EQ(v2.raw, "{}");
  EXPECT_EQ(lastSend_.membership, "leave");
  auto v1 =
      call("PUT", "/_matrix/federation/v1/send_leave/" + room_ + "/$leave", json::Object{{"a", 1}});
  EXPECT_EQ(v1.raw, "[200,{}]");
}

TEST_F(FederationMembershipTest, SendKnockAnswersStrippedRoomState) {
  auto reply =
      call("PUT", "/_matrix/federation/v1/send_knock/" + room_ + "/$knock", json::Object{{"a", 1}});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(lastSend_.membership, "knock");
  auto* stripped = reply.body.find("knock_room_state")->getArray();
  ASSERT_NE(stripped, nullptr);
  std::set<std::string> types;
  for (const auto& s : *stripped) {
    types.insert(std::string(*s.getStringAt("type")));
    EXPECT_TRUE(s.get("content") && s.get("sender") && s.get("state_key"));
    EXPECT_FALSE(s.get("signatures"));
  }
  EXPECT_TRUE(types.count("m.room.create"));
  EXPECT_TRUE(types.count("m.room.join_rules"));
}

TEST_F(FederationMembershipTest, InviteV2PassesTheEventAndAnswersTheSignedEvent) {
  RS::InviteInput seen;
  rooms_->onInvite = [&seen](const RS::InviteInput& in) -> Result<json::Object> {
    seen = in;
    json::Object out = in.event;
    out.set("signatures", json::Object{{"us.test", json::Object{}}});
    return out;
  };
  json::Object body{
      {"event", json::Object{{"type", "m.room.member"}, {"state_key", testing::kAlice}}},
      {"room_version", "12"},
      {"invite_room_state", json::Array{json::Object{{"type", "m.room.name"}}}}};
  auto reply = call("PUT", "/_matrix/federation/v2/invite/" + room_ + "/$inv", body);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(reply.body.find("event")->get("signatures"));
  EXPECT_EQ(seen.roomVersion, "12");
  EXPECT_EQ(seen.eventId, "$inv");
  EXPECT_EQ(seen.origin, "remote.test");
  EXPECT_EQ(seen.inviteRoomState.size(), 1u);

  auto bad =
      call("PUT", "/_matrix/federation/v2/invite/" + room_ + "/$inv", json::Object{{"event", 1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.errcode(), "M_BAD_JSON");
}

// The deprecated v1 invite (rooms of version 1 and 2): the event is the body, its stripped state
// rides in unsigned.invite_room_state, and the answer is [200, {event}].
TEST_F(FederationMembershipTest, InviteV1TakesTheEventAsTheBodyAndAnswersAnArray) {
  RS::InviteInput seen;
  rooms_->onInvite = [&seen](const RS::InviteInput& in) -> Result<json::Object> {
    seen = in;
    json::Object out = in.event;
    out.set("signatures", json::Object{{"us.test", json::Object{}}});
    return out;
  };
  json::Object event{
      {"type", "m.room.member"},
      {"state_key", testing::kAlice},
      {"unsigned", json::Object{{"age", 5},
                                {"invite_room_state",
                                 json::Array{json::Object{{"type", "m.room.name"}},
                                             json::Object{{"type", "m.room.join_rules"}}}}}}};
  auto reply = call("PUT", "/_matrix/federation/v1/invite/" + room_ + "/$inv", event);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto answer = json::parse(reply.raw);
  ASSERT_TRUE(answer.ok());
  const json::Array* pair = answer->getArray();
  ASSERT_TRUE(pair && pair->size() == 2u) << reply.raw;
  EXPECT_EQ((*pair)[0].getInt(), 200);
  EXPECT_TRUE((*pair)[1].get("event") && (*pair)[1].get("event")->get("signatures"));
  EXPECT_EQ(seen.roomVersion, "1");
  EXPECT_EQ(seen.inviteRoomState.size(), 2u);
  EXPECT_FALSE(seen.event.find("unsigned")->get("invite_room_state"));
  EXPECT_EQ(seen.event.find("unsigned")->get("age")->getInt(), 5);
}

TEST_F(FederationMembershipTest, AclDeniedServerCannotJoin) {
  roomserver::SendEventRequest acl;
  acl.roomId = room_;
  acl.sender = testing::kAlice;
  acl.type = "m.room.server_acl";
  acl.stateKey = "";
  acl.content = json::Object{{"allow", json::Array{"*"}}, {"deny", json::Array{"remote.test"}}};
  ASSERT_TRUE(real_->performSendEvent(ctx_, acl).ok());
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/make_join/" + room_ + "/@bob:remote.test").status,
            403);
  EXPECT_EQ(call("PUT", "/_matrix/federation/v2/send_join/" + room_ + "/$j", json::Object{{"a", 1}})
                .status,
            403);
  EXPECT_TRUE(lastSend_.roomId.empty());
}

}  // namespace
}  // namespace plexus::federationapi
