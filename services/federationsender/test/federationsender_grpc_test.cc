// The federation sender's gRPC binding beyond the contract suite, over a scripted
// FederationSenderApi (UnavailableFederationSender plus what each test sets): every ErrorCode
// crosses the hop with its errcode, message and retry hint; the CallContext (deadline, trace ID,
// caller) reaches the implementation; requests whose `*_json` fields are not JSON objects are
// kBadJson without reaching it; media larger than gRPC's default message limit and events with
// floats (room versions 1-5) survive; a dead server is kUnavailable. Built only with gRPC.
#if PLEXUS_HAVE_GRPC

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "federationsender/testing/unavailable_federation_sender.h"
#include "federationsender_bindings.h"
#include "plexus/grpcutil/status.h"

namespace plexus::federationsender {
namespace {

using namespace std::chrono_literals;

// Answers queryEvent and queryMediaDownload from what the test set, remembering the context.
class ScriptedFederationSender final : public testing::UnavailableFederationSender {
 public:
  Result<json::Object> queryEvent(const CallContext& ctx, const std::string& destination,
                                  const std::string& eventId) override {
    std::lock_guard lock(mu_);
    last_ = ctx;
    lastArgs_ = destination + " " + eventId;
    if (error) return *error;
    return event;
  }
  Result<RemoteMediaFile> queryMediaDownload(const CallContext& ctx, const std::string&,
                                             const std::string&, std::int64_t) override {
    std::lock_guard lock(mu_);
    last_ = ctx;
    if (error) return *error;
    return media;
  }
  CallContext last() {
    std::lock_guard lock(mu_);
    return last_;
  }
  std::string lastArgs() {
    std::lock_guard lock(mu_);
    return lastArgs_;
  }

  std::optional<Error> error;  // set before the calls, read on the server's threads
  json::Object event;
  RemoteMediaFile media;

 private:
  std::mutex mu_;
  CallContext last_;
  std::string lastArgs_;
};

class FederationSenderGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    bindings_.startGrpc(&scripted_);
  }
  void TearDown() override { bindings_.tearDown(); }

  // Sends one raw request through the stub; the Error it was answered with, nullopt when OK.
  template <typename Request, typename Response>
  std::optional<Error> rawCall(grpc::Status (v1::FederationSenderService::Stub::*method)(
                                   grpc::ClientContext*, const Request&, Response*),
                               const Request& request) {
    auto stub = v1::FederationSenderService::NewStub(bindings_.channel());
    grpc::ClientContext client;
    client.set_deadline(std::chrono::system_clock::now() + 10s);
    Response response;
    grpc::Status status = ((*stub).*method)(&client, request, &response);
    if (status.ok()) return std::nullopt;
    return grpcutil::fromGrpcStatus(status, client);
  }

  ScriptedFederationSender scripted_;
  testing::FederationSenderBindings bindings_;
  CallContext ctx_ = CallContext::withTimeout(10s);
};

TEST_F(FederationSenderGrpcTest, EveryErrorCodeCrossesTheHopUnchanged) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    Error sent = makeError(static_cast<ErrorCode>(i), "failure " + std::to_string(i));
    if (i % 2 == 1) sent.retryAfterMs = 1000 + i;
    scripted_.error = sent;
    auto got = bindings_.grpcClient().queryEvent(ctx_, "remote.test", "$e");
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(static_cast<int>(got.error().code), i) << sent.errcode();
    EXPECT_EQ(got.error().errcode(), sent.errcode());
    EXPECT_EQ(got.error().message, sent.message);
    EXPECT_EQ(got.error().retryAfterMs, sent.retryAfterMs) << i;
  }
}

TEST_F(FederationSenderGrpcTest, CallContextReachesTheImplementation) {
  CallContext ctx = CallContext::withTimeout(5s, "roomserver");
  ctx.traceId = "trace-789";
  auto got = bindings_.grpcClient().queryEvent(ctx, "remote.test", "$ev:remote.test");
  ASSERT_TRUE(got.ok()) << got.error().message;
  CallContext seen = scripted_.last();
  EXPECT_EQ(seen.traceId, "trace-789");
  EXPECT_EQ(seen.caller, "roomserver");
  auto diff = seen.deadline - ctx.deadline;
  EXPECT_LT(diff, 100ms);
  EXPECT_GT(diff, -100ms);
  EXPECT_EQ(scripted_.lastArgs(), "remote.test $ev:remote.test");
}

TEST_F(FederationSenderGrpcTest, EventsWithFloatsSurviveTheHop) {
  scripted_.event = json::Object{{"content", json::Object{{"ratio", 0.25}, {"big", 1e300}}},
                                 {"depth", json::kMaxSafeInteger},
                                 {"type", "m.room.message"}};
  auto got = bindings_.grpcClient().queryEvent(ctx_, "remote.test", "$e");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, scripted_.event);
}

TEST_F(FederationSenderGrpcTest, MediaLargerThanTheDefaultMessageLimitCrosses) {
  scripted_.media.contentType = "video/mp4";
  scripted_.media.fileName = "clip.mp4";
  scripted_.media.bytes.assign(6 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < scripted_.media.bytes.size(); i += 4093) {
    scripted_.media.bytes[i] = static_cast<char>(i % 251);
  }
  auto got = bindings_.grpcClient().queryMediaDownload(ctx_, "remote.test", "m", 1 << 30);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->contentType, "video/mp4");
  EXPECT_EQ(got->fileName, scripted_.media.fileName);
  EXPECT_TRUE(got->bytes == scripted_.media.bytes);
}

TEST_F(FederationSenderGrpcTest, JsonFieldsThatAreNotObjectsAreBadJson) {
  // The scripted implementation answers kUnavailable ("not faked") or OK (performSendEdu), so
  // kBadJson can only come from the adapter.
  auto expectBadJson = [](const std::optional<Error>& e, const std::string& what) {
    ASSERT_TRUE(e.has_value()) << what;
    EXPECT_EQ(static_cast<int>(e->code), static_cast<int>(ErrorCode::kBadJson))
        << what << ": " << e->message;
    EXPECT_EQ(e->errcode(), "M_BAD_JSON") << what;
  };
  using Stub = v1::FederationSenderService::Stub;
  for (std::string text : {"", "nope", "[]", "{\"a\":1", "42"}) {
    v1::PerformSendJoinRequest join;
    join.set_destination("remote.test");
    join.mutable_request()->set_event_json(text);
    expectBadJson(rawCall(&Stub::PerformSendJoin, join), "send_join " + text);

    v1::SendMembershipEventRequest membership;
    membership.set_destination("remote.test");
    membership.set_event_json(text);
    expectBadJson(rawCall(&Stub::PerformSendLeave, membership), "send_leave " + text);
    expectBadJson(rawCall(&Stub::PerformSendKnock, membership), "send_knock " + text);

    v1::PerformSendInviteRequest invite;
    invite.set_destination("remote.test");
    invite.mutable_request()->set_event_json(text);
    expectBadJson(rawCall(&Stub::PerformSendInvite, invite), "invite event " + text);
    invite.mutable_request()->set_event_json("{}");
    invite.mutable_request()->add_invite_room_state_json("{}");
    invite.mutable_request()->add_invite_room_state_json(text);
    expectBadJson(rawCall(&Stub::PerformSendInvite, invite), "invite state " + text);

    v1::DestinationJsonRequest body;
    body.set_destination("remote.test");
    body.set_body_json(text);
    expectBadJson(rawCall(&Stub::QueryUserKeys, body), "user keys " + text);
    expectBadJson(rawCall(&Stub::PerformClaimKeys, body), "claim " + text);
    expectBadJson(rawCall(&Stub::QueryPublicRooms, body), "public rooms " + text);

    v1::PerformSendEduRequest edu;
    edu.add_destinations("remote.test");
    edu.mutable_edu()->set_type("m.typing");
    edu.mutable_edu()->set_content_json(text);
    expectBadJson(rawCall(&Stub::PerformSendEdu, edu), "edu " + text);
  }
  // A well-formed request reaches the implementation.
  v1::PerformSendEduRequest edu;
  edu.mutable_edu()->set_content_json("{}");
  EXPECT_FALSE(rawCall(&v1::FederationSenderService::Stub::PerformSendEdu, edu).has_value());
}

TEST_F(FederationSenderGrpcTest, UnreachableServerIsUnavailable) {
  GrpcFederationSenderClient client(grpcutil::makeInsecureChannel("127.0.0.1:1"));
  auto query = client.queryEvent(CallContext::withTimeout(2s), "remote.test", "$e");
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(static_cast<int>(query.error().code), static_cast<int>(ErrorCode::kUnavailable));
  auto edu = client.performSendEdu(CallContext::withTimeout(2s), {"remote.test"},
                                   Edu{"m.typing", json::Object{}});
  ASSERT_FALSE(edu.ok());
  EXPECT_EQ(static_cast<int>(edu.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

}  // namespace
}  // namespace plexus::federationsender

#endif  // PLEXUS_HAVE_GRPC
