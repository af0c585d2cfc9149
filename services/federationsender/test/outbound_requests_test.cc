// The outbound Server-Server requests of FederationSenderService over a fake transport: exact
// methods, paths (percent-encoded), query parameters and bodies; answer shape checks; remote
// errors; timeouts from the CallContext.
#include <gtest/gtest.h>

#include "plexus/json/canonical.h"
#include "sender_fixture.h"

namespace plexus::federationsender {
namespace {

using testing::RecordedRequest;
using testing::SenderTest;

constexpr const char* kRoom = "!room:remote.test";
constexpr const char* kRoomPath = "%21room%3Aremote.test";
constexpr const char* kDest = "remote.test";

class OutboundRequestsTest : public SenderTest {
 protected:
  json::Object event() {
    return json::Object{{"type", "m.room.member"}, {"sender", "@a:ours.test"}};
  }
};

TEST_P(OutboundRequestsTest, MakeJoinSendsEveryVersionAndDefaultsRoomVersionToOne) {
  transport_.respondJson(200, R"({"event":{"type":"m.room.member"}})");
  auto made =
      service_->performMakeJoin(CallContext{}, kDest, kRoom, "@alice:ours.test", {"9", "10"});
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->roomVersion, "1");
  EXPECT_EQ(*made->event.find("type")->getString(), "m.room.member");
  const RecordedRequest r = transport_.last();
  EXPECT_EQ(r.destination, kDest);
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.uri, std::string("/_matrix/federation/v1/make_join/") + kRoomPath +
                               "/%40alice%3Aours.test?ver=9&ver=10");
  EXPECT_TRUE(r.request.body.empty());
  EXPECT_EQ(r.request.timeoutMs, 30'000);

  transport_.respondJson(200, R"({"event":{},"room_version":"10"})");
  EXPECT_EQ(service_->performMakeJoin(CallContext{}, kDest, kRoom, "@alice:ours.test", {"10"})
                ->roomVersion,
            "10");
}

TEST_P(OutboundRequestsTest, MakeMembershipRejectsWrongShapes) {
  for (const char* body : {R"({"room_version":"10"})", R"({"event":[],"room_version":"10"})",
                           R"({"event":{},"room_version":10})", R"([])"}) {
    transport_.respondJson(200, body);
    auto made = service_->performMakeLeave(CallContext{}, kDest, kRoom, "@alice:ours.test");
    ASSERT_FALSE(made.ok()) << body;
    EXPECT_EQ(made.error().code, ErrorCode::kBadJson) << body;
  }
}

TEST_P(OutboundRequestsTest, MakeLeaveAndMakeKnockUseV1Paths) {
  transport_.respondJson(200, R"({"event":{},"room_version":"7"})");
  ASSERT_TRUE(service_->performMakeLeave(CallContext{}, kDest, kRoom, "@a:ours.test").ok());
  EXPECT_EQ(transport_.last().request.uri,
            std::string("/_matrix/federation/v1/make_leave/") + kRoomPath + "/%40a%3Aours.test");
  auto knock = service_->performMakeKnock(CallContext{}, kDest, kRoom, "@a:ours.test", {"7", "8"});
  ASSERT_TRUE(knock.ok());
  EXPECT_EQ(knock->roomVersion, "7");
  EXPECT_EQ(transport_.last().request.method, "GET");
  EXPECT_EQ(transport_.last().request.uri, std::string("/_matrix/federation/v1/make_knock/") +
                                               kRoomPath + "/%40a%3Aours.test?ver=7&ver=8");
}

TEST_P(OutboundRequestsTest, SendJoinUsesV2AndReadsTheWholeAnswer) {
  transport_.respondJson(200, R"({"origin":"remote.test","state":[{"type":"s"}],
      "auth_chain":[{"type":"a"},{"type":"b"}],"event":{"type":"m.room.member"},
      "members_omitted":true,"servers_in_room":["remote.test","x.test"]})");
  SendJoinRequest req{kRoom, "$join:ours.test", event(), true};
  auto joined = service_->performSendJoin(CallContext{}, kDest, req);
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->origin, "remote.test");
  EXPECT_EQ(joined->state.size(), 1u);
  EXPECT_EQ(joined->authChain.size(), 2u);
  ASSERT_TRUE(joined->event.has_value());
  EXPECT_TRUE(joined->membersOmitted);
  EXPECT_EQ(joined->serversInRoom, (std::vector<std::string>{"remote.test", "x.test"}));
  const RecordedRequest r = transport_.last();
  EXPECT_EQ(r.request.method, "PUT");
  EXPECT_EQ(r.request.uri, std::string("/_matrix/federation/v2/send_join/") + kRoomPath +
                               "/%24join%3Aours.test?omit_members=true");
  EXPECT_EQ(r.body(), event());
  EXPECT_EQ(r.request.timeoutMs, 60'000);

  transport_.respondJson(200, R"({"state":[],"auth_chain":[]})");
  req.omitMembers = false;
  auto minimal = service_->performSendJoin(CallContext{}, kDest, req);
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->origin, kDest);
  EXPECT_FALSE(minimal->event.has_value());
  EXPECT_FALSE(minimal->membersOmitted);
  EXPECT_EQ(transport_.last().request.uri.find('?'), std::string::npos);
}

TEST_P(OutboundRequestsTest, SendJoinRejectsWrongShapes) {
  for (const char* body :
       {R"({"auth_chain":[]})", R"({"state":{},"auth_chain":[]})",
        R"({"state":[1],"auth_chain":[]})", R"({"state":[],"auth_chain":[],"event":"x"})",
        R"({"state":[],"auth_chain":[],"members_omitted":"yes"})",
        R"({"state":[],"auth_chain":[],"servers_in_room":[1]})"}) {
    transport_.respondJson(200, body);
    auto joined = service_->performSendJoin(CallContext{}, kDest, {kRoom, "$j", event(), false});
    ASSERT_FALSE(joined.ok()) << body;
    EXPECT_EQ(joined.error().code, ErrorCode::kBadJson) << body;
  }
}

TEST_P(OutboundRequestsTest, SendLeaveIsV2AndSendKnockIsV1) {
  transport_.respondJson(200, "{}");
  ASSERT_TRUE(service_->performSendLeave(CallContext{}, kDest, kRoom, "$l", event()).ok());
  EXPECT_EQ(transport_.last().request.method, "PUT");
  EXPECT_EQ(transport_.last().request.uri,
            std::string("/_matrix/federation/v2/send_leave/") + kRoomPath + "/%24l");
  EXPECT_EQ(transport_.last().body(), event());

  transport_.respondJson(200, R"({"knock_room_state":[{"type":"m.room.name"}]})");
  auto knock = service_->performSendKnock(CallContext{}, kDest, kRoom, "$k", event());
  ASSERT_TRUE(knock.ok());
  EXPECT_EQ(knock->size(), 1u);
  EXPECT_EQ(transport_.last().request.uri,
            std::string("/_matrix/federation/v1/send_knock/") + kRoomPath + "/%24k");
  transport_.respondJson(200, R"({"knock_room_state":{}})");
  EXPECT_EQ(service_->performSendKnock(CallContext{}, kDest, kRoom, "$k", event()).error().code,
            ErrorCode::kBadJson);
}

TEST_P(OutboundRequestsTest, InviteV2SendsEventStrippedStateAndRoomVersion) {
  transport_.respondJson(200, R"({"event":{"type":"m.room.member","signed":true}})");
  SendInviteRequest req{kRoom, "$i", "10", event(), {json::Object{{"type", "m.room.name"}}}};
  auto invited = service_->performSendInvite(CallContext{}, kDest, req);
  ASSERT_TRUE(invited.ok());
  EXPECT_TRUE(invited->contains("signed"));
  const RecordedRequest r = transport_.last();
  EXPECT_EQ(r.request.method, "PUT");
  EXPECT_EQ(r.request.uri, std::string("/_matrix/federation/v2/invite/") + kRoomPath + "/%24i");
  const json::Object body = r.body();
  EXPECT_EQ(*body.find("event")->getObject(), event());
  EXPECT_EQ(body.find("invite_room_state")->getArray()->size(), 1u);
  EXPECT_EQ(*body.find("room_version")->getString(), "10");
  transport_.respondJson(200, "{}");
  EXPECT_EQ(service_->performSendInvite(CallContext{}, kDest, req).error().code,
            ErrorCode::kBadJson);
}

TEST_P(OutboundRequestsTest, RoomDataQueries) {
  transport_.respondJson(200, R"({"events":[{"type":"x"}]})");
  auto missing =
      service_->queryMissingEvents(CallContext{}, kDest, {kRoom, {"$e1"}, {"$l1", "$l2"}, 20, 5});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->size(), 1u);
  RecordedRequest r = transport_.last();
  EXPECT_EQ(r.request.method, "POST");
  EXPECT_EQ(r.request.uri, std::string("/_matrix/federation/v1/get_missing_events/") + kRoomPath);
  EXPECT_EQ(
      json::canonical(r.body()),
      R"({"earliest_events":["$e1"],"latest_events":["$l1","$l2"],"limit":20,"min_depth":5})");

  transport_.respondJson(200, R"({"pdu_ids":["$a"],"auth_chain_ids":["$b","$c"]})");
  auto ids = service_->queryStateIds(CallContext{}, kDest, kRoom, "$ev:x");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->pduIds, std::vector<std::string>{"$a"});
  EXPECT_EQ(ids->authChainIds.size(), 2u);
  EXPECT_EQ(transport_.last().request.uri,
            std::string("/_matrix/federation/v1/state_ids/") + kRoomPath + "?event_id=%24ev%3Ax");

  transport_.respondJson(200, R"({"pdus":[{}],"auth_chain":[{},{}]})");
  auto state = service_->queryState(CallContext{}, kDest, kRoom, "$ev");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->authChain.size(), 2u);
  EXPECT_EQ(transport_.last().request.uri,
            std::string("/_matrix/federation/v1/state/") + kRoomPath + "?event_id=%24ev");
  transport_.respondJson(200, R"({"pdus":[{}]})");
  EXPECT_EQ(service_->queryState(CallContext{}, kDest, kRoom, "$ev").error().code,
            ErrorCode::kBadJson);

  transport_.respondJson(200, R"({"auth_chain":[{}]})");
  ASSERT_TRUE(service_->queryEventAuth(CallContext{}, kDest, kRoom, "$ev").ok());
  EXPECT_EQ(transport_.last().request.uri,
            std::string("/_matrix/federation/v1/event_auth/") + kRoomPath + "/%24ev");

  transport_.respondJson(200, R"({"origin":"remote.test","origin_server_ts":1,"pdus":[{},{}]})");
  auto backfill = service_->queryBackfill(CallContext{}, kDest, {kRoom, {"$a", "$b"}, 25});
  ASSERT_TRUE(backfill.ok());
  EXPECT_EQ(backfill->size(), 2u);
  EXPECT_EQ(transport_.last().request.method, "GET");
  EXPECT_EQ(transport_.last().request.uri, std::string("/_matrix/federation/v1/backfill/") +
                                               kRoomPath + "?v=%24a&v=%24b&limit=25");
}

TEST_P(OutboundRequestsTest, EventAnswerMustHoldExactlyOnePdu) {
  transport_.respondJson(200, R"({"origin":"remote.test","origin_server_ts":1,"pdus":[{"a":1}]})");
  auto one = service_->queryEvent(CallContext{}, kDest, "$ev/1");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->contains("a"));
  EXPECT_EQ(transport_.last().request.uri, "/_matrix/federation/v1/event/%24ev%2F1");
  for (const char* body : {R"({"pdus":[]})", R"({"pdus":[{},{}]})", R"({"pdus":["x"]})", "{}"}) {
    transport_.respondJson(200, body);
    auto bad = service_->queryEvent(CallContext{}, kDest, "$ev");
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_EQ(bad.error().code, ErrorCode::kBadJson) << body;
  }
}

TEST_P(OutboundRequestsTest, UserAndDirectoryQueries) {
  transport_.respondJson(200, R"({"displayname":"Bob"})");
  ASSERT_TRUE(service_->queryProfile(CallContext{}, kDest, "@bob:remote.test", "displayname").ok());
  EXPECT_EQ(transport_.last().request.uri,
            "/_matrix/federation/v1/query/profile?user_id=%40bob%3Aremote.test&field=displayname");
  ASSERT_TRUE(service_->queryProfile(CallContext{}, kDest, "@bob:remote.test", std::nullopt).ok());
  EXPECT_EQ(transport_.last().request.uri,
            "/_matrix/federation/v1/query/profile?user_id=%40bob%3Aremote.test");

  transport_.respondJson(200, R"({"room_id":"!r:remote.test","servers":["remote.test"]})");
  auto dir = service_->queryDirectory(CallContext{}, kDest, "#room:remote.test");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->roomId, "!r:remote.test");
  EXPECT_EQ(dir->servers, std::vector<std::string>{"remote.test"});
  EXPECT_EQ(transport_.last().request.uri,
            "/_matrix/federation/v1/query/directory?room_alias=%23room%3Aremote.test");
  transport_.respondJson(200, R"({"room_id":"!r:remote.test"})");
  EXPECT_EQ(service_->queryDirectory(CallContext{}, kDest, "#r:remote.test").error().code,
            ErrorCode::kBadJson);

  transport_.respondJson(200, R"({"user_id":"@bob:remote.test","stream_id":3,"devices":[]})");
  ASSERT_TRUE(service_->queryUserDevices(CallContext{}, kDest, "@bob:remote.test").ok());
  EXPECT_EQ(transport_.last().request.uri,
            "/_matrix/federation/v1/user/devices/%40bob%3Aremote.test");
  EXPECT_EQ(service_->queryUserDevices(CallContext{}, kDest, "@eve:remote.test").error().code,
            ErrorCode::kBadJson);

  transport_.respondJson(200, R"({"device_keys":{}})");
  const json::Object wanted{{"@bob:remote.test", json::Array{}}};
  ASSERT_TRUE(service_->queryUserKeys(CallContext{}, kDest, wanted).ok());
  EXPECT_EQ(transport_.last().request.method, "POST");
  EXPECT_EQ(transport_.last().request.uri, "/_matrix/federation/v1/user/keys/query");
  EXPECT_EQ(json::canonical(transport_.last().body()),
            R"({"device_keys":{"@bob:remote.test":[]}})");

  transport_.respondJson(200, R"({"one_time_keys":{}})");
  const json::Object claim{{"@bob:remote.test", json::Object{{"DEV", "signed_curve25519"}}}};
  ASSERT_TRUE(service_->performClaimKeys(CallContext{}, kDest, claim).ok());
  EXPECT_EQ(transport_.last().request.uri, "/_matrix/federation/v1/user/keys/claim");
  EXPECT_EQ(json::canonical(transport_.last().body()),
            R"({"one_time_keys":{"@bob:remote.test":{"DEV":"signed_curve25519"}}})");
  transport_.respondJson(200, R"({"one_time_keys":[]})");
  EXPECT_EQ(service_->performClaimKeys(CallContext{}, kDest, claim).error().code,
            ErrorCode::kBadJson);

  transport_.respondJson(200, R"({"chunk":[],"total_room_count_estimate":0})");
  const json::Object search{{"limit", 10}, {"filter", json::Object{{"generic_search_term", "x"}}}};
  ASSERT_TRUE(service_->queryPublicRooms(CallContext{}, kDest, search).ok());
  EXPECT_EQ(transport_.last().request.method, "POST");
  EXPECT_EQ(transport_.last().request.uri, "/_matrix/federation/v1/publicRooms");
  EXPECT_EQ(transport_.last().body(), search);
}

TEST_P(OutboundRequestsTest, RemoteErrorsKeepTheirMeaning) {
  transport_.respondJson(403, R"({"errcode":"M_FORBIDDEN","error":"not invited"})");
  auto forbidden = service_->performMakeJoin(CallContext{}, kDest, kRoom, "@a:ours.test", {"10"});
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(forbidden.error().message, "not invited");
  transport_.respondJson(400, R"({"errcode":"M_INCOMPATIBLE_ROOM_VERSION","error":"v"})");
  EXPECT_EQ(
      service_->performMakeJoin(CallContext{}, kDest, kRoom, "@a:ours.test", {"1"}).error().code,
      ErrorCode::kIncompatibleRoomVersion);
  transport_.failNext(1);
  EXPECT_EQ(service_->queryEvent(CallContext{}, kDest, "$e").error().code, ErrorCode::kUnavailable);
}

TEST_P(OutboundRequestsTest, TimeoutComesFromTheDeadline) {
  transport_.respondJson(200, R"({"event":{}})");
  auto ctx = CallContext::withTimeout(std::chrono::milliseconds(5'000));
  ASSERT_TRUE(service_->performMakeJoin(ctx, kDest, kRoom, "@a:ours.test", {"10"}).ok());
  EXPECT_GT(transport_.last().request.timeoutMs, 4'000);
  EXPECT_LE(transport_.last().request.timeoutMs, 5'000);

  const std::size_t before = transport_.requests().size();
  CallContext expired;
  expired.deadline = CallContext::Clock::now() - std::chrono::seconds(1);
  auto late = service_->performMakeJoin(expired, kDest, kRoom, "@a:ours.test", {"10"});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(transport_.requests().size(), before);
}

TEST_P(OutboundRequestsTest, RefusesOurOwnNameAndNoDestination) {
  EXPECT_EQ(service_->queryEvent(CallContext{}, "ours.test", "$e").error().code,
            ErrorCode::kInvalidParam);
  EXPECT_EQ(service_->queryEvent(CallContext{}, "", "$e").error().code, ErrorCode::kInvalidParam);
  EXPECT_TRUE(transport_.requests().empty());
}

// The requests do not depend on the database: SQLite is enough.
INSTANTIATE_TEST_SUITE_P(Sqlite, OutboundRequestsTest, ::testing::Values(storage::Dialect::kSqlite),
                         storage::testing::dialectParamName);

}  // namespace
}  // namespace plexus::federationsender
