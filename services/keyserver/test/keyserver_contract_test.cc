// The KeyserverApi contract suite: the same cases against the in-process KeyserverService and,
// when built with gRPC, through GrpcKeyserverClient -> gRPC on 127.0.0.1 ->
// GrpcKeyserverService -> KeyserverService. Every RPC is exercised; every case states the exact
// values or ErrorCode/errcode, so both bindings must give the same answers and every field of
// every value type must survive the hop.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "keyserver_bindings.h"

namespace plexus::keyserver {
namespace {

using namespace std::chrono_literals;
using testing::signedCrossSigningKey;
using testing::signedDeviceKeys;

const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";
const std::string kCarol = "@carol:remote.test";
const std::string kDave = "@dave:down.test";
const std::string kBackupAlgorithm = "m.megolm_backup.v1.curve25519-aes-sha2";
const std::string kRoom = "!room:example.org";

enum class Binding { kInProcess, kGrpc };

class KeyserverContractTest : public ::testing::TestWithParam<Binding> {
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

  static void expectError(const Error& e, ErrorCode code, std::string_view errcode) {
    EXPECT_EQ(static_cast<int>(e.code), static_cast<int>(code)) << e.message;
    EXPECT_EQ(e.errcode(), errcode);
  }
  static std::string keyId(const crypto::SigningKey& k) {
    return "ed25519:" + k.publicKey().toBase64();
  }
  static json::Object oneTimeKeys(int n) {
    json::Object keys;
    for (int i = 0; i < n; ++i) {
      std::string id = "signed_curve25519:otk" + std::to_string(i);
      keys.set(id, json::Object{{"key", "key-" + std::to_string(i)},
                                {"signatures", json::Object{{kAlice, json::Object{}}}}});
    }
    return keys;
  }
  void uploadDevice(const std::string& user, const std::string& device,
                    const crypto::SigningKey& key) {
    auto up =
        api_->performUploadKeys(ctx_, user, device, signedDeviceKeys(user, device, key), {}, {});
    ASSERT_TRUE(up.ok()) << up.error().message;
  }

  testing::KeyserverBindings bindings_;
  KeyserverApi* api_ = nullptr;
  CallContext ctx_ = CallContext::withTimeout(10s, "contract-test");
};

TEST_P(KeyserverContractTest, UploadedKeysComeBackInQueryWithCounts) {
  auto key = crypto::SigningKey::generate();
  json::Object device = signedDeviceKeys(kAlice, "DEV1", key);
  json::Object fallback{
      {"signed_curve25519:fb1", json::Object{{"fallback", true}, {"key", "fallback-key"}}}};
  auto counts = api_->performUploadKeys(ctx_, kAlice, "DEV1", device, oneTimeKeys(3), fallback);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(*counts, (OneTimeKeyCounts{{"signed_curve25519", 3}}));

  auto again = api_->queryOneTimeKeyCounts(ctx_, kAlice, "DEV1");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *counts);
  auto none = api_->queryOneTimeKeyCounts(ctx_, kAlice, "NODEVICE");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->at("signed_curve25519"), 0);
  auto fallbackTypes = api_->queryUnusedFallbackKeyTypes(ctx_, kAlice, "DEV1");
  ASSERT_TRUE(fallbackTypes.ok()) << fallbackTypes.error().message;
  EXPECT_EQ(*fallbackTypes, std::vector<std::string>{"signed_curve25519"});

  ASSERT_TRUE(api_->performSetDeviceDisplayName(ctx_, kAlice, "DEV1", "Alice's phone").ok());
  auto keys = api_->queryKeys(ctx_, kBob, {{kAlice, {"DEV1"}}, {"@nobody:example.org", {}}});
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  const json::Value* got = keys->deviceKeys.find(kAlice)->get("DEV1");
  ASSERT_NE(got, nullptr);
  json::Object stored = *got->getObject();
  ASSERT_TRUE(stored.contains("unsigned"));
  EXPECT_EQ(got->get("unsigned")->getStringAt("device_display_name"), "Alice's phone");
  stored.erase("unsigned");
  EXPECT_EQ(stored, device);
  EXPECT_FALSE(keys->deviceKeys.contains("@nobody:example.org"));
  EXPECT_TRUE(keys->masterKeys.empty());
  EXPECT_TRUE(keys->selfSigningKeys.empty());
  EXPECT_TRUE(keys->userSigningKeys.empty());
  EXPECT_TRUE(keys->failures.empty());
}

TEST_P(KeyserverContractTest, ClaimHandsOutEachKeyOnceThenTheFallback) {
  json::Object fallback{
      {"signed_curve25519:fb1", json::Object{{"fallback", true}, {"key", "fallback-key"}}}};
  ASSERT_TRUE(
      api_->performUploadKeys(ctx_, kAlice, "DEV1", std::nullopt, oneTimeKeys(1), fallback).ok());
  auto first = api_->performClaimKeys(
      ctx_, {{kAlice, {{"DEV1", "signed_curve25519"}}}, {kBob, {{"X", "signed_curve25519"}}}});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->oneTimeKeys, (json::Object{{kAlice, json::Object{{"DEV1", oneTimeKeys(1)}}}}));
  EXPECT_TRUE(first->failures.empty());

  auto second = api_->performClaimKeys(ctx_, {{kAlice, {{"DEV1", "signed_curve25519"}}}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->oneTimeKeys, (json::Object{{kAlice, json::Object{{"DEV1", fallback}}}}));
  EXPECT_TRUE(api_->queryUnusedFallbackKeyTypes(ctx_, kAlice, "DEV1")->empty());
  EXPECT_EQ(api_->queryOneTimeKeyCounts(ctx_, kAlice, "DEV1")->at("signed_curve25519"), 0);
}

TEST_P(KeyserverContractTest, UploadErrorsKeepTheirCodes) {
  auto key = crypto::SigningKey::generate();
  auto other = crypto::SigningKey::generate();
  json::Object forged = signedDeviceKeys(kAlice, "DEV1", key);
  forged.set("keys", json::Object{{"ed25519:DEV1", other.publicKey().toBase64()}});
  auto badSig = api_->performUploadKeys(ctx_, kAlice, "DEV1", forged, {}, {});
  ASSERT_FALSE(badSig.ok());
  expectError(badSig.error(), ErrorCode::kInvalidSignature, "M_FORBIDDEN");

  auto wrongDevice =
      api_->performUploadKeys(ctx_, kAlice, "DEV2", signedDeviceKeys(kAlice, "DEV1", key), {}, {});
  ASSERT_FALSE(wrongDevice.ok());
  expectError(wrongDevice.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");

  auto badId = api_->performUploadKeys(ctx_, kAlice, "DEV1", std::nullopt, {{"nocolon", "x"}}, {});
  ASSERT_FALSE(badId.ok());
  expectError(badId.error(), ErrorCode::kBadJson, "M_BAD_JSON");
}

TEST_P(KeyserverContractTest, DeviceListPositionsAndChanges) {
  auto start = api_->queryDeviceListPosition(ctx_);
  ASSERT_TRUE(start.ok()) << start.error().message;
  EXPECT_EQ(*start, 0);
  EXPECT_EQ(*api_->queryUserDeviceListStreamId(ctx_, kAlice), 0);

  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  auto afterAlice = api_->queryDeviceListPosition(ctx_);
  ASSERT_TRUE(afterAlice.ok());
  EXPECT_GT(*afterAlice, *start);
  uploadDevice(kBob, "BOB1", crypto::SigningKey::generate());
  auto afterBob = api_->queryDeviceListPosition(ctx_);
  ASSERT_TRUE(afterBob.ok());
  EXPECT_GT(*afterBob, *afterAlice);

  auto streamId = api_->queryUserDeviceListStreamId(ctx_, kAlice);
  ASSERT_TRUE(streamId.ok()) << streamId.error().message;
  EXPECT_EQ(*streamId, *afterAlice);

  auto all = api_->queryKeyChanges(ctx_, kBob, *start, *afterBob);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->changed, (std::vector<std::string>{kAlice, kBob}));
  EXPECT_TRUE(all->left.empty());
  auto later = api_->queryKeyChanges(ctx_, kBob, *afterAlice, *afterBob);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->changed, std::vector<std::string>{kBob});

  auto backwards = api_->queryKeyChanges(ctx_, kBob, *afterBob, *start);
  ASSERT_FALSE(backwards.ok());
  expectError(backwards.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
}

TEST_P(KeyserverContractTest, RemoteDeviceListAndSigningKeyUpdates) {
  auto carolKey = crypto::SigningKey::generate();
  json::Object carolDevice = signedDeviceKeys(kCarol, "C1", carolKey);
  bindings_.federation().userDevices[kCarol] = json::Object{
      {"devices",
       json::Array{json::Object{
           {"device_display_name", "carol's laptop"}, {"device_id", "C1"}, {"keys", carolDevice}}}},
      {"stream_id", 4},
      {"user_id", kCarol}};
  json::Object update{{"device_id", "C1"},
                      {"keys", carolDevice},
                      {"prev_id", json::Array{}},
                      {"stream_id", 4},
                      {"user_id", kCarol}};
  auto applied = api_->inputDeviceListUpdate(ctx_, "remote.test", update);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  auto keys = api_->queryKeys(ctx_, kAlice, {{kCarol, {}}});
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  const json::Value* c1 = keys->deviceKeys.find(kCarol)->get("C1");
  ASSERT_NE(c1, nullptr);
  EXPECT_EQ(c1->getStringAt("user_id"), kCarol);
  EXPECT_EQ(c1->get("unsigned")->getStringAt("device_display_name"), "carol's laptop");

  auto master = crypto::SigningKey::generate();
  json::Object masterKey = signedCrossSigningKey(kCarol, "master", master);
  auto signing = api_->inputSigningKeyUpdate(
      ctx_, "remote.test", json::Object{{"master_key", masterKey}, {"user_id", kCarol}});
  ASSERT_TRUE(signing.ok()) << signing.error().message;
  keys = api_->queryKeys(ctx_, kAlice, {{kCarol, {}}});
  ASSERT_TRUE(keys.ok());
  ASSERT_TRUE(keys->masterKeys.contains(kCarol));
  EXPECT_EQ(*keys->masterKeys.find(kCarol)->get("keys"), *masterKey.find("keys"));

  auto spoofed = api_->inputDeviceListUpdate(ctx_, "evil.test", update);
  ASSERT_FALSE(spoofed.ok());
  expectError(spoofed.error(), ErrorCode::kForbidden, "M_FORBIDDEN");
  auto ours = api_->inputSigningKeyUpdate(
      ctx_, "example.org", json::Object{{"master_key", masterKey}, {"user_id", kAlice}});
  ASSERT_FALSE(ours.ok());
  expectError(ours.error(), ErrorCode::kForbidden, "M_FORBIDDEN");
  auto shapeless = api_->inputDeviceListUpdate(ctx_, "remote.test", json::Object{{"x", 1}});
  ASSERT_FALSE(shapeless.ok());
  expectError(shapeless.error(), ErrorCode::kBadJson, "M_BAD_JSON");
}

TEST_P(KeyserverContractTest, UnreachableServersAreFailures) {
  auto keys = api_->queryKeys(ctx_, kAlice, {{kDave, {}}});
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_FALSE(keys->deviceKeys.contains(kDave));
  const json::Value* failure = keys->failures.find("down.test");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->get("status")->getInt(), 503);

  auto claimed = api_->performClaimKeys(ctx_, {{kDave, {{"D1", "signed_curve25519"}}}});
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  EXPECT_TRUE(claimed->oneTimeKeys.empty());
  ASSERT_NE(claimed->failures.find("down.test"), nullptr);
  EXPECT_EQ(claimed->failures.find("down.test")->get("status")->getInt(), 503);
}

TEST_P(KeyserverContractTest, CrossSigningKeysAndSignatures) {
  auto master = crypto::SigningKey::generate();
  auto selfSigning = crypto::SigningKey::generate();
  auto userSigning = crypto::SigningKey::generate();
  CrossSigningKeys set{signedCrossSigningKey(kAlice, "master", master),
                       signedCrossSigningKey(kAlice, "self_signing", selfSigning, &master),
                       signedCrossSigningKey(kAlice, "user_signing", userSigning, &master)};
  auto noOpBefore = api_->queryCrossSigningUploadIsNoOp(ctx_, kAlice, set);
  ASSERT_TRUE(noOpBefore.ok()) << noOpBefore.error().message;
  EXPECT_FALSE(*noOpBefore);
  auto uploaded = api_->performUploadCrossSigningKeys(ctx_, kAlice, set);
  ASSERT_TRUE(uploaded.ok()) << uploaded.error().message;
  EXPECT_TRUE(*api_->queryCrossSigningUploadIsNoOp(ctx_, kAlice, set));
  CrossSigningKeys masterOnly{set.master, std::nullopt, std::nullopt};
  EXPECT_TRUE(*api_->queryCrossSigningUploadIsNoOp(ctx_, kAlice, masterOnly));
  CrossSigningKeys newMaster{signedCrossSigningKey(kAlice, "master", userSigning), std::nullopt,
                             std::nullopt};
  EXPECT_FALSE(*api_->queryCrossSigningUploadIsNoOp(ctx_, kAlice, newMaster));

  auto own = api_->queryKeys(ctx_, kAlice, {{kAlice, {}}});
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(*own->masterKeys.find(kAlice)->getObject(), *set.master);
  EXPECT_EQ(*own->selfSigningKeys.find(kAlice)->getObject(), *set.selfSigning);
  EXPECT_EQ(*own->userSigningKeys.find(kAlice)->getObject(), *set.userSigning);

  // A device signed by the self-signing key is accepted; a forged one and a missing one fail.
  auto deviceKey = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", deviceKey);
  json::Object good = signedDeviceKeys(kAlice, "DEV1", deviceKey);
  crypto::signJson(good, kAlice, keyId(selfSigning), selfSigning);
  json::Object forged = signedDeviceKeys(kAlice, "DEV1", deviceKey);
  crypto::signJson(forged, kAlice, keyId(selfSigning), deviceKey);
  auto ok = api_->performUploadSignatures(ctx_, kAlice,
                                          json::Object{{kAlice, json::Object{{"DEV1", good}}}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->failures.empty());
  auto bad = api_->performUploadSignatures(
      ctx_, kAlice, json::Object{{kAlice, json::Object{{"DEV1", forged}, {"NODEVICE", good}}}});
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  ASSERT_EQ(bad->failures.size(), 1u);
  const auto& failures = bad->failures.at(kAlice);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures.at("DEV1").errcode, "M_INVALID_SIGNATURE");
  EXPECT_FALSE(failures.at("DEV1").error.empty());
  EXPECT_EQ(failures.at("NODEVICE").errcode, "M_NOT_FOUND");
  EXPECT_FALSE(failures.at("NODEVICE").error.empty());

  auto seen = api_->queryKeys(ctx_, kBob, {{kAlice, {"DEV1"}}});
  ASSERT_TRUE(seen.ok());
  EXPECT_NE(seen->deviceKeys.find(kAlice)
                ->get("DEV1")
                ->get("signatures")
                ->get(kAlice)
                ->get(keyId(selfSigning)),
            nullptr);
  EXPECT_FALSE(seen->userSigningKeys.contains(kAlice));

  // Errors: a self-signing key for a user without a master key; one signed by a stranger.
  CrossSigningKeys orphan{std::nullopt,
                          signedCrossSigningKey(kBob, "self_signing", selfSigning, &master),
                          std::nullopt};
  auto noMaster = api_->performUploadCrossSigningKeys(ctx_, kBob, orphan);
  ASSERT_FALSE(noMaster.ok());
  expectError(noMaster.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");
  CrossSigningKeys unsigned_{std::nullopt,
                             signedCrossSigningKey(kAlice, "self_signing", selfSigning, &deviceKey),
                             std::nullopt};
  auto notSigned = api_->performUploadCrossSigningKeys(ctx_, kAlice, unsigned_);
  ASSERT_FALSE(notSigned.ok());
  expectError(notSigned.error(), ErrorCode::kInvalidSignature, "M_FORBIDDEN");
}

TEST_P(KeyserverContractTest, DeletingDevicesAndUsers) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  uploadDevice(kAlice, "DEV2", crypto::SigningKey::generate());
  ASSERT_TRUE(api_->performDeleteDeviceKeys(ctx_, kAlice, {"DEV1", "UNKNOWN"}).ok());
  auto keys = api_->queryKeys(ctx_, kBob, {{kAlice, {}}});
  ASSERT_TRUE(keys.ok());
  const json::Object* devices = keys->deviceKeys.find(kAlice)->getObject();
  ASSERT_NE(devices, nullptr);
  EXPECT_FALSE(devices->contains("DEV1"));
  EXPECT_TRUE(devices->contains("DEV2"));

  auto version =
      api_->performCreateBackupVersion(ctx_, kAlice, kBackupAlgorithm, json::Object{{"a", 1}});
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(api_->performDeleteUserKeys(ctx_, kAlice).ok());
  keys = api_->queryKeys(ctx_, kBob, {{kAlice, {}}});
  ASSERT_TRUE(keys.ok());
  const json::Value* left = keys->deviceKeys.find(kAlice);
  EXPECT_TRUE(left == nullptr || left->getObject()->empty());
  auto backup = api_->queryBackupVersion(ctx_, kAlice, std::nullopt);
  ASSERT_FALSE(backup.ok());
  expectError(backup.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
}

TEST_P(KeyserverContractTest, BackupVersionsAndKeysRoundTrip) {
  auto none = api_->queryBackupVersion(ctx_, kAlice, std::nullopt);
  ASSERT_FALSE(none.ok());
  expectError(none.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
  auto empty = api_->performCreateBackupVersion(ctx_, kAlice, "", json::Object{});
  ASSERT_FALSE(empty.ok());
  expectError(empty.error(), ErrorCode::kBadJson, "M_BAD_JSON");

  json::Object authData{{"public_key", "abc"}, {"signatures", json::Object{{kAlice, 1}}}};
  auto v1 = api_->performCreateBackupVersion(ctx_, kAlice, kBackupAlgorithm, authData);
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(*v1, "1");
  auto v2 = api_->performCreateBackupVersion(ctx_, kAlice, kBackupAlgorithm, authData);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, "2");

  json::Object newAuth{{"public_key", "def"}};
  ASSERT_TRUE(api_->performUpdateBackupVersion(ctx_, kAlice, *v2, kBackupAlgorithm, newAuth).ok());
  auto wrongAlgorithm = api_->performUpdateBackupVersion(ctx_, kAlice, *v2, "other", newAuth);
  ASSERT_FALSE(wrongAlgorithm.ok());
  expectError(wrongAlgorithm.error(), ErrorCode::kInvalidParam, "M_INVALID_PARAM");

  BackupKeyData s1{3, 2, true, json::Object{{"ciphertext", "c1"}, {"mac", "m1"}}};
  BackupKeyData s2{0, 0, false, json::Object{{"ciphertext", "c2"}}};
  BackupKeys keys{{kRoom, {{"s1", s1}, {"s2", s2}}}, {"!other:example.org", {{"s3", s2}}}};
  auto stale = api_->performUploadBackupKeys(ctx_, kAlice, *v1, keys);
  ASSERT_FALSE(stale.ok());
  expectError(stale.error(), ErrorCode::kWrongRoomKeysVersion, "M_WRONG_ROOM_KEYS_VERSION");
  auto summary = api_->performUploadBackupKeys(ctx_, kAlice, *v2, keys);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->count, 3);
  EXPECT_FALSE(summary->etag.empty());

  auto latest = api_->queryBackupVersion(ctx_, kAlice, std::nullopt);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  EXPECT_EQ(latest->version, *v2);
  EXPECT_EQ(latest->algorithm, kBackupAlgorithm);
  EXPECT_EQ(latest->authData, newAuth);
  EXPECT_EQ(latest->count, 3);
  EXPECT_EQ(latest->etag, summary->etag);
  auto first = api_->queryBackupVersion(ctx_, kAlice, std::string(*v1));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->authData, authData);
  EXPECT_EQ(first->count, 0);

  auto all = api_->queryBackupKeys(ctx_, kAlice, *v2, {});
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  const BackupKeyData& got = all->at(kRoom).at("s1");
  EXPECT_EQ(got.firstMessageIndex, 3);
  EXPECT_EQ(got.forwardedCount, 2);
  EXPECT_TRUE(got.isVerified);
  EXPECT_EQ(got.sessionData, s1.sessionData);
  EXPECT_FALSE(all->at(kRoom).at("s2").isVerified);
  auto room = api_->queryBackupKeys(ctx_, kAlice, *v2, {kRoom, std::nullopt});
  ASSERT_TRUE(room.ok());
  EXPECT_EQ(room->size(), 1u);
  EXPECT_EQ(room->at(kRoom).size(), 2u);
  auto session = api_->queryBackupKeys(ctx_, kAlice, *v2, {kRoom, "s2"});
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->at(kRoom).size(), 1u);
  EXPECT_EQ(session->at(kRoom).at("s2").sessionData, s2.sessionData);
  auto missing = api_->queryBackupKeys(ctx_, kAlice, *v2, {kRoom, "nope"});
  ASSERT_FALSE(missing.ok());
  expectError(missing.error(), ErrorCode::kNotFound, "M_NOT_FOUND");

  auto afterDelete = api_->performDeleteBackupKeys(ctx_, kAlice, *v2, {kRoom, "s1"});
  ASSERT_TRUE(afterDelete.ok()) << afterDelete.error().message;
  EXPECT_EQ(afterDelete->count, 2);
  EXPECT_NE(afterDelete->etag, summary->etag);

  ASSERT_TRUE(api_->performDeleteBackupVersion(ctx_, kAlice, *v2).ok());
  auto gone = api_->performDeleteBackupVersion(ctx_, kAlice, *v2);
  ASSERT_FALSE(gone.ok());
  expectError(gone.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
  auto deletedKeys = api_->queryBackupKeys(ctx_, kAlice, *v2, {});
  ASSERT_FALSE(deletedKeys.ok());
  expectError(deletedKeys.error(), ErrorCode::kNotFound, "M_NOT_FOUND");
}

std::string bindingName(const ::testing::TestParamInfo<Binding>& param) {
  return param.param == Binding::kInProcess ? "InProcess" : "Grpc";
}

INSTANTIATE_TEST_SUITE_P(Bindings, KeyserverContractTest,
                         ::testing::Values(Binding::kInProcess, Binding::kGrpc), bindingName);

}  // namespace
}  // namespace plexus::keyserver
