// The keyserver gRPC binding beyond the contract suite: failed calls give exactly the
// in-process Error through gRPC (every ErrorCode with its errcode, message and retry hint), the
// CallContext (deadline, trace ID, caller) reaches the implementation, requests with `*_json`
// fields that are not JSON objects are kBadJson without reaching it, and a dead server is
// kUnavailable. Built only with gRPC.
#if PLEXUS_HAVE_GRPC

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "keyserver/grpc/convert.h"
#include "keyserver_bindings.h"
#include "plexus/grpcutil/status.h"

namespace plexus::keyserver {
namespace {

using namespace std::chrono_literals;

// Forwards to another KeyserverApi, remembers the context of the last call and counts calls;
// failWith makes every call answer an error instead.
class RecordingKeyserverApi final : public KeyserverApi {
 public:
  explicit RecordingKeyserverApi(KeyserverApi& inner) : inner_(inner) {}
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

  Result<OneTimeKeyCounts> performUploadKeys(const CallContext& ctx, std::string_view u,
                                             std::string_view d,
                                             const std::optional<json::Object>& dk,
                                             const json::Object& otk,
                                             const json::Object& fb) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUploadKeys(ctx, u, d, dk, otk, fb);
  }
  Status performSetDeviceDisplayName(const CallContext& ctx, std::string_view u, std::string_view d,
                                     std::string_view n) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performSetDeviceDisplayName(ctx, u, d, n);
  }
  Result<QueryKeysResponse> queryKeys(const CallContext& ctx, std::string_view u,
                                      const DeviceKeysQuery& q) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryKeys(ctx, u, q);
  }
  Result<ClaimKeysResponse> performClaimKeys(const CallContext& ctx,
                                             const ClaimKeysRequest& r) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performClaimKeys(ctx, r);
  }
  Result<OneTimeKeyCounts> queryOneTimeKeyCounts(const CallContext& ctx, std::string_view u,
                                                 std::string_view d) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryOneTimeKeyCounts(ctx, u, d);
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(const CallContext& ctx,
                                                               std::string_view u,
                                                               std::string_view d) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryUnusedFallbackKeyTypes(ctx, u, d);
  }
  Result<std::int64_t> queryDeviceListPosition(const CallContext& ctx) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryDeviceListPosition(ctx);
  }
  Result<KeyChanges> queryKeyChanges(const CallContext& ctx, std::string_view u, std::int64_t from,
                                     std::int64_t to) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryKeyChanges(ctx, u, from, to);
  }
  Status inputDeviceListUpdate(const CallContext& ctx, std::string_view o,
                               const json::Object& c) override {
    if (auto e = record(ctx)) return *e;
    return inner_.inputDeviceListUpdate(ctx, o, c);
  }
  Status inputSigningKeyUpdate(const CallContext& ctx, std::string_view o,
                               const json::Object& c) override {
    if (auto e = record(ctx)) return *e;
    return inner_.inputSigningKeyUpdate(ctx, o, c);
  }
  Result<std::int64_t> queryUserDeviceListStreamId(const CallContext& ctx,
                                                   std::string_view u) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryUserDeviceListStreamId(ctx, u);
  }
  Status performUploadCrossSigningKeys(const CallContext& ctx, std::string_view u,
                                       const CrossSigningKeys& k) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUploadCrossSigningKeys(ctx, u, k);
  }
  Result<bool> queryCrossSigningUploadIsNoOp(const CallContext& ctx, std::string_view u,
                                             const CrossSigningKeys& k) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryCrossSigningUploadIsNoOp(ctx, u, k);
  }
  Result<UploadSignaturesResponse> performUploadSignatures(const CallContext& ctx,
                                                           std::string_view u,
                                                           const json::Object& b) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUploadSignatures(ctx, u, b);
  }
  Status performDeleteDeviceKeys(const CallContext& ctx, std::string_view u,
                                 const std::vector<std::string>& d) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeleteDeviceKeys(ctx, u, d);
  }
  Status performDeleteUserKeys(const CallContext& ctx, std::string_view u) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeleteUserKeys(ctx, u);
  }
  Result<std::string> performCreateBackupVersion(const CallContext& ctx, std::string_view u,
                                                 std::string_view a,
                                                 const json::Object& d) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performCreateBackupVersion(ctx, u, a, d);
  }
  Result<BackupVersion> queryBackupVersion(const CallContext& ctx, std::string_view u,
                                           const std::optional<std::string>& v) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryBackupVersion(ctx, u, v);
  }
  Status performUpdateBackupVersion(const CallContext& ctx, std::string_view u, std::string_view v,
                                    std::string_view a, const json::Object& d) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUpdateBackupVersion(ctx, u, v, a, d);
  }
  Status performDeleteBackupVersion(const CallContext& ctx, std::string_view u,
                                    std::string_view v) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeleteBackupVersion(ctx, u, v);
  }
  Result<BackupKeysSummary> performUploadBackupKeys(const CallContext& ctx, std::string_view u,
                                                    std::string_view v,
                                                    const BackupKeys& k) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performUploadBackupKeys(ctx, u, v, k);
  }
  Result<BackupKeys> queryBackupKeys(const CallContext& ctx, std::string_view u, std::string_view v,
                                     const BackupKeySelector& s) override {
    if (auto e = record(ctx)) return *e;
    return inner_.queryBackupKeys(ctx, u, v, s);
  }
  Result<BackupKeysSummary> performDeleteBackupKeys(const CallContext& ctx, std::string_view u,
                                                    std::string_view v,
                                                    const BackupKeySelector& s) override {
    if (auto e = record(ctx)) return *e;
    return inner_.performDeleteBackupKeys(ctx, u, v, s);
  }

 private:
  std::optional<Error> record(const CallContext& ctx) {
    std::lock_guard lock(mu_);
    last_ = ctx;
    ++calls_;
    return failWith_;
  }
  KeyserverApi& inner_;
  std::mutex mu_;
  CallContext last_;
  int calls_ = 0;
  std::optional<Error> failWith_;
};

class KeyserverGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bindings_.setUp();
    if (HasFatalFailure()) return;
    recorder_ = std::make_unique<RecordingKeyserverApi>(bindings_.inProcess());
    bindings_.startGrpc(recorder_.get());
  }
  void TearDown() override { bindings_.tearDown(); }

  // Sends one raw request through the stub and returns the Error it was answered with.
  template <typename Request, typename Response>
  std::optional<Error> rawCall(grpc::Status (v1::KeyserverService::Stub::*method)(
                                   grpc::ClientContext*, const Request&, Response*),
                               const Request& request) {
    auto stub = v1::KeyserverService::NewStub(bindings_.channel());
    grpc::ClientContext client;
    client.set_deadline(std::chrono::system_clock::now() + 10s);
    Response response;
    grpc::Status status = ((*stub).*method)(&client, request, &response);
    if (status.ok()) return std::nullopt;
    return grpcutil::fromGrpcStatus(status, client);
  }

  testing::KeyserverBindings bindings_;
  std::unique_ptr<RecordingKeyserverApi> recorder_;
  CallContext ctx_ = CallContext::withTimeout(10s);
};

template <typename T>
Status asStatus(Result<T> r) {
  if (!r.ok()) return std::move(r).takeError();
  return {};
}

TEST_F(KeyserverGrpcTest, FailuresAreIdenticalInProcessAndThroughGrpc) {
  auto& local = bindings_.inProcess();
  auto& remote = bindings_.grpcClient();
  const std::string alice = "@alice:example.org";
  auto key = crypto::SigningKey::generate();
  std::vector<std::function<Status(KeyserverApi&)>> calls{
      [&](KeyserverApi& api) {
        return asStatus(api.performUploadKeys(
            ctx_, alice, "DEV2", testing::signedDeviceKeys(alice, "DEV1", key), {}, {}));
      },
      [&](KeyserverApi& api) { return asStatus(api.queryKeyChanges(ctx_, alice, 5, 1)); },
      [&](KeyserverApi& api) {
        return api.inputDeviceListUpdate(ctx_, "other.test",
                                         json::Object{{"user_id", "@x:evil.test"}});
      },
      [&](KeyserverApi& api) { return asStatus(api.queryBackupVersion(ctx_, alice, "7")); },
      [&](KeyserverApi& api) {
        return asStatus(api.performCreateBackupVersion(ctx_, alice, "", {}));
      },
  };
  for (std::size_t i = 0; i < calls.size(); ++i) {
    auto a = calls[i](local);
    auto b = calls[i](remote);
    ASSERT_FALSE(a.ok()) << i;
    ASSERT_FALSE(b.ok()) << i;
    EXPECT_EQ(static_cast<int>(a.error().code), static_cast<int>(b.error().code)) << i;
    EXPECT_EQ(a.error().errcode(), b.error().errcode()) << i;
    EXPECT_EQ(a.error().message, b.error().message) << i;
  }
}

TEST_F(KeyserverGrpcTest, EveryErrorCodeCrossesTheHopUnchanged) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnableToGrantJoin); ++i) {
    Error sent = makeError(static_cast<ErrorCode>(i), "failure " + std::to_string(i));
    if (i % 2 == 1) sent.retryAfterMs = 1000 + i;
    recorder_->failWith(sent);
    auto got = bindings_.grpcClient().performClaimKeys(ctx_, {});
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(static_cast<int>(got.error().code), i) << sent.errcode();
    EXPECT_EQ(got.error().errcode(), sent.errcode());
    EXPECT_EQ(got.error().message, sent.message);
    EXPECT_EQ(got.error().retryAfterMs, sent.retryAfterMs) << i;
  }
}

TEST_F(KeyserverGrpcTest, CallContextReachesTheImplementation) {
  CallContext ctx = CallContext::withTimeout(5s, "client-api");
  ctx.traceId = "trace-456";
  auto position = bindings_.grpcClient().queryDeviceListPosition(ctx);
  ASSERT_TRUE(position.ok()) << position.error().message;
  CallContext seen = recorder_->last();
  EXPECT_EQ(seen.traceId, "trace-456");
  EXPECT_EQ(seen.caller, "client-api");
  auto diff = seen.deadline - ctx.deadline;
  EXPECT_LT(diff, 100ms);
  EXPECT_GT(diff, -100ms);
}

TEST_F(KeyserverGrpcTest, JsonFieldsThatAreNotObjectsAreBadJson) {
  const int before = recorder_->calls();
  auto expectBadJson = [](const std::optional<Error>& e, const std::string& what) {
    ASSERT_TRUE(e.has_value()) << what;
    EXPECT_EQ(static_cast<int>(e->code), static_cast<int>(ErrorCode::kBadJson)) << what;
    EXPECT_EQ(e->errcode(), "M_BAD_JSON") << what;
  };
  using Stub = v1::KeyserverService::Stub;
  for (std::string text : {"", "not json", "[1,2]", "{\"a\":", "\"string\""}) {
    v1::PerformUploadKeysRequest upload;
    upload.set_user_id("@alice:example.org");
    upload.set_device_id("DEV1");
    upload.set_one_time_keys_json(text);
    upload.set_fallback_keys_json("{}");
    expectBadJson(rawCall(&Stub::PerformUploadKeys, upload), "one-time keys " + text);
    upload.set_one_time_keys_json("{}");
    upload.set_device_keys_json(text);
    expectBadJson(rawCall(&Stub::PerformUploadKeys, upload), "device keys " + text);

    v1::InputEduRequest edu;
    edu.set_origin("remote.test");
    edu.set_content_json(text);
    expectBadJson(rawCall(&Stub::InputDeviceListUpdate, edu), "device list " + text);
    expectBadJson(rawCall(&Stub::InputSigningKeyUpdate, edu), "signing key " + text);

    v1::CrossSigningKeysRequest cross;
    cross.set_user_id("@alice:example.org");
    cross.mutable_keys()->set_self_signing_json(text);
    expectBadJson(rawCall(&Stub::PerformUploadCrossSigningKeys, cross), "cross " + text);
    expectBadJson(rawCall(&Stub::QueryCrossSigningUploadIsNoOp, cross), "no-op " + text);

    v1::PerformUploadSignaturesRequest signatures;
    signatures.set_user_id("@alice:example.org");
    signatures.set_body_json(text);
    expectBadJson(rawCall(&Stub::PerformUploadSignatures, signatures), "signatures " + text);

    v1::PerformCreateBackupVersionRequest create;
    create.set_user_id("@alice:example.org");
    create.set_algorithm("m.megolm_backup.v1.curve25519-aes-sha2");
    create.set_auth_data_json(text);
    expectBadJson(rawCall(&Stub::PerformCreateBackupVersion, create), "create " + text);

    v1::PerformUpdateBackupVersionRequest update;
    update.set_user_id("@alice:example.org");
    update.set_version("1");
    update.set_auth_data_json(text);
    expectBadJson(rawCall(&Stub::PerformUpdateBackupVersion, update), "update " + text);

    v1::PerformUploadBackupKeysRequest keys;
    keys.set_user_id("@alice:example.org");
    keys.set_version("1");
    auto& session =
        (*(*keys.mutable_keys()->mutable_rooms())["!r:example.org"].mutable_sessions())["s1"];
    session.set_session_data_json(text);
    expectBadJson(rawCall(&Stub::PerformUploadBackupKeys, keys), "backup keys " + text);
  }
  EXPECT_EQ(recorder_->calls(), before);  // none reached the implementation
}

TEST_F(KeyserverGrpcTest, UnicodeJsonSurvivesTheHop) {
  json::Object authData{{"n", -3}, {"text", "caf\xc3\xa9 \xf0\x9f\x94\x91 \"q\"\n"}};
  auto version = bindings_.grpcClient().performCreateBackupVersion(
      ctx_, "@alice:example.org", "m.megolm_backup.v1.curve25519-aes-sha2", authData);
  ASSERT_TRUE(version.ok()) << version.error().message;
  auto got = bindings_.grpcClient().queryBackupVersion(ctx_, "@alice:example.org", *version);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->authData, authData);
}

// The JSON text of the wire keeps the floats of old room versions (the service may refuse
// them; the binding does not).
TEST(KeyserverConvertTest, JsonTextKeepsFloatsAndLargeIntegers) {
  json::Object object{{"f", 1.5}, {"i", json::kMaxSafeInteger}, {"neg", -2.25}};
  auto back = convert::jsonObjectField(convert::jsonText(object), "x");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, object);
}

TEST_F(KeyserverGrpcTest, UnreachableServerIsUnavailable) {
  GrpcKeyserverClient client(grpcutil::makeInsecureChannel("127.0.0.1:1"));
  auto got = client.queryDeviceListPosition(CallContext::withTimeout(2s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(static_cast<int>(got.error().code), static_cast<int>(ErrorCode::kUnavailable));
  auto claim = client.performClaimKeys(CallContext::withTimeout(2s), {});
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(static_cast<int>(claim.error().code), static_cast<int>(ErrorCode::kUnavailable));
}

}  // namespace
}  // namespace plexus::keyserver

#endif  // PLEXUS_HAVE_GRPC
