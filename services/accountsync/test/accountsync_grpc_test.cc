// The account-sync gRPC binding beyond the contract suite: every ErrorCode crosses the hop with
// its errcode, message and retry hint, the CallContext (deadline, trace ID, caller) reaches the
// implementation, bad wire input (unparsable `*_json`, a missing push-rule reference, an unknown
// enum value) is refused with kBadJson / kInvalidParam before the implementation is called, and
// a dead server is kUnavailable. Built only with gRPC.
#if PLEXUS_HAVE_GRPC

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accountsync/grpc/convert.h"
#include "accountsync/test/accountsync_bindings.h"
#include "plexus/grpcutil/unary_call.h"

namespace plexus::accountsync {
namespace {

using namespace std::chrono_literals;

// Forwards every call to another AccountSyncApi, remembering the context of the last call and
// counting calls; failWith() makes every call answer an error instead.
class RecordingAccountSyncApi final : public AccountSyncApi {
 public:
  explicit RecordingAccountSyncApi(AccountSyncApi& inner) : inner_(inner) {}
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

  Result<LoginResult> performRegister(const CallContext& ctx,
                                      const RegisterRequest& request) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performRegister(ctx, request);
  }
  Status queryUsernameAvailable(const CallContext& ctx, std::string_view localpart) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryUsernameAvailable(ctx, localpart);
  }
  Result<LoginResult> performPasswordLogin(const CallContext& ctx,
                                           const PasswordLoginRequest& request) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performPasswordLogin(ctx, request);
  }
  Result<LoginResult> performRefresh(const CallContext& ctx,
                                     std::string_view refreshToken) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performRefresh(ctx, refreshToken);
  }
  Result<AccessTokenInfo> queryAccessToken(const CallContext& ctx,
                                           std::string_view accessToken) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAccessToken(ctx, accessToken);
  }
  Status performLogout(const CallContext& ctx, std::string_view accessToken) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performLogout(ctx, accessToken);
  }
  Status performLogoutAll(const CallContext& ctx, std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performLogoutAll(ctx, userId);
  }
  Status performChangePassword(const CallContext& ctx, std::string_view userId,
                               std::string_view newPassword, bool logoutDevices,
                               std::optional<std::string> keepDeviceId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performChangePassword(ctx, userId, newPassword, logoutDevices,
                                        std::move(keepDeviceId));
  }
  Status performDeactivate(const CallContext& ctx, std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeactivate(ctx, userId);
  }
  Result<bool> queryPasswordMatches(const CallContext& ctx, std::string_view userId,
                                    std::string_view password) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryPasswordMatches(ctx, userId, password);
  }
  Result<Account> queryAccount(const CallContext& ctx, std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAccount(ctx, userId);
  }
  Result<std::string> performCreateLoginToken(const CallContext& ctx, std::string_view userId,
                                              std::int64_t ttlMs) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performCreateLoginToken(ctx, userId, ttlMs);
  }
  Result<LoginResult> performTokenLogin(const CallContext& ctx,
                                        const TokenLoginRequest& request) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performTokenLogin(ctx, request);
  }
  Result<std::string> performCreateOpenIdToken(const CallContext& ctx, std::string_view userId,
                                               std::int64_t ttlMs) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performCreateOpenIdToken(ctx, userId, ttlMs);
  }
  Result<std::string> queryOpenIdToken(const CallContext& ctx,
                                       std::string_view openIdToken) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryOpenIdToken(ctx, openIdToken);
  }
  Status performSetLocked(const CallContext& ctx, std::string_view userId, bool locked) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetLocked(ctx, userId, locked);
  }
  Status performSetSuspended(const CallContext& ctx, std::string_view userId,
                             bool suspended) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetSuspended(ctx, userId, suspended);
  }
  Result<std::vector<Device>> queryDevices(const CallContext& ctx,
                                           std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryDevices(ctx, userId);
  }
  Result<Device> queryDevice(const CallContext& ctx, std::string_view userId,
                             std::string_view deviceId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryDevice(ctx, userId, deviceId);
  }
  Status performUpdateDevice(const CallContext& ctx, std::string_view userId,
                             std::string_view deviceId,
                             std::optional<std::string> displayName) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUpdateDevice(ctx, userId, deviceId, std::move(displayName));
  }
  Status performDeleteDevices(const CallContext& ctx, std::string_view userId,
                              const std::vector<std::string>& deviceIds) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeleteDevices(ctx, userId, deviceIds);
  }
  Status performTouchDevice(const CallContext& ctx, std::string_view userId,
                            std::string_view deviceId, std::string_view ip,
                            std::int64_t tsMs) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performTouchDevice(ctx, userId, deviceId, ip, tsMs);
  }
  Result<Profile> queryProfile(const CallContext& ctx, std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryProfile(ctx, userId);
  }
  Status performSetDisplayName(const CallContext& ctx, std::string_view userId,
                               std::optional<std::string> displayName) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetDisplayName(ctx, userId, std::move(displayName));
  }
  Status performSetAvatarUrl(const CallContext& ctx, std::string_view userId,
                             std::optional<std::string> avatarUrl) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetAvatarUrl(ctx, userId, std::move(avatarUrl));
  }
  Result<UserDirectoryResult> queryUserDirectory(const CallContext& ctx,
                                                 std::string_view searchTerm, int limit,
                                                 std::string_view requestingUserId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryUserDirectory(ctx, searchTerm, limit, requestingUserId);
  }
  Result<std::int64_t> performSetAccountData(const CallContext& ctx, std::string_view userId,
                                             std::string_view roomId, std::string_view type,
                                             const json::Object& content) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetAccountData(ctx, userId, roomId, type, content);
  }
  Result<AccountDataChanges> queryAccountData(const CallContext& ctx, std::string_view userId,
                                              std::int64_t sincePosition) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAccountData(ctx, userId, sincePosition);
  }
  Result<json::Object> queryAccountDataEntry(const CallContext& ctx, std::string_view userId,
                                             std::string_view roomId,
                                             std::string_view type) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAccountDataEntry(ctx, userId, roomId, type);
  }
  Result<std::int64_t> queryAccountDataPosition(const CallContext& ctx) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryAccountDataPosition(ctx);
  }
  Result<std::int64_t> performSetTag(const CallContext& ctx, std::string_view userId,
                                     std::string_view roomId, std::string_view tag,
                                     const json::Object& content) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetTag(ctx, userId, roomId, tag, content);
  }
  Result<std::int64_t> performDeleteTag(const CallContext& ctx, std::string_view userId,
                                        std::string_view roomId, std::string_view tag) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeleteTag(ctx, userId, roomId, tag);
  }
  Result<json::Object> queryTags(const CallContext& ctx, std::string_view userId,
                                 std::string_view roomId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryTags(ctx, userId, roomId);
  }
  Result<json::Object> queryPushRules(const CallContext& ctx, std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryPushRules(ctx, userId);
  }
  Result<json::Object> queryPushRule(const CallContext& ctx, std::string_view userId,
                                     std::string_view kind, std::string_view ruleId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryPushRule(ctx, userId, kind, ruleId);
  }
  Status performPutPushRule(const CallContext& ctx, std::string_view userId, std::string_view kind,
                            std::string_view ruleId, const json::Object& body,
                            std::optional<std::string> before,
                            std::optional<std::string> after) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performPutPushRule(ctx, userId, kind, ruleId, body, std::move(before),
                                     std::move(after));
  }
  Status performDeletePushRule(const CallContext& ctx, std::string_view userId,
                               std::string_view kind, std::string_view ruleId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeletePushRule(ctx, userId, kind, ruleId);
  }
  Status performSetPushRuleEnabled(const CallContext& ctx, std::string_view userId,
                                   std::string_view kind, std::string_view ruleId,
                                   bool enabled) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetPushRuleEnabled(ctx, userId, kind, ruleId, enabled);
  }
  Status performSetPushRuleActions(const CallContext& ctx, std::string_view userId,
                                   std::string_view kind, std::string_view ruleId,
                                   const json::Array& actions) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetPushRuleActions(ctx, userId, kind, ruleId, actions);
  }
  Result<std::vector<Pusher>> queryPushers(const CallContext& ctx,
                                           std::string_view userId) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryPushers(ctx, userId);
  }
  Status performSetPusher(const CallContext& ctx, std::string_view userId,
                          std::string_view deviceId, const json::Object& body) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetPusher(ctx, userId, deviceId, body);
  }

 private:
  // Remembers ctx; the error to answer instead of forwarding, if one is set.
  std::optional<Error> record(const CallContext& ctx) {
    std::lock_guard lock(mu_);
    last_ = ctx;
    ++calls_;
    return failWith_;
  }
  AccountSyncApi& inner_;
  std::mutex mu_;
  CallContext last_;
  int calls_ = 0;
  std::optional<Error> failWith_;
};

class AccountSyncGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    recorder_ = std::make_unique<RecordingAccountSyncApi>(bindings_.inProcess());
    bindings_.startGrpc(recorder_.get());
    if (HasFatalFailure()) return;
    stub_ = v1::AccountSyncService::NewStub(grpcutil::makeInsecureChannel(bindings_.grpcTarget()));
  }
  void TearDown() override {
    stub_.reset();
    bindings_.tearDown();
  }

  // The Error of a raw RPC that must fail (Error{} with kUnknown when it succeeded).
  template <typename Request, typename Response>
  Error rawError(grpc::Status (v1::AccountSyncService::StubInterface::*method)(grpc::ClientContext*,
                                                                               const Request&,
                                                                               Response*),
                 const Request& request) {
    auto r = grpcutil::unaryCall(static_cast<v1::AccountSyncService::StubInterface&>(*stub_), ctx_,
                                 method, request, grpcutil::Retry::kNever);
    if (r.ok()) return makeError(ErrorCode::kUnknown, "call succeeded");
    return r.error();
  }
  static void expectError(const Error& e, ErrorCode code, std::string_view errcode) {
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << e.message;
    EXPECT_EQ(e.errcode(), errcode) << e.message;
  }

  testing::AccountSyncBindings bindings_;
  std::unique_ptr<RecordingAccountSyncApi> recorder_;
  std::unique_ptr<v1::AccountSyncService::Stub> stub_;
  CallContext ctx_ = CallContext::withTimeout(10s);
};

using Stub = v1::AccountSyncService::StubInterface;

template <typename T>
Status asStatus(Result<T> r) {
  if (!r.ok()) return std::move(r).takeError();
  return {};
}

TEST_F(AccountSyncGrpcTest, EveryErrorCodeCrossesTheHopUnchanged) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    Error sent = makeError(static_cast<ErrorCode>(i), "failure " + std::to_string(i));
    if (i % 2 == 1) sent.retryAfterMs = 1000 + i;
    recorder_->failWith(sent);
    // A perform* that is never retried, so each code is one call.
    auto got = bindings_.grpcClient().performLogout(ctx_, "token");
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(static_cast<int>(got.error().code), i) << sent.errcode();
    EXPECT_EQ(got.error().errcode(), sent.errcode());
    EXPECT_EQ(got.error().message, sent.message);
    EXPECT_EQ(got.error().retryAfterMs, sent.retryAfterMs) << i;
  }
}

TEST_F(AccountSyncGrpcTest, FailuresAreIdenticalInProcessAndThroughGrpc) {
  auto& local = bindings_.inProcess();
  auto& remote = bindings_.grpcClient();
  RegisterRequest r;
  r.localpart = "alice";
  r.password = "pw";
  r.refreshToken = true;
  auto alice = local.performRegister(ctx_, r);
  ASSERT_TRUE(alice.ok());
  bindings_.clockMs() += *alice->expiresInMs + 1;

  std::vector<std::pair<std::string, std::function<Status(AccountSyncApi&)>>> calls = {
      {"soft logout",
       [&](AccountSyncApi& api) {
         return asStatus(api.queryAccessToken(ctx_, alice->accessToken));
       }},
      {"user in use", [&](AccountSyncApi& api) { return asStatus(api.performRegister(ctx_, r)); }},
      {"wrong password",
       [&](AccountSyncApi& api) {
         PasswordLoginRequest login{"alice", "nope", std::nullopt, std::nullopt, false};
         return asStatus(api.performPasswordLogin(ctx_, login));
       }},
      {"bad rule kind",
       [&](AccountSyncApi& api) {
         return asStatus(api.queryPushRule(ctx_, alice->userId, "weird", "x"));
       }},
      {"bad pusher",
       [&](AccountSyncApi& api) {
         return api.performSetPusher(ctx_, alice->userId, alice->deviceId,
                                     json::Object{{"kind", 5}});
       }},
  };
  for (const auto& [what, call] : calls) {
    auto a = call(local);
    auto b = call(remote);
    ASSERT_FALSE(a.ok()) << what;
    ASSERT_FALSE(b.ok()) << what;
    EXPECT_EQ(static_cast<int>(a.error().code), static_cast<int>(b.error().code)) << what;
    EXPECT_EQ(a.error().errcode(), b.error().errcode()) << what;
    EXPECT_EQ(a.error().message, b.error().message) << what;
    EXPECT_EQ(isSoftLogout(a.error()), isSoftLogout(b.error())) << what;
  }
}

TEST_F(AccountSyncGrpcTest, CallContextReachesTheImplementation) {
  CallContext ctx = CallContext::withTimeout(5s, "client-api");
  ctx.traceId = "trace-123";
  auto position = bindings_.grpcClient().queryAccountDataPosition(ctx);
  ASSERT_TRUE(position.ok()) << position.error().message;
  CallContext seen = recorder_->last();
  EXPECT_EQ(seen.traceId, "trace-123");
  EXPECT_EQ(seen.caller, "client-api");
  auto diff = seen.deadline - ctx.deadline;
  EXPECT_LT(diff, 100ms);
  EXPECT_GT(diff, -100ms);
}

TEST_F(AccountSyncGrpcTest, NoDeadlineGetsTheClientsDefaultBound) {
  CallContext ctx;
  ASSERT_TRUE(bindings_.grpcClient().queryAccountDataPosition(ctx).ok());
  // grpcutil::unaryCall bounds calls without a deadline, so a dead peer cannot hang a caller.
  auto left = recorder_->last().deadline - CallContext::Clock::now();
  EXPECT_GT(left, 20s);
  // The server dates the deadline from its own receipt of the call, so allow some slack.
  EXPECT_LE(left, grpcutil::RetryPolicy{}.defaultDeadline + 1s);
}

TEST_F(AccountSyncGrpcTest, BadWireInputIsRefusedBeforeTheImplementation) {
  v1::PerformSetAccountDataRequest setData;
  setData.set_user_id("@alice:example.org");
  setData.set_type("t");
  setData.set_content_json("{not json");
  expectError(rawError(&Stub::PerformSetAccountData, setData), ErrorCode::kBadJson, "M_BAD_JSON");
  setData.set_content_json("[1, 2]");
  expectError(rawError(&Stub::PerformSetAccountData, setData), ErrorCode::kBadJson, "M_BAD_JSON");
  setData.clear_content_json();  // "" is not JSON either
  expectError(rawError(&Stub::PerformSetAccountData, setData), ErrorCode::kBadJson, "M_BAD_JSON");

  v1::PerformSetTagRequest setTag;
  setTag.set_tag("t");
  setTag.set_content_json("\"string\"");
  expectError(rawError(&Stub::PerformSetTag, setTag), ErrorCode::kBadJson, "M_BAD_JSON");

  v1::PerformSetPusherRequest setPusher;
  setPusher.set_body_json("{\"a\":");
  expectError(rawError(&Stub::PerformSetPusher, setPusher), ErrorCode::kBadJson, "M_BAD_JSON");

  v1::PerformPutPushRuleRequest put;
  put.set_body_json("{}");
  expectError(rawError(&Stub::PerformPutPushRule, put), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");
  put.mutable_rule()->set_kind("override");
  put.set_body_json("{\"actions\": [}");
  expectError(rawError(&Stub::PerformPutPushRule, put), ErrorCode::kBadJson, "M_BAD_JSON");

  v1::PerformSetPushRuleActionsRequest actions;
  actions.mutable_rule()->set_kind("override");
  actions.set_actions_json("{\"notify\": true}");
  expectError(rawError(&Stub::PerformSetPushRuleActions, actions), ErrorCode::kBadJson,
              "M_BAD_JSON");
  v1::PerformSetPushRuleEnabledRequest enabled;
  expectError(rawError(&Stub::PerformSetPushRuleEnabled, enabled), ErrorCode::kInvalidParam,
              "M_INVALID_PARAM");

  v1::RegisterRequest reg;
  reg.set_localpart("alice");
  reg.set_kind(static_cast<v1::AccountKind>(7));
  expectError(rawError(&Stub::PerformRegister, reg), ErrorCode::kInvalidParam, "M_INVALID_PARAM");

  EXPECT_EQ(recorder_->calls(), 0);
}

TEST_F(AccountSyncGrpcTest, DefaultsOfOptionalFieldsAreAccepted) {
  // An empty RegisterRequest over the wire is a user registration with generated names.
  auto r = grpcutil::unaryCall(static_cast<Stub&>(*stub_), ctx_, &Stub::PerformRegister,
                               v1::RegisterRequest{}, grpcutil::Retry::kNever);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->user_id().empty());
  EXPECT_FALSE(r->has_refresh_token());
  auto account = bindings_.inProcess().queryAccount(ctx_, r->user_id());
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->kind, AccountKind::kUser);
  EXPECT_FALSE(account->hasPassword);
}

TEST(AccountSyncConvertTest, BadAnswersBecomeErrorsNotCrashes) {
  v1::AccountDataChanges changes;
  changes.add_entries()->set_content_json("nope");
  auto c = convert::fromProto(changes);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kBadJson);

  v1::QueryPushersResponse pushers;
  pushers.add_pushers()->set_data_json("[]");
  auto p = convert::fromProto(pushers);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kBadJson);

  v1::Account account;
  account.set_kind(static_cast<v1::AccountKind>(-3));
  auto a = convert::fromProto(account);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kInvalidParam);

  v1::JsonObject object;
  object.set_object_json("{\"a\": 1.5, \"b\": 9007199254740991}");
  auto o = convert::fromProto(object);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->find("a")->getFloat(), 1.5);
  EXPECT_EQ(o->find("b")->getInt(), 9007199254740991);
}

TEST(AccountSyncConvertTest, JsonArraysRoundTrip) {
  json::Array actions{"notify", json::Object{{"set_tweak", "highlight"}, {"value", false}}};
  auto back = convert::jsonArrayField(convert::jsonText(actions), "actions_json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, actions);
  EXPECT_EQ(convert::jsonArrayField("{}", "actions_json").error().code, ErrorCode::kBadJson);
}

TEST(AccountSyncGrpcClientTest, UnreachableServerIsUnavailable) {
  GrpcAccountSyncClient client(grpcutil::makeInsecureChannel("127.0.0.1:1"));
  auto got = client.queryAccount(CallContext::withTimeout(2s), "@alice:example.org");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(static_cast<int>(got.error().code), static_cast<int>(ErrorCode::kUnavailable));
  auto logout = client.performLogout(CallContext::withTimeout(2s), "token");
  ASSERT_FALSE(logout.ok());
  EXPECT_EQ(static_cast<int>(logout.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

}  // namespace
}  // namespace plexus::accountsync

#endif  // PLEXUS_HAVE_GRPC
