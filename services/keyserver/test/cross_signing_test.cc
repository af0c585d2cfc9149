// KeyserverApi: cross-signing key upload, signature upload and how signatures show in
// /keys/query, on SQLite and PostgreSQL.
#include "keyserver_fixture.h"

namespace plexus::keyserver::testing {
namespace {

const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";

class CrossSigningTest : public KeyserverServiceTest {
 protected:
  struct Keys {
    crypto::SigningKey master = crypto::SigningKey::generate();
    crypto::SigningKey selfSigning = crypto::SigningKey::generate();
    crypto::SigningKey userSigning = crypto::SigningKey::generate();
  };

  CrossSigningKeys signedSet(const std::string& user, const Keys& k) {
    return CrossSigningKeys{crossSigningKey(user, "master", k.master),
                            crossSigningKey(user, "self_signing", k.selfSigning, &k.master),
                            crossSigningKey(user, "user_signing", k.userSigning, &k.master)};
  }

  static std::string keyId(const crypto::SigningKey& k) {
    return "ed25519:" + k.publicKey().toBase64();
  }
};

TEST_P(CrossSigningTest, UploadsCrossSigningKeysAndShowsThemInQuery) {
  Keys alice;
  auto status = service().performUploadCrossSigningKeys(ctx(), kAlice, signedSet(kAlice, alice));
  ASSERT_TRUE(status.ok()) << status.error().message;

  auto own = service().queryKeys(ctx(), kAlice, {{kAlice, {}}});
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->masterKeys.contains(kAlice));
  EXPECT_TRUE(own->selfSigningKeys.contains(kAlice));
  EXPECT_TRUE(own->userSigningKeys.contains(kAlice));

  auto other = service().queryKeys(ctx(), kBob, {{kAlice, {}}});
  EXPECT_TRUE(other->masterKeys.contains(kAlice));
  EXPECT_FALSE(other->userSigningKeys.contains(kAlice));  // only for the owner
}

TEST_P(CrossSigningTest, RejectsSelfSigningKeyNotSignedByMaster) {
  Keys alice;
  auto stranger = crypto::SigningKey::generate();
  CrossSigningKeys keys{crossSigningKey(kAlice, "master", alice.master),
                        crossSigningKey(kAlice, "self_signing", alice.selfSigning, &stranger),
                        std::nullopt};
  auto status = service().performUploadCrossSigningKeys(ctx(), kAlice, keys);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidSignature);
  EXPECT_FALSE(service().queryKeys(ctx(), kAlice, {{kAlice, {}}})->masterKeys.contains(kAlice));
}

TEST_P(CrossSigningTest, RejectsWrongUsageAndWrongUser) {
  Keys alice;
  auto badUsage = service().performUploadCrossSigningKeys(
      ctx(), kAlice, {crossSigningKey(kAlice, "self_signing", alice.master), {}, {}});
  ASSERT_FALSE(badUsage.ok());
  EXPECT_EQ(badUsage.error().code, ErrorCode::kInvalidParam);
  auto badUser = service().performUploadCrossSigningKeys(
      ctx(), kAlice, {crossSigningKey(kBob, "master", alice.master), {}, {}});
  ASSERT_FALSE(badUser.ok());
  EXPECT_EQ(badUser.error().code, ErrorCode::kInvalidParam);
}

TEST_P(CrossSigningTest, SelfSigningKeyAloneIsCheckedAgainstTheStoredMaster) {
  Keys alice;
  ASSERT_TRUE(service()
                  .performUploadCrossSigningKeys(
                      ctx(), kAlice, {crossSigningKey(kAlice, "master", alice.master), {}, {}})
                  .ok());
  auto ok = service().performUploadCrossSigningKeys(
      ctx(), kAlice,
      {std::nullopt, crossSigningKey(kAlice, "self_signing", alice.selfSigning, &alice.master),
       std::nullopt});
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  auto noMaster = service().performUploadCrossSigningKeys(
      ctx(), kBob,
      {std::nullopt, crossSigningKey(kBob, "self_signing", alice.selfSigning, &alice.master),
       std::nullopt});
  ASSERT_FALSE(noMaster.ok());
  EXPECT_EQ(noMaster.error().code, ErrorCode::kInvalidParam);
}

TEST_P(CrossSigningTest, ReportsWhetherAnUploadIsANoOp) {
  Keys alice;
  auto set = signedSet(kAlice, alice);
  EXPECT_FALSE(*service().queryCrossSigningUploadIsNoOp(ctx(), kAlice, set));  // no master yet
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, set).ok());
  EXPECT_TRUE(*service().queryCrossSigningUploadIsNoOp(ctx(), kAlice, set));
  Keys replacement;
  EXPECT_FALSE(
      *service().queryCrossSigningUploadIsNoOp(ctx(), kAlice, signedSet(kAlice, replacement)));
}

TEST_P(CrossSigningTest, DeviceSignedBySelfSigningKeyShowsTheSignature) {
  Keys alice;
  auto deviceKey = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", deviceKey);
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, signedSet(kAlice, alice)).ok());

  json::Object device = deviceKeys(kAlice, "DEV1", deviceKey);
  crypto::signJson(device, kAlice, keyId(alice.selfSigning), alice.selfSigning);
  auto response = service().performUploadSignatures(
      ctx(), kAlice, json::Object{{kAlice, json::Object{{"DEV1", device}}}});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_TRUE(response->failures.empty());

  auto query = service().queryKeys(ctx(), kBob, {{kAlice, {}}});
  const json::Value* stored = query->deviceKeys.find(kAlice)->get("DEV1");
  ASSERT_NE(stored, nullptr);
  EXPECT_TRUE(crypto::verifyJsonSignature(*stored->getObject(), kAlice, keyId(alice.selfSigning),
                                          alice.selfSigning.publicKey())
                  .ok());
  EXPECT_TRUE(crypto::verifyJsonSignature(*stored->getObject(), kAlice, "ed25519:DEV1",
                                          deviceKey.publicKey())
                  .ok());
}

TEST_P(CrossSigningTest, MasterKeySignedByOwnDevice) {
  Keys alice;
  auto deviceKey = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", deviceKey);
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, signedSet(kAlice, alice)).ok());
  json::Object master = crossSigningKey(kAlice, "master", alice.master);
  crypto::signJson(master, kAlice, "ed25519:DEV1", deviceKey);
  std::string pub = alice.master.publicKey().toBase64();
  auto response = service().performUploadSignatures(
      ctx(), kAlice, json::Object{{kAlice, json::Object{{pub, master}}}});
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->failures.empty());
  auto query = service().queryKeys(ctx(), kBob, {{kAlice, {}}});
  EXPECT_TRUE(crypto::verifyJsonSignature(*query->masterKeys.find(kAlice)->getObject(), kAlice,
                                          "ed25519:DEV1", deviceKey.publicKey())
                  .ok());
}

TEST_P(CrossSigningTest, OtherUsersMasterSignedByUserSigningKeyIsVisibleOnlyToTheSigner) {
  Keys alice, bob;
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, signedSet(kAlice, alice)).ok());
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kBob, signedSet(kBob, bob)).ok());
  json::Object bobMaster = crossSigningKey(kBob, "master", bob.master);
  crypto::signJson(bobMaster, kAlice, keyId(alice.userSigning), alice.userSigning);
  auto response = service().performUploadSignatures(
      ctx(), kAlice,
      json::Object{{kBob, json::Object{{bob.master.publicKey().toBase64(), bobMaster}}}});
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->failures.empty());

  auto forAlice = service().queryKeys(ctx(), kAlice, {{kBob, {}}});
  EXPECT_TRUE(crypto::verifyJsonSignature(*forAlice->masterKeys.find(kBob)->getObject(), kAlice,
                                          keyId(alice.userSigning), alice.userSigning.publicKey())
                  .ok());
  auto forBob = service().queryKeys(ctx(), kBob, {{kBob, {}}});
  const json::Value* sigs = forBob->masterKeys.find(kBob)->get("signatures");
  EXPECT_TRUE(sigs == nullptr || sigs->get(kAlice) == nullptr);
}

TEST_P(CrossSigningTest, ReportsBadSignaturesAsFailures) {
  Keys alice;
  auto deviceKey = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", deviceKey);
  ASSERT_TRUE(service().performUploadCrossSigningKeys(ctx(), kAlice, signedSet(kAlice, alice)).ok());
  json::Object device = deviceKeys(kAlice, "DEV1", deviceKey);
  auto stranger = crypto::SigningKey::generate();
  // Claims to be the self-signing key but is signed by another key.
  crypto::signJson(device, kAlice, keyId(alice.selfSigning), stranger);
  auto response = service().performUploadSignatures(
      ctx(), kAlice,
      json::Object{{kAlice, json::Object{{"DEV1", device}, {"NODEVICE", device}}}});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->failures.at(kAlice).at("DEV1").errcode, "M_INVALID_SIGNATURE");
  EXPECT_EQ(response->failures.at(kAlice).at("NODEVICE").errcode, "M_NOT_FOUND");
  auto json = response->toJson();
  EXPECT_TRUE(json.find("failures")->get(kAlice)->get("DEV1") != nullptr);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(CrossSigningTest);

}  // namespace
}  // namespace plexus::keyserver::testing
