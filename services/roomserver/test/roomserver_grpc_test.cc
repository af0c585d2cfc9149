// The roomserver gRPC binding beyond the contract suite: failed calls give exactly the
// in-process Error through gRPC (ErrorCode, errcode, message and retry hint), the CallContext
// (deadline, trace ID, caller) reaches the implementation, request fields the contract suite
// cannot observe reach it intact, bad wire input is refused without calling it, a malformed
// answer is an error rather than a crash, and a dead server is kUnavailable. Built only with gRPC.
#if PLEXUS_HAVE_GRPC

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/grpcutil/status.h"
#include "roomserver_bindings.h"

namespace plexus::roomserver {
namespace {

using namespace std::chrono_literals;
using testing::kAlice;
using testing::kBob;
using testing::kRemote;

// Forwards to another RoomserverApi, remembers the context of the last call and the arguments
// of a few calls, and can answer an error instead.
class RecordingRoomserverApi final : public RoomserverApi {
 public:
  explicit RecordingRoomserverApi(RoomserverApi& inner) : inner_(inner) {}

  CallContext last() {
    std::lock_guard lock(mu_);
    return last_;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void failWith(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    failWith_ = std::move(error);
  }
  std::vector<InputRoomEvent> lastInput() {
    std::lock_guard lock(mu_);
    return lastInput_;
  }
  std::optional<InviteInput> lastInvite() {
    std::lock_guard lock(mu_);
    return lastInvite_;
  }
  std::optional<CreateRoomRequest> lastCreate() {
    std::lock_guard lock(mu_);
    return lastCreate_;
  }

  Result<CreateRoomResponse> performCreateRoom(const CallContext& ctx,
                                               const CreateRoomRequest& r) override {
    if (auto e = record(ctx)) return *e;
    {
      std::lock_guard lock(mu_);
      lastCreate_ = r;
    }
    return inner_.performCreateRoom(ctx, r);
  }
  Result<SendEventResponse> performSendEvent(const CallContext& ctx,
                                             const SendEventRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSendEvent(ctx, r);
  }
  Result<JoinResponse> performJoin(const CallContext& ctx, const JoinRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performJoin(ctx, r);
  }
  Result<SendEventResponse> performInvite(const CallContext& ctx,
                                          const MembershipChangeRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performInvite(ctx, r);
  }
  Result<SendEventResponse> performLeave(const CallContext& ctx, const std::string& roomId,
                                         const std::string& userId,
                                         const std::optional<std::string>& reason) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performLeave(ctx, roomId, userId, reason);
  }
  Result<SendEventResponse> performKick(const CallContext& ctx,
                                        const MembershipChangeRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performKick(ctx, r);
  }
  Result<SendEventResponse> performBan(const CallContext& ctx,
                                       const MembershipChangeRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performBan(ctx, r);
  }
  Result<SendEventResponse> performUnban(const CallContext& ctx,
                                         const MembershipChangeRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUnban(ctx, r);
  }
  Result<JoinResponse> performKnock(const CallContext& ctx, const JoinRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performKnock(ctx, r);
  }
  Status performForget(const CallContext& ctx, const std::string& roomId,
                       const std::string& userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performForget(ctx, roomId, userId);
  }
  Result<SendEventResponse> performRedact(const CallContext& ctx, const RedactRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performRedact(ctx, r);
  }
  Result<UpgradeRoomResponse> performUpgradeRoom(const CallContext& ctx,
                                                 const UpgradeRoomRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUpgradeRoom(ctx, r);
  }
  Status performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                             const std::string& roomId, const std::string& creator) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetRoomAlias(ctx, alias, roomId, creator);
  }
  Status performRemoveRoomAlias(const CallContext& ctx, const std::string& alias,
                                const std::string& requester) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performRemoveRoomAlias(ctx, alias, requester);
  }
  Result<AliasInfo> queryRoomIdForAlias(const CallContext& ctx, const std::string& alias) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryRoomIdForAlias(ctx, alias);
  }
  Result<std::vector<std::string>> queryAliasesForRoom(const CallContext& ctx,
                                                       const std::string& roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAliasesForRoom(ctx, roomId);
  }
  Status performSetRoomVisibility(const CallContext& ctx, const std::string& roomId,
                                  Visibility visibility) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetRoomVisibility(ctx, roomId, visibility);
  }
  Result<Visibility> queryRoomVisibility(const CallContext& ctx,
                                         const std::string& roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryRoomVisibility(ctx, roomId);
  }
  Result<PublicRoomsResponse> queryPublicRooms(const CallContext& ctx,
                                               const PublicRoomsRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryPublicRooms(ctx, r);
  }
  Result<std::vector<RoomEvent>> queryCurrentState(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<StateSelector>& selectors) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryCurrentState(ctx, roomId, selectors);
  }
  Result<RoomEvent> queryStateEvent(const CallContext& ctx, const std::string& roomId,
                                    const std::string& type, const std::string& stateKey) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryStateEvent(ctx, roomId, type, stateKey);
  }
  Result<std::vector<RoomEvent>> queryStateAtEvent(const CallContext& ctx,
                                                   const std::string& eventId,
                                                   StatePoint point) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryStateAtEvent(ctx, eventId, point);
  }
  Result<std::vector<RoomEvent>> queryEvents(const CallContext& ctx,
                                             const std::vector<std::string>& ids) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryEvents(ctx, ids);
  }
  Result<RoomEvent> queryEvent(const CallContext& ctx, const std::string& eventId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryEvent(ctx, eventId);
  }
  Result<std::optional<MembershipInfo>> queryMembership(const CallContext& ctx,
                                                        const std::string& roomId,
                                                        const std::string& userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryMembership(ctx, roomId, userId);
  }
  Result<std::vector<JoinedMember>> queryJoinedMembers(const CallContext& ctx,
                                                       const std::string& roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryJoinedMembers(ctx, roomId);
  }
  Result<std::vector<std::string>> queryRoomsForUser(const CallContext& ctx,
                                                     const std::string& userId,
                                                     const std::string& membership) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryRoomsForUser(ctx, userId, membership);
  }
  Result<std::string> queryRoomVersion(const CallContext& ctx, const std::string& roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryRoomVersion(ctx, roomId);
  }
  Result<bool> queryRoomExists(const CallContext& ctx, const std::string& roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryRoomExists(ctx, roomId);
  }
  Result<LatestEvents> queryLatestEvents(const CallContext& ctx,
                                         const std::string& roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryLatestEvents(ctx, roomId);
  }
  Result<std::vector<RoomEvent>> queryAuthChain(const CallContext& ctx,
                                                const std::vector<std::string>& ids) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAuthChain(ctx, ids);
  }
  Result<std::vector<InputEventResult>> inputEvents(
      const CallContext& ctx, const std::string& roomId,
      const std::vector<InputRoomEvent>& events) override {
    if (auto e = record(ctx)) return *e;
    {
      std::lock_guard lock(mu_);
      lastInput_ = events;
    }
    return inner_.inputEvents(ctx, roomId, events);
  }
  Result<MakeMembershipResponse> queryMakeMembership(const CallContext& ctx,
                                                     const MakeMembershipRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryMakeMembership(ctx, r);
  }
  Result<RoomEvent> inputSendMembership(const CallContext& ctx,
                                        const SendMembershipRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.inputSendMembership(ctx, r);
  }
  Result<json::Object> inputInvite(const CallContext& ctx, const InviteInput& invite) override {
    if (auto e = record(ctx)) return *e;
    {
      std::lock_guard lock(mu_);
      lastInvite_ = invite;
    }
    return inner_.inputInvite(ctx, invite);
  }
  Result<std::vector<RoomEvent>> performBackfill(const CallContext& ctx, const std::string& roomId,
                                                 const std::vector<std::string>& from,
                                                 int limit) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performBackfill(ctx, roomId, from, limit);
  }

 private:
  // Remembers ctx; the error to answer instead of forwarding, if one is set.
  std::optional<Error> record(const CallContext& ctx) {
    std::lock_guard lock(mu_);
    last_ = ctx;
    ++calls_;
    return failWith_;
  }

  RoomserverApi& inner_;
  std::mutex mu_;
  CallContext last_;
  int calls_ = 0;
  std::optional<Error> failWith_;
  std::vector<InputRoomEvent> lastInput_;
  std::optional<InviteInput> lastInvite_;
  std::optional<CreateRoomRequest> lastCreate_;
};

class RoomserverGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    recorder_ = std::make_unique<RecordingRoomserverApi>(bindings_.inProcess());
    bindings_.startGrpc(recorder_.get());
  }
  void TearDown() override { bindings_.tearDown(); }

  RoomserverApi& grpc() { return bindings_.grpcClient(); }
  RoomserverApi& local() { return bindings_.inProcess(); }

  // A raw stub to send what GrpcRoomserverClient never would.
  std::unique_ptr<v1::RoomserverService::Stub> rawStub() {
    return v1::RoomserverService::NewStub(grpcutil::makeInsecureChannel(bindings_.grpcTarget()));
  }
  // The Error the client sees for a raw call's status.
  template <typename Request, typename Response>
  Error rawCall(grpc::Status (v1::RoomserverService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                const Request& request) {
    auto stub = rawStub();
    grpc::ClientContext client;
    client.set_deadline(std::chrono::system_clock::now() + 10s);
    Response response;
    grpc::Status status = ((*stub).*method)(&client, request, &response);
    EXPECT_FALSE(status.ok());
    return grpcutil::fromGrpcStatus(status, client);
  }

  testing::RoomserverBindings bindings_;
  std::unique_ptr<RecordingRoomserverApi> recorder_;
  CallContext ctx_ = CallContext::withTimeout(30s);
};

template <typename T>
Status asStatus(Result<T> r) {
  if (!r.ok()) return std::move(r).takeError();
  return {};
}

// Runs `call` on both bindings and expects the same failure.
void expectSameError(const std::function<Status(RoomserverApi&)>& call, RoomserverApi& inProcess,
                     RoomserverApi& grpc, const std::string& what) {
  auto a = call(inProcess);
  auto b = call(grpc);
  ASSERT_FALSE(a.ok()) << what;
  ASSERT_FALSE(b.ok()) << what;
  EXPECT_EQ(static_cast<int>(a.error().code), static_cast<int>(b.error().code)) << what;
  EXPECT_EQ(a.error().errcode(), b.error().errcode()) << what;
  EXPECT_EQ(a.error().message, b.error().message) << what;
  EXPECT_EQ(a.error().retryAfterMs, b.error().retryAfterMs) << what;
}

TEST_F(RoomserverGrpcTest, FailuresAreIdenticalInProcessAndThroughGrpc) {
  CreateRoomRequest create;
  create.creator = kAlice;
  create.roomAliasName = "same";
  auto created = local().performCreateRoom(ctx_, create);
  ASSERT_TRUE(created.ok());
  const std::string roomId = created->roomId;
  auto& l = local();
  auto& g = grpc();
  expectSameError([&](RoomserverApi& api) { return asStatus(api.performCreateRoom(ctx_, create)); },
                  l, g, "alias in use");
  expectSameError(
      [&](RoomserverApi& api) {
        return asStatus(api.performSendEvent(
            ctx_, {"!nope:test.local", kAlice, "m.room.message", std::nullopt, {}, {}}));
      },
      l, g, "unknown room");
  expectSameError(
      [&](RoomserverApi& api) {
        return asStatus(api.performInvite(ctx_, {roomId, kBob, kAlice, std::nullopt, false}));
      },
      l, g, "forbidden");
  expectSameError([&](RoomserverApi& api) { return api.performForget(ctx_, roomId, kAlice); }, l, g,
                  "forget while joined");
  expectSameError(
      [&](RoomserverApi& api) {
        return api.performSetRoomAlias(ctx_, "#same:test.local", roomId, kAlice);
      },
      l, g, "alias conflict");
  expectSameError(
      [&](RoomserverApi& api) {
        return asStatus(api.queryMakeMembership(ctx_, {roomId, kBob, "join", kRemote, {"12"}}));
      },
      l, g, "make_join for a user of another server");
  expectSameError(
      [&](RoomserverApi& api) { return asStatus(api.performBackfill(ctx_, roomId, {}, 5)); }, l, g,
      "backfill without events");
}

TEST_F(RoomserverGrpcTest, EveryErrorCodeCrossesTheHopUnchanged) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    Error sent = makeError(static_cast<ErrorCode>(i), "failure " + std::to_string(i));
    if (i % 2 == 1) sent.retryAfterMs = 1000 + i;
    recorder_->failWith(sent);
    auto got = grpc().performJoin(ctx_, {"!r:test.local", kAlice, std::nullopt, {}});
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(static_cast<int>(got.error().code), i) << sent.errcode();
    EXPECT_EQ(got.error().errcode(), sent.errcode());
    EXPECT_EQ(got.error().message, sent.message);
    EXPECT_EQ(got.error().retryAfterMs, sent.retryAfterMs) << i;
  }
}

TEST_F(RoomserverGrpcTest, CallContextReachesTheImplementation) {
  CallContext ctx = CallContext::withTimeout(5s, "client-api");
  ctx.traceId = "trace-123";
  ASSERT_TRUE(grpc().queryRoomExists(ctx, "!r:test.local").ok());
  CallContext seen = recorder_->last();
  EXPECT_EQ(seen.traceId, "trace-123");
  EXPECT_EQ(seen.caller, "client-api");
  auto diff = seen.deadline - ctx.deadline;
  EXPECT_LT(diff, 100ms);
  EXPECT_GT(diff, -100ms);
}

TEST_F(RoomserverGrpcTest, RequestFieldsReachTheImplementationIntact) {
  CreateRoomRequest create;
  create.creator = kAlice;
  create.preset = Preset::kTrustedPrivateChat;
  create.visibility = Visibility::kPrivate;
  create.invite = {kBob, "@carol:test.local"};
  create.isDirect = true;
  ASSERT_TRUE(grpc().performCreateRoom(ctx_, create).ok());
  auto seen = recorder_->lastCreate();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->creator, kAlice);
  EXPECT_EQ(seen->preset, std::optional<Preset>(Preset::kTrustedPrivateChat));
  EXPECT_EQ(seen->visibility, Visibility::kPrivate);
  EXPECT_EQ(seen->invite, create.invite);
  EXPECT_TRUE(seen->isDirect);
  EXPECT_FALSE(seen->roomVersion || seen->name || seen->topic || seen->roomAliasName ||
               seen->powerLevelContentOverride || seen->creationContent);
  EXPECT_TRUE(seen->initialState.empty());

  // Input kinds, origins and event JSON (with a float, as room versions 1-5 allow).
  const json::Object event{{"type", "m.room.message"}, {"f", 1.5}, {"s", "x"}};
  std::vector<RoomserverApi::InputRoomEvent> in{
      {event, "a.test", RoomserverApi::InputKind::kNew},
      {event, "b.test", RoomserverApi::InputKind::kOutlier},
      {json::Object{}, "c.test", RoomserverApi::InputKind::kBackfill}};
  (void)grpc().inputEvents(ctx_, "!nope:test.local", in);
  auto input = recorder_->lastInput();
  ASSERT_EQ(input.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(input[i].event == in[i].event) << i;
    EXPECT_EQ(input[i].origin, in[i].origin);
    EXPECT_EQ(input[i].kind, in[i].kind);
  }

  RoomserverApi::InviteInput invite{
      "!r:remote.test",
      "$e",
      "12",
      kRemote,
      json::Object{{"type", "m.room.member"}},
      {json::Object{{"type", "m.room.name"}}, json::Object{{"type", "m.room.join_rules"}}}};
  (void)grpc().inputInvite(ctx_, invite);
  auto invited = recorder_->lastInvite();
  ASSERT_TRUE(invited.has_value());
  EXPECT_EQ(invited->roomId, invite.roomId);
  EXPECT_EQ(invited->eventId, invite.eventId);
  EXPECT_EQ(invited->roomVersion, invite.roomVersion);
  EXPECT_EQ(invited->origin, invite.origin);
  EXPECT_TRUE(invited->event == invite.event);
  ASSERT_EQ(invited->inviteRoomState.size(), 2U);
  EXPECT_TRUE(invited->inviteRoomState[1] == invite.inviteRoomState[1]);
}

TEST_F(RoomserverGrpcTest, BadWireInputIsRefusedWithoutCallingTheImplementation) {
  int before = recorder_->calls();
  v1::SendEventRequest send;
  send.set_room_id("!r:test.local");
  send.set_content_json("{not json");
  Error e = rawCall(&v1::RoomserverService::Stub::PerformSendEvent, send);
  EXPECT_EQ(e.code, ErrorCode::kBadJson) << e.message;
  EXPECT_EQ(e.errcode(), "M_BAD_JSON");
  send.set_content_json("[1, 2]");
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::PerformSendEvent, send).code,
            ErrorCode::kBadJson);

  v1::CreateRoomRequest create;
  create.set_creator(kAlice);
  create.set_preset(static_cast<v1::Preset>(42));
  e = rawCall(&v1::RoomserverService::Stub::PerformCreateRoom, create);
  EXPECT_EQ(e.code, ErrorCode::kInvalidParam) << e.message;
  EXPECT_EQ(e.errcode(), "M_INVALID_PARAM");
  create.set_preset(v1::PRESET_UNSPECIFIED);
  create.set_creation_content_json("");
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::PerformCreateRoom, create).code,
            ErrorCode::kBadJson);

  v1::QueryStateAtEventRequest at;
  at.set_event_id("$e");
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::QueryStateAtEvent, at).code,
            ErrorCode::kInvalidParam);
  v1::PerformSetRoomVisibilityRequest visibility;
  visibility.set_room_id("!r:test.local");
  visibility.set_visibility(static_cast<v1::Visibility>(-3));
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::PerformSetRoomVisibility, visibility).code,
            ErrorCode::kInvalidParam);
  v1::InputEventsRequest input;
  input.set_room_id("!r:test.local");
  input.add_events()->set_event_json("\"a string\"");
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::InputEvents, input).code, ErrorCode::kBadJson);
  input.mutable_events(0)->set_event_json("{}");
  input.mutable_events(0)->set_kind(static_cast<v1::InputKind>(9));
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::InputEvents, input).code,
            ErrorCode::kInvalidParam);
  v1::SendMembershipRequest membership;
  membership.set_event_json("{\"a\":1,\"a\":2}");
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::InputSendMembership, membership).code,
            ErrorCode::kBadJson);
  v1::InviteInput invite;
  invite.set_event_json("{}");
  invite.add_invite_room_state_json("nope");
  EXPECT_EQ(rawCall(&v1::RoomserverService::Stub::InputInvite, invite).code, ErrorCode::kBadJson);
  EXPECT_EQ(recorder_->calls(), before);
}

// A server that answers malformed events.
class MalformedRoomserver final : public v1::RoomserverService::Service {
 public:
  grpc::Status QueryEvent(grpc::ServerContext*, const v1::QueryEventRequest* request,
                          v1::RoomEvent* response) override {
    response->set_event_id(request->event_id());
    response->set_room_version("12");
    response->set_pdu_json(request->event_id() == "$truncated" ? "{\"type\":" : "{}");
    return grpc::Status::OK;
  }
  grpc::Status QueryEvents(grpc::ServerContext*, const v1::QueryEventsRequest*,
                           v1::RoomEvents* response) override {
    v1::RoomEvent& e = *response->add_events();
    e.set_room_version("no-such-version");
    e.set_pdu_json("{}");
    return grpc::Status::OK;
  }
  grpc::Status QueryMakeMembership(grpc::ServerContext*, const v1::MakeMembershipRequest*,
                                   v1::MakeMembershipResponse* response) override {
    response->set_room_version("12");
    response->set_event_template_json("null");
    return grpc::Status::OK;
  }
};

TEST_F(RoomserverGrpcTest, MalformedAnswersAreErrorsNotCrashes) {
  MalformedRoomserver malformed;
  grpc::ServerBuilder builder;
  grpcutil::configureServerBuilder(builder);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&malformed);
  auto server = builder.BuildAndStart();
  ASSERT_TRUE(server != nullptr);
  GrpcRoomserverClient client(grpcutil::makeInsecureChannel("127.0.0.1:" + std::to_string(port)));
  for (std::string id : {"$truncated", "$empty"}) {
    auto got = client.queryEvent(ctx_, id);
    ASSERT_FALSE(got.ok()) << id;
    EXPECT_EQ(got.error().code, ErrorCode::kBadJson) << got.error().message;
  }
  auto events = client.queryEvents(ctx_, {"$x"});
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.error().code, ErrorCode::kBadJson);
  auto made = client.queryMakeMembership(ctx_, {"!r:x", "@u:y", "join", "y", {}});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kBadJson);
  // Unimplemented RPCs are an error too.
  auto exists = client.queryRoomExists(ctx_, "!r:x");
  ASSERT_FALSE(exists.ok());
  server->Shutdown(std::chrono::system_clock::now() + 2s);
  server->Wait();
}

TEST_F(RoomserverGrpcTest, UnreachableServerIsUnavailable) {
  GrpcRoomserverClient client(grpcutil::makeInsecureChannel("127.0.0.1:1"));
  auto got = client.queryRoomVersion(CallContext::withTimeout(2s), "!r:test.local");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(static_cast<int>(got.error().code), static_cast<int>(ErrorCode::kUnavailable));
  auto sent = client.performSendEvent(
      CallContext::withTimeout(2s),
      {"!r:test.local", kAlice, "m.room.message", std::nullopt, json::Object{}, std::nullopt});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(static_cast<int>(sent.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

}  // namespace
}  // namespace plexus::roomserver

#endif  // PLEXUS_HAVE_GRPC
