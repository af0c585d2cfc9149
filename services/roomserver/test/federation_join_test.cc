// Joining over federation: the resident side (make_join / send_join) on its own, and end to end:
// a second RoomserverService ("remote.test", its own database) wired to ours through the fake
// federation sender, so our performJoin runs make_join / send_join against a real resident.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "two_server_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class FederationJoinTest : public TwoServerTest {};

TEST_P(FederationJoinTest, ResidentBuildsATemplateAndAcceptsTheSignedJoin) {
  std::string roomId = createRoom(Preset::kPublicChat);
  std::vector<std::string> versions{"10", "11", "12"};
  auto made = api().queryMakeMembership(ctx_, {roomId, kZed, "join", kRemote, versions});
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->roomVersion, "12");
  EXPECT_FALSE(made->eventTemplate.contains("signatures"));
  json::Object event = made->eventTemplate;
  const events::RoomVersion& version = *events::findRoomVersion("12");
  events::hashAndSignEvent(event, remote_.serverName, remote_.keyId, remote_.signingKey, version);
  auto pdu = events::Pdu::fromJson(event, version);
  ASSERT_TRUE(pdu.ok());
  auto joined = api().inputSendMembership(ctx_, {roomId, pdu->eventId(), "join", kRemote, event});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->pdu.eventId(), pdu->eventId());
  EXPECT_EQ(membershipOf(roomId, kZed), "join");
  ASSERT_TRUE(waitForOutput(pdu->eventId()));
}

TEST_P(FederationJoinTest, ResidentRefusesBadMakeJoinRequests) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto wrongOrigin = api().queryMakeMembership(ctx_, {roomId, kZed, "join", "other.test", {"12"}});
  ASSERT_FALSE(wrongOrigin.ok());
  EXPECT_EQ(wrongOrigin.error().code, ErrorCode::kInvalidParam);
  auto oldVersions = api().queryMakeMembership(ctx_, {roomId, kZed, "join", kRemote, {}});
  ASSERT_FALSE(oldVersions.ok());
  EXPECT_EQ(oldVersions.error().code, ErrorCode::kIncompatibleRoomVersion);
  ASSERT_TRUE(api().performBan(ctx_, {roomId, kAlice, kZed, std::nullopt, false}).ok());
  auto banned = api().queryMakeMembership(ctx_, {roomId, kZed, "join", kRemote, {"12"}});
  ASSERT_FALSE(banned.ok());
  EXPECT_EQ(banned.error().code, ErrorCode::kForbidden);
  auto unknown = api().queryMakeMembership(ctx_, {"!unknown", kZed, "join", kRemote, {"12"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_P(FederationJoinTest, ResidentRefusesAJoinForAnotherUser) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto made = api().queryMakeMembership(ctx_, {roomId, kZed, "join", kRemote, {"12"}});
  ASSERT_TRUE(made.ok());
  json::Object event = made->eventTemplate;
  const events::RoomVersion& version = *events::findRoomVersion("12");
  events::hashAndSignEvent(event, remote_.serverName, remote_.keyId, remote_.signingKey, version);
  auto pdu = events::Pdu::fromJson(event, version);
  auto wrong =
      api().inputSendMembership(ctx_, {roomId, pdu->eventId(), "join", "other.test", event});
  EXPECT_FALSE(wrong.ok());
  auto leave = api().inputSendMembership(ctx_, {roomId, pdu->eventId(), "leave", kRemote, event});
  EXPECT_FALSE(leave.ok());
  EXPECT_EQ(membershipOf(roomId, kZed), std::nullopt);
}

TEST_P(FederationJoinTest, JoinsARemoteRoomEndToEnd) {
  startRemote();
  if (HasFatalFailure()) return;
  CreateRoomRequest create;
  create.creator = kZed;
  create.preset = Preset::kPublicChat;
  create.name = "Remote room";
  auto created = remoteService_->performCreateRoom(ctx_, create);
  ASSERT_TRUE(created.ok()) << created.error().message;
  std::string roomId = created->roomId;

  JoinRequest join{roomId, kAlice, std::nullopt, {kRemote}};
  auto joined = api().performJoin(ctx_, join);
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(sendJoins_, 1);
  EXPECT_EQ(membershipOf(roomId, kAlice), "join");
  // The join carries our profile and is signed by us (and the resident knows it too).
  auto joinEvent = remoteService_->queryEvent(ctx_, joined->eventId);
  ASSERT_TRUE(joinEvent.ok());
  EXPECT_EQ(*joinEvent->pdu.content().find("displayname")->getString(), "Alice");
  EXPECT_NE(joinEvent->pdu.json().find("signatures")->get(kServer), nullptr);
  auto name = api().queryStateEvent(ctx_, roomId, "m.room.name", "");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name->pdu.content().find("name")->getString(), "Remote room");
  // Both servers agree on the room's state.
  auto ours = api().queryCurrentState(ctx_, roomId);
  auto theirs = remoteService_->queryCurrentState(ctx_, roomId, {});
  ASSERT_TRUE(ours.ok() && theirs.ok());
  std::set<std::string> a, b;
  for (const auto& e : *ours) a.insert(e.pdu.eventId());
  for (const auto& e : *theirs) b.insert(e.pdu.eventId());
  EXPECT_EQ(a, b);
  // The join's output names the whole state.
  ASSERT_TRUE(waitForOutput(joined->eventId));
  {
    std::lock_guard lock(outputsMutex_);
    const OutputRoomEvent& out = outputs_.back();
    EXPECT_EQ(out.eventId, joined->eventId);
    EXPECT_EQ(std::set<std::string>(out.addsStateEventIds.begin(), out.addsStateEventIds.end()), a);
  }

  // A message on the remote side arrives as a live event and is accepted.
  auto sent = remoteService_->performSendEvent(
      ctx_, {roomId, kZed, "m.room.message", std::nullopt,
             json::Object{{"msgtype", "m.text"}, {"body", "welcome"}}, std::nullopt});
  ASSERT_TRUE(sent.ok());
  auto message = remoteService_->queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(message.ok());
  auto r = api().inputEvents(ctx_, roomId,
                             {{message->pdu.json(), kRemote, RoomserverApi::InputKind::kNew}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE((*r)[0].error) << *(*r)[0].error;
  ASSERT_TRUE(waitForOutput(sent->eventId));
  // Our reply builds on it and the remote side accepts it.
  auto reply = sendMessage(roomId, kAlice, "thanks");
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  auto replyEvent = api().queryEvent(ctx_, reply->eventId);
  auto back = remoteService_->inputEvents(
      ctx_, roomId, {{replyEvent->pdu.json(), kServer, RoomserverApi::InputKind::kNew}});
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_FALSE((*back)[0].error) << *(*back)[0].error;
  auto latest = remoteService_->queryLatestEvents(ctx_, roomId);
  EXPECT_EQ(latest->eventIds, std::vector<std::string>{reply->eventId});
}

TEST_P(FederationJoinTest, RemoteJoinRefusedByTheRoomIsForbidden) {
  startRemote();
  if (HasFatalFailure()) return;
  CreateRoomRequest create;
  create.creator = kZed;
  create.preset = Preset::kPrivateChat;
  auto created = remoteService_->performCreateRoom(ctx_, create);
  ASSERT_TRUE(created.ok());
  auto joined = api().performJoin(ctx_, {created->roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, ErrorCode::kForbidden);
  EXPECT_FALSE(*api().queryRoomExists(ctx_, created->roomId));
}

TEST_P(FederationJoinTest, RejectsASendJoinAnswerWithoutTheCreateEvent) {
  startRemote();
  if (HasFatalFailure()) return;
  CreateRoomRequest create;
  create.creator = kZed;
  create.preset = Preset::kPublicChat;
  auto created = remoteService_->performCreateRoom(ctx_, create);
  ASSERT_TRUE(created.ok());
  auto real = federation_.sendJoin;
  federation_.sendJoin = [real](const std::string& d, const federationsender::SendJoinRequest& r)
      -> Result<federationsender::SendJoinResponse> {
    PLEXUS_TRY(auto response, real(d, r));
    std::erase_if(response.state, [](const json::Object& e) {
      return *e.find("type")->getString() == "m.room.create";
    });
    return response;
  };
  auto joined = api().performJoin(ctx_, {created->roomId, kAlice, std::nullopt, {kRemote}});
  ASSERT_FALSE(joined.ok());
  EXPECT_FALSE(*api().queryRoomExists(ctx_, created->roomId));
}

TEST_P(FederationJoinTest, ResidentAuthorisesARestrictedJoinAndSignsIt) {
  std::string allowed = roomWithZed();
  CreateRoomRequest create;
  create.creator = kAlice;
  create.roomVersion = "12";
  json::Array allow;
  allow.emplace_back(json::Object{{"type", "m.room_membership"}, {"room_id", allowed}});
  create.initialState.push_back(
      {"m.room.join_rules", "", json::Object{{"join_rule", "restricted"}, {"allow", allow}}});
  std::string roomId = createRoom(create);
  ASSERT_FALSE(roomId.empty());

  auto refused = api().queryMakeMembership(ctx_, {roomId, kYan, "join", kRemote, {"12"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnableToGrantJoin);

  auto made = api().queryMakeMembership(ctx_, {roomId, kZed, "join", kRemote, {"12"}});
  ASSERT_TRUE(made.ok()) << made.error().message;
  const json::Value* via =
      made->eventTemplate.find("content")->get("join_authorised_via_users_server");
  ASSERT_NE(via, nullptr);
  EXPECT_EQ(*via->getString(), kAlice);
  json::Object event = made->eventTemplate;
  const events::RoomVersion& version = *events::findRoomVersion("12");
  events::hashAndSignEvent(event, remote_.serverName, remote_.keyId, remote_.signingKey, version);
  auto pdu = events::Pdu::fromJson(event, version);
  ASSERT_TRUE(pdu.ok());
  auto joined = api().inputSendMembership(ctx_, {roomId, pdu->eventId(), "join", kRemote, event});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_NE(joined->pdu.json().find("signatures")->get(kServer), nullptr);
  EXPECT_NE(joined->pdu.json().find("signatures")->get(kRemote), nullptr);
  EXPECT_EQ(membershipOf(roomId, kZed), "join");
}

TEST_P(FederationJoinTest, RemoteJoinOfAnUnsupportedVersionIsIncompatible) {
  federation_.makeMembership =
      [](const std::string&, const std::string& roomId, const std::string& userId,
         const std::string&) -> Result<federationsender::MakeMembershipResponse> {
    json::Object event{{"type", "m.room.member"},
                       {"room_id", roomId},
                       {"sender", userId},
                       {"state_key", userId},
                       {"content", json::Object{{"membership", "join"}}}};
    return federationsender::MakeMembershipResponse{"999", event};
  };
  auto joined = api().performJoin(ctx_, {"!x:remote.test", kAlice, std::nullopt, {kRemote}});
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, ErrorCode::kIncompatibleRoomVersion);
}

TEST_P(FederationJoinTest, RemoteJoinRefusesATemplateForAnotherUser) {
  federation_.makeMembership =
      [](const std::string&, const std::string& roomId, const std::string&,
         const std::string&) -> Result<federationsender::MakeMembershipResponse> {
    json::Object event{{"type", "m.room.member"},
                       {"room_id", roomId},
                       {"sender", kBob},
                       {"state_key", kBob},
                       {"content", json::Object{{"membership", "join"}}}};
    return federationsender::MakeMembershipResponse{"10", event};
  };
  bool sent = false;
  federation_.sendJoin = [&sent](const std::string&, const federationsender::SendJoinRequest&)
      -> Result<federationsender::SendJoinResponse> {
    sent = true;
    return fail(ErrorCode::kUnavailable, "unexpected");
  };
  auto joined = api().performJoin(ctx_, {"!x:remote.test", kAlice, std::nullopt, {kRemote}});
  ASSERT_FALSE(joined.ok());
  EXPECT_FALSE(sent);
}

// Measurement, not a check: joins a remote room with PLEXUS_JOIN_BENCH_MEMBERS members (default
// 2000) and prints how long our side of the join took. Run with
// --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_MeasuresALargeJoin*'.
TEST_P(FederationJoinTest, DISABLED_MeasuresALargeJoin) {
  startRemote();
  if (HasFatalFailure()) return;
  int members = 2000;
  if (const char* n = std::getenv("PLEXUS_JOIN_BENCH_MEMBERS")) members = std::atoi(n);
  CreateRoomRequest create;
  create.creator = kZed;
  create.preset = Preset::kPublicChat;
  auto created = remoteService_->performCreateRoom(ctx_, create);
  ASSERT_TRUE(created.ok());
  for (int i = 0; i < members; ++i) {
    std::string user = "@u";
    user.append(std::to_string(i));
    user.append(":remote.test");
    ASSERT_TRUE(remoteService_->performJoin(ctx_, {created->roomId, user, std::nullopt, {}}).ok());
  }
  auto start = std::chrono::steady_clock::now();
  auto joined = api().performJoin(ctx_, {created->roomId, kAlice, std::nullopt, {kRemote}});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  std::printf(
      "join of a room with %d members (%s): %lld ms, of which the resident's send_join "
      "answer %lld ms\n",
      members, GetParam() == storage::Dialect::kSqlite ? "sqlite" : "postgres",
      static_cast<long long>(ms), static_cast<long long>(residentMs_));
  EXPECT_EQ(api().queryJoinedMembers(ctx_, created->roomId)->size(),
            static_cast<std::size_t>(members) + 2);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationJoinTest);

}  // namespace
}  // namespace plexus::roomserver::testing
