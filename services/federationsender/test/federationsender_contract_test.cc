// The FederationSenderApi contract suite: the same cases against the in-process
// FederationSenderService and, when built with gRPC, through GrpcFederationSenderClient -> gRPC
// on 127.0.0.1 -> GrpcFederationSenderService -> FederationSenderService. The remote server is
// a scripted transport, so every RPC is exercised with exact requests (what reached the remote)
// and exact answers (every field of every value type), and remote errors keep their ErrorCode,
// errcode and message across the hop.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "federationsender_bindings.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::federationsender {
namespace {

using namespace std::chrono_literals;
using testing::RecordedRequest;

constexpr const char* kDest = "remote.test";
constexpr const char* kRoom = "!room:remote.test";
constexpr const char* kRoomPath = "%21room%3Aremote.test";

enum class Binding { kInProcess, kGrpc };

class FederationSenderContractTest : public ::testing::TestWithParam<Binding> {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    if (GetParam() == Binding::kInProcess) {
      api_ = &bindings_.inProcess();
      return;
    }
#if PLEXUS_HAVE_GRPC
    bindings_.startGrpc();
    if (HasFatalFailure()) return;
    api_ = &bindings_.grpcClient();
#else
    GTEST_SKIP() << "built without gRPC";
#endif
  }
  void TearDown() override { bindings_.tearDown(); }

  testing::FakeFederationTransport& transport() { return bindings_.transport(); }
  RecordedRequest last() { return transport().last(); }
  static json::Object parse(std::string_view text) {
    auto parsed = json::parseObject(text, json::ParseOptions{false, 64});
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() ? *parsed : json::Object{};
  }
  static void expectError(const Error& e, ErrorCode code, std::string_view errcode) {
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << e.message;
    EXPECT_EQ(e.errcode(), errcode);
  }
  static json::Object event(std::string type) {
    return json::Object{{"content", json::Object{{"membership", "join"}, {"n", -7}}},
                        {"sender", "@alice:ours.test"},
                        {"type", std::move(type)}};
  }
  static std::string multipart(std::string_view secondPartHeaders, std::string_view content) {
    std::string body = "--XyZ\r\nContent-Type: application/json\r\n\r\n{}\r\n--XyZ\r\n";
    body += secondPartHeaders;
    body += "\r\n";
    body += content;
    body += "\r\n--XyZ--\r\n";
    return body;
  }
  void answerMultipart(std::string body) {
    federation::OutboundResponse response{
        200, {{"Content-Type", "multipart/mixed; boundary=XyZ"}}, std::move(body)};
    transport().respond([response](const RecordedRequest&) { return response; });
  }

  testing::FederationSenderBindings bindings_;
  FederationSenderApi* api_ = nullptr;
  CallContext ctx_ = CallContext::withTimeout(10s, "contract-test");
};

TEST_P(FederationSenderContractTest, MakeJoinLeaveKnockGiveTheTemplate) {
  transport().respondJson(200,
                          R"({"event":{"type":"m.room.member","depth":3},"room_version":"10"})");
  auto join = api_->performMakeJoin(ctx_, kDest, kRoom, "@alice:ours.test", {"9", "10"});
  ASSERT_TRUE(join.ok()) << join.error().message;
  EXPECT_EQ(join->roomVersion, "10");
  EXPECT_EQ(join->event, (json::Object{{"depth", 3}, {"type", "m.room.member"}}));
  EXPECT_EQ(last().request.uri, std::string("/_matrix/federation/v1/make_join/") + kRoomPath +
                                    "/%40alice%3Aours.test?ver=9&ver=10");

  auto leave = api_->performMakeLeave(ctx_, kDest, kRoom, "@alice:ours.test");
  ASSERT_TRUE(leave.ok()) << leave.error().message;
  EXPECT_EQ(leave->event, join->event);
  EXPECT_EQ(last().request.uri, std::string("/_matrix/federation/v1/make_leave/") + kRoomPath +
                                    "/%40alice%3Aours.test");

  transport().respondJson(200, R"({"event":{}})");
  auto knock = api_->performMakeKnock(ctx_, kDest, kRoom, "@alice:ours.test", {"7"});
  ASSERT_TRUE(knock.ok()) << knock.error().message;
  EXPECT_EQ(knock->roomVersion, "1");
  EXPECT_TRUE(knock->event.empty());
  EXPECT_EQ(last().request.uri, std::string("/_matrix/federation/v1/make_knock/") + kRoomPath +
                                    "/%40alice%3Aours.test?ver=7");
}

TEST_P(FederationSenderContractTest, SendJoinCarriesEveryField) {
  transport().respondJson(200, R"({"origin":"remote.test","state":[{"type":"s1"},{"type":"s2"}],
      "auth_chain":[{"type":"a"}],"event":{"type":"m.room.member","signed":true},
      "members_omitted":true,"servers_in_room":["remote.test","x.test"]})");
  SendJoinRequest req{kRoom, "$join:ours.test", event("m.room.member"), true};
  auto joined = api_->performSendJoin(ctx_, kDest, req);
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->origin, "remote.test");
  EXPECT_EQ(joined->state, (std::vector<json::Object>{json::Object{{"type", "s1"}},
                                                      json::Object{{"type", "s2"}}}));
  EXPECT_EQ(joined->authChain, (std::vector<json::Object>{json::Object{{"type", "a"}}}));
  ASSERT_TRUE(joined->event.has_value());
  EXPECT_EQ(*joined->event, (json::Object{{"signed", true}, {"type", "m.room.member"}}));
  EXPECT_TRUE(joined->membersOmitted);
  EXPECT_EQ(joined->serversInRoom, (std::vector<std::string>{"remote.test", "x.test"}));
  EXPECT_EQ(last().request.method, "PUT");
  EXPECT_EQ(last().request.uri, std::string("/_matrix/federation/v2/send_join/") + kRoomPath +
                                    "/%24join%3Aours.test?omit_members=true");
  EXPECT_EQ(last().body(), req.event);

  transport().respondJson(200, R"({"state":[],"auth_chain":[]})");
  req.omitMembers = false;
  auto minimal = api_->performSendJoin(ctx_, kDest, req);
  ASSERT_TRUE(minimal.ok()) << minimal.error().message;
  EXPECT_EQ(minimal->origin, kDest);
  EXPECT_TRUE(minimal->state.empty());
  EXPECT_FALSE(minimal->event.has_value());
  EXPECT_FALSE(minimal->membersOmitted);
  EXPECT_TRUE(minimal->serversInRoom.empty());
  EXPECT_EQ(last().request.uri.find('?'), std::string::npos);
}

TEST_P(FederationSenderContractTest, SendLeaveKnockAndInvite) {
  transport().respondJson(200, "{}");
  auto left = api_->performSendLeave(ctx_, kDest, kRoom, "$l", event("m.room.member"));
  ASSERT_TRUE(left.ok()) << left.error().message;
  EXPECT_EQ(last().request.uri,
            std::string("/_matrix/federation/v2/send_leave/") + kRoomPath + "/%24l");
  EXPECT_EQ(last().body(), event("m.room.member"));

  transport().respondJson(
      200, R"({"knock_room_state":[{"type":"m.room.name"},{"type":"m.room.topic"}]})");
  auto knock = api_->performSendKnock(ctx_, kDest, kRoom, "$k", event("m.room.member"));
  ASSERT_TRUE(knock.ok()) << knock.error().message;
  EXPECT_EQ(*knock, (std::vector<json::Object>{json::Object{{"type", "m.room.name"}},
                                               json::Object{{"type", "m.room.topic"}}}));

  transport().respondJson(200, R"({"event":{"type":"m.room.member","signed_by":"both"}})");
  SendInviteRequest invite{kRoom,
                           "$i",
                           "10",
                           event("m.room.member"),
                           {json::Object{{"type", "m.room.name"}}, json::Object{{"x", 1}}}};
  auto invited = api_->performSendInvite(ctx_, kDest, invite);
  ASSERT_TRUE(invited.ok()) << invited.error().message;
  EXPECT_EQ(*invited, (json::Object{{"signed_by", "both"}, {"type", "m.room.member"}}));
  const json::Object body = last().body();
  EXPECT_EQ(last().request.uri,
            std::string("/_matrix/federation/v2/invite/") + kRoomPath + "/%24i");
  EXPECT_EQ(*body.find("event")->getObject(), invite.event);
  EXPECT_EQ(*body.find("invite_room_state"),
            json::Value(json::Array{invite.inviteRoomState[0], invite.inviteRoomState[1]}));
  EXPECT_EQ(*body.find("room_version")->getString(), "10");
}

TEST_P(FederationSenderContractTest, RoomDataQueries) {
  transport().respondJson(200, R"({"events":[{"type":"x","depth":1},{"type":"y"}]})");
  auto missing = api_->queryMissingEvents(ctx_, kDest, {kRoom, {"$e1"}, {"$l1", "$l2"}, 20, 5});
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(*missing, (std::vector<json::Object>{json::Object{{"depth", 1}, {"type", "x"}},
                                                 json::Object{{"type", "y"}}}));
  EXPECT_EQ(
      json::canonical(last().body()),
      R"({"earliest_events":["$e1"],"latest_events":["$l1","$l2"],"limit":20,"min_depth":5})");

  transport().respondJson(200, R"({"pdu_ids":["$a"],"auth_chain_ids":["$b","$c"]})");
  auto ids = api_->queryStateIds(ctx_, kDest, kRoom, "$ev:x");
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(ids->pduIds, std::vector<std::string>{"$a"});
  EXPECT_EQ(ids->authChainIds, (std::vector<std::string>{"$b", "$c"}));
  EXPECT_EQ(last().request.uri,
            std::string("/_matrix/federation/v1/state_ids/") + kRoomPath + "?event_id=%24ev%3Ax");

  transport().respondJson(200, R"({"pdus":[{"p":1}],"auth_chain":[{"a":1},{"a":2}]})");
  auto state = api_->queryState(ctx_, kDest, kRoom, "$ev");
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->pdus, (std::vector<json::Object>{json::Object{{"p", 1}}}));
  EXPECT_EQ(state->authChain,
            (std::vector<json::Object>{json::Object{{"a", 1}}, json::Object{{"a", 2}}}));

  transport().respondJson(200, R"({"origin":"remote.test","origin_server_ts":1,"pdus":[{"a":1}]})");
  auto one = api_->queryEvent(ctx_, kDest, "$ev/1");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, (json::Object{{"a", 1}}));
  EXPECT_EQ(last().request.uri, "/_matrix/federation/v1/event/%24ev%2F1");

  transport().respondJson(200, R"({"auth_chain":[{"t":"c"}]})");
  auto auth = api_->queryEventAuth(ctx_, kDest, kRoom, "$ev");
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  EXPECT_EQ(*auth, (std::vector<json::Object>{json::Object{{"t", "c"}}}));
  EXPECT_EQ(last().request.uri,
            std::string("/_matrix/federation/v1/event_auth/") + kRoomPath + "/%24ev");

  transport().respondJson(200, R"({"origin":"remote.test","origin_server_ts":1,"pdus":[{},{}]})");
  auto backfill = api_->queryBackfill(ctx_, kDest, {kRoom, {"$a", "$b"}, 25});
  ASSERT_TRUE(backfill.ok()) << backfill.error().message;
  EXPECT_EQ(backfill->size(), 2u);
  EXPECT_EQ(last().request.uri, std::string("/_matrix/federation/v1/backfill/") + kRoomPath +
                                    "?v=%24a&v=%24b&limit=25");
}

TEST_P(FederationSenderContractTest, UserDirectoryAndKeyQueries) {
  transport().respondJson(200, R"({"displayname":"Bob","avatar_url":"mxc://remote.test/a"})");
  auto profile = api_->queryProfile(ctx_, kDest, "@bob:remote.test", std::string("displayname"));
  ASSERT_TRUE(profile.ok()) << profile.error().message;
  EXPECT_EQ(*profile,
            (json::Object{{"avatar_url", "mxc://remote.test/a"}, {"displayname", "Bob"}}));
  EXPECT_EQ(last().request.uri,
            "/_matrix/federation/v1/query/profile?user_id=%40bob%3Aremote.test&field=displayname");
  ASSERT_TRUE(api_->queryProfile(ctx_, kDest, "@bob:remote.test", std::nullopt).ok());
  EXPECT_EQ(last().request.uri,
            "/_matrix/federation/v1/query/profile?user_id=%40bob%3Aremote.test");

  transport().respondJson(200,
                          R"({"room_id":"!r:remote.test","servers":["remote.test","b.test"]})");
  auto dir = api_->queryDirectory(ctx_, kDest, "#room:remote.test");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(dir->roomId, "!r:remote.test");
  EXPECT_EQ(dir->servers, (std::vector<std::string>{"remote.test", "b.test"}));

  const std::string devices =
      R"({"devices":[{"device_id":"D"}],"stream_id":3,"user_id":"@bob:remote.test"})";
  transport().respondJson(200, devices);
  auto userDevices = api_->queryUserDevices(ctx_, kDest, "@bob:remote.test");
  ASSERT_TRUE(userDevices.ok()) << userDevices.error().message;
  EXPECT_EQ(*userDevices, parse(devices));

  const std::string keysAnswer = R"({"device_keys":{"@bob:remote.test":{"D":{"k":"v"}}}})";
  transport().respondJson(200, keysAnswer);
  const json::Object wanted{{"@bob:remote.test", json::Array{"D"}}};
  auto keys = api_->queryUserKeys(ctx_, kDest, wanted);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(*keys, parse(keysAnswer));
  EXPECT_EQ(json::canonical(last().body()), R"({"device_keys":{"@bob:remote.test":["D"]}})");

  const std::string claimAnswer =
      R"({"one_time_keys":{"@bob:remote.test":{"D":{"signed_curve25519:A":{"key":"k"}}}}})";
  transport().respondJson(200, claimAnswer);
  const json::Object claim{{"@bob:remote.test", json::Object{{"D", "signed_curve25519"}}}};
  auto claimed = api_->performClaimKeys(ctx_, kDest, claim);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  EXPECT_EQ(*claimed, parse(claimAnswer));
  EXPECT_EQ(last().request.uri, "/_matrix/federation/v1/user/keys/claim");

  const std::string rooms =
      R"({"chunk":[{"room_id":"!a:remote.test"}],"total_room_count_estimate":1})";
  transport().respondJson(200, rooms);
  const json::Object search{{"filter", json::Object{{"generic_search_term", "x"}}}, {"limit", 10}};
  auto publicRooms = api_->queryPublicRooms(ctx_, kDest, search);
  ASSERT_TRUE(publicRooms.ok()) << publicRooms.error().message;
  EXPECT_EQ(*publicRooms, parse(rooms));
  EXPECT_EQ(last().body(), search);
}

TEST_P(FederationSenderContractTest, RemoteMediaCarriesBytesTypeAndName) {
  const std::string bytes("\x89PNG\r\n\x1a\n\0\xff binary", 17);
  answerMultipart(multipart(
      "Content-Type: image/png\r\nContent-Disposition: inline; filename=\"cat.png\"\r\n", bytes));
  auto file = api_->queryMediaDownload(ctx_, kDest, "abc", 1000);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->contentType, "image/png");
  EXPECT_EQ(file->fileName, std::optional<std::string>("cat.png"));
  EXPECT_EQ(file->bytes, bytes);
  EXPECT_EQ(last().request.uri, "/_matrix/federation/v1/media/download/abc");

  answerMultipart(multipart("", "raw"));
  MediaThumbnailQuery query{"abc", 32, 24, "crop", true};
  auto thumb = api_->queryMediaThumbnail(ctx_, kDest, query, 1000);
  ASSERT_TRUE(thumb.ok()) << thumb.error().message;
  EXPECT_EQ(thumb->contentType, "application/octet-stream");
  EXPECT_FALSE(thumb->fileName.has_value());
  EXPECT_EQ(thumb->bytes, "raw");
  const std::string& uri = last().request.uri;
  EXPECT_EQ(uri.rfind("/_matrix/federation/v1/media/thumbnail/abc?", 0), 0u) << uri;
  EXPECT_NE(uri.find("width=32"), std::string::npos) << uri;
  EXPECT_NE(uri.find("height=24"), std::string::npos) << uri;
  EXPECT_NE(uri.find("method=crop"), std::string::npos) << uri;
  EXPECT_NE(uri.find("animated=true"), std::string::npos) << uri;
  query.animated.reset();
  ASSERT_TRUE(api_->queryMediaThumbnail(ctx_, kDest, query, 1000).ok());
  EXPECT_EQ(last().request.uri.find("animated"), std::string::npos);

  answerMultipart(multipart("Content-Type: text/plain\r\n", std::string(11, 'a')));
  auto tooLarge = api_->queryMediaDownload(ctx_, kDest, "big", 10);
  ASSERT_FALSE(tooLarge.ok());
  expectError(tooLarge.error(), ErrorCode::kTooLarge, "M_TOO_LARGE");
}

TEST_P(FederationSenderContractTest, EduIsQueuedAndDelivered) {
  bindings_.startQueues();
  if (HasFatalFailure()) return;
  Edu edu{"m.typing",
          json::Object{{"room_id", kRoom}, {"typing", true}, {"user_id", "@a:ours.test"}}};
  auto queued = api_->performSendEdu(ctx_, {kDest, "ours.test"}, edu);
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  ASSERT_TRUE(transport().waitFor([](const std::vector<RecordedRequest>& requests) {
    for (const auto& r : requests) {
      if (r.request.uri.rfind("/_matrix/federation/v1/send/", 0) == 0) return true;
    }
    return false;
  }));
  const auto sent = transport().requestsTo("/_matrix/federation/v1/send/");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kDest);
  const json::Object body = sent[0].body();
  const json::Array& edus = *body.find("edus")->getArray();
  ASSERT_EQ(edus.size(), 1u);
  EXPECT_EQ(edus[0].getStringAt("edu_type"), "m.typing");
  EXPECT_EQ(*edus[0].get("content")->getObject(), edu.content);
}

TEST_P(FederationSenderContractTest, RemoteErrorsKeepTheirMeaning) {
  transport().respondJson(403, R"({"errcode":"M_FORBIDDEN","error":"not invited"})");
  auto forbidden = api_->performMakeJoin(ctx_, kDest, kRoom, "@a:ours.test", {"10"});
  ASSERT_FALSE(forbidden.ok());
  expectError(forbidden.error(), ErrorCode::kForbidden, "M_FORBIDDEN");
  EXPECT_EQ(forbidden.error().message, "not invited");

  transport().respondJson(400, R"({"errcode":"M_INCOMPATIBLE_ROOM_VERSION","error":"v"})");
  auto incompatible = api_->performMakeKnock(ctx_, kDest, kRoom, "@a:ours.test", {"1"});
  ASSERT_FALSE(incompatible.ok());
  expectError(incompatible.error(), ErrorCode::kIncompatibleRoomVersion,
              "M_INCOMPATIBLE_ROOM_VERSION");

  transport().respondJson(404, R"({"errcode":"M_NOT_FOUND","error":"no such media"})");
  auto media = api_->queryMediaDownload(ctx_, kDest, "gone", 1000);
  ASSERT_FALSE(media.ok());
  expectError(media.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
  EXPECT_EQ(media.error().message, "no such media");

  transport().respondJson(200, R"({"pdus":[]})");
  auto shapeless = api_->queryEvent(ctx_, kDest, "$e");
  ASSERT_FALSE(shapeless.ok());
  expectError(shapeless.error(), ErrorCode::kBadJson, "M_BAD_JSON");

  transport().setDown(kDest, true);
  auto down = api_->queryDirectory(ctx_, kDest, "#a:remote.test");
  ASSERT_FALSE(down.ok());
  expectError(down.error(), ErrorCode::kUnavailable, "M_UNKNOWN");

  auto ours = api_->queryEvent(ctx_, "ours.test", "$e");
  ASSERT_FALSE(ours.ok());
  expectError(ours.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
}

std::string bindingName(const ::testing::TestParamInfo<Binding>& param) {
  return param.param == Binding::kInProcess ? "InProcess" : "Grpc";
}

INSTANTIATE_TEST_SUITE_P(Bindings, FederationSenderContractTest,
                         ::testing::Values(Binding::kInProcess, Binding::kGrpc), bindingName);

}  // namespace
}  // namespace plexus::federationsender
