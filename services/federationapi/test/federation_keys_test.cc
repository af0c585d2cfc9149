// /user/devices, /user/keys/query and /user/keys/claim against the real keyserver: only our
// users are answered, device lists carry keys and display names, a one-time key is given once.
#include "federation_routes_fixture.h"
#include "keyserver/impl/keyserver_service.h"
#include "plexus/crypto/json_signing.h"

namespace plexus::federationapi {
namespace {

class FederationKeysTest : public testing::FederationRoutesTest {
 protected:
  void configure(FederationDeps& deps) override {
    keyserver_ = std::make_unique<keyserver::KeyserverService>(database_->db(), *outbox_,
                                                               keyserver::KeyserverOptions{});
    ASSERT_TRUE(keyserver_->migrate().ok());
    deps.keyserver = keyserver_.get();
  }
  void TearDown() override {
    routes_.reset();
    keyserver_.reset();
    FederationRoutesTest::TearDown();
  }

  void uploadDevice(const std::string& device) {
    accountsync::RegisterRequest reg;
    reg.localpart = "alice";
    reg.deviceId = device;
    reg.initialDeviceDisplayName = "Phone";
    (void)accounts_->performRegister(ctx_, reg);
    json::Object keys{
        {"algorithms", json::Array{"m.olm.v1.curve25519-aes-sha2"}},
        {"device_id", device},
        {"keys", json::Object{{"curve25519:" + device, "curve-" + device},
                              {"ed25519:" + device, deviceKey_.publicKey().toBase64()}}},
        {"user_id", testing::kAlice}};
    crypto::signJson(keys, testing::kAlice, "ed25519:" + device, deviceKey_);
    json::Object otks{{"signed_curve25519:AAAA", json::Object{{"key", "otk1"}}}};
    auto uploaded = keyserver_->performUploadKeys(ctx_, testing::kAlice, device, keys, otks, {});
    ASSERT_TRUE(uploaded.ok()) << uploaded.error().message;
  }

  crypto::SigningKey deviceKey_ = crypto::SigningKey::generate();
  std::unique_ptr<keyserver::KeyserverService> keyserver_;
};

TEST_F(FederationKeysTest, UserDevicesListsKeysAndNames) {
  uploadDevice("DEV1");
  auto reply = call("GET", "/_matrix/federation/v1/user/devices/@alice:us.test");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body.find("user_id")->getString() ? *reply.body.find("user_id")->getString() : "",
            testing::kAlice);
  EXPECT_TRUE(reply.body.find("stream_id")->getInt());
  auto* devices = reply.body.find("devices")->getArray();
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].getStringAt("device_id"), "DEV1");
  EXPECT_EQ((*devices)[0].getStringAt("device_display_name"), "Phone");
  EXPECT_TRUE((*devices)[0].get("keys"));
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/user/devices/@bob:remote.test").status, 400);
}

TEST_F(FederationKeysTest, KeysQueryAnswersOnlyOurUsers) {
  uploadDevice("DEV1");
  json::Object body{{"device_keys", json::Object{{testing::kAlice, json::Array{}},
                                                 {"@bob:remote.test", json::Array{}}}}};
  auto reply = call("POST", "/_matrix/federation/v1/user/keys/query", body);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  const json::Value* keys = reply.body.find("device_keys");
  ASSERT_TRUE(keys && keys->get(testing::kAlice) && keys->get(testing::kAlice)->get("DEV1"));
  EXPECT_FALSE(keys->get("@bob:remote.test"));
  EXPECT_EQ(call("POST", "/_matrix/federation/v1/user/keys/query", json::Object{{"device_keys", 1}})
                .status,
            400);
}

TEST_F(FederationKeysTest, KeysClaimGivesAOneTimeKeyOnce) {
  uploadDevice("DEV1");
  json::Object body{{"one_time_keys",
                     json::Object{{testing::kAlice, json::Object{{"DEV1", "signed_curve25519"}}}}}};
  auto first = call("POST", "/_matrix/federation/v1/user/keys/claim", body);
  ASSERT_EQ(first.status, 200) << first.raw;
  const json::Value* claimed = first.body.find("one_time_keys")->get(testing::kAlice);
  ASSERT_TRUE(claimed && claimed->get("DEV1"));
  EXPECT_TRUE(claimed->get("DEV1")->get("signed_curve25519:AAAA"));
  auto second = call("POST", "/_matrix/federation/v1/user/keys/claim", body);
  ASSERT_EQ(second.status, 200);
  const json::Value* again = second.body.find("one_time_keys")->get(testing::kAlice);
  EXPECT_TRUE(!again || !again->get("DEV1"));
}

}  // namespace
}  // namespace plexus::federationapi
