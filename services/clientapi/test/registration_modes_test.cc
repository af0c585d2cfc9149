// Registration modes (disabled, guests) and the cross-signing upload's auth rule, over HTTP.
#include "client_api_fixture.h"
#include "plexus/crypto/json_signing.h"

namespace plexus::clientapi::testing {
namespace {

class ClosedRegistrationTest : public ClientApiTest {
  void configure(ClientApiConfig& config) override { config.registrationEnabled = false; }
};

TEST_F(ClosedRegistrationTest, RegisterIsForbidden) {
  Reply r = call("POST", "/_matrix/client/v3/register",
                 json::Object{{"username", json::Value("x")}, {"password", json::Value("y")},
                              {"auth", json::Object{{"type", json::Value("m.login.dummy")}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.errcode(), "M_FORBIDDEN");
}

class GuestTest : public ClientApiTest {
  void configure(ClientApiConfig& config) override { config.guestAccessEnabled = true; }
};

TEST_F(GuestTest, GuestsRegisterWithoutAuthAndAreLimitedToGuestEndpoints) {
  Reply r = call("POST", "/_matrix/client/v3/register?kind=guest", json::Object{});
  ASSERT_EQ(r.status, 200) << r.raw;
  std::string token = r.str("access_token");
  ASSERT_FALSE(token.empty());
  Reply whoami = call("GET", "/_matrix/client/v3/account/whoami", "", token);
  ASSERT_EQ(whoami.status, 200);
  EXPECT_EQ(whoami.body.find("is_guest")->getBool(), true);
  Reply forbidden = call("GET", "/_matrix/client/v3/pushers", "", token);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.errcode(), "M_GUEST_ACCESS_FORBIDDEN");
}

class CrossSigningTest : public ClientApiTest {
 protected:
  json::Object crossKey(const TestUser& u, const crypto::SigningKey& key, const char* usage,
                        const crypto::SigningKey* signer) {
    std::string pub = key.publicKey().toBase64();
    json::Object o{{"user_id", json::Value(u.userId)},
                   {"usage", json::Array{json::Value(usage)}},
                   {"keys", json::Object{{"ed25519:" + pub, json::Value(pub)}}}};
    if (signer) crypto::signJson(o, u.userId, "ed25519:" + signer->publicKey().toBase64(), *signer);
    return o;
  }
};

TEST_F(CrossSigningTest, FirstUploadNeedsNoAuthReplacementDoes) {
  TestUser u = registerUser("xs", "xs-pw");
  auto master = crypto::SigningKey::generate();
  auto self = crypto::SigningKey::generate();
  json::Object body{{"master_key", crossKey(u, master, "master", nullptr)},
                    {"self_signing_key", crossKey(u, self, "self_signing", &master)}};
  Reply first = call("POST", "/_matrix/client/v3/keys/device_signing/upload", body, u.accessToken);
  ASSERT_EQ(first.status, 200) << first.raw;
  // Uploading the same keys again is a no-op and needs no auth either.
  EXPECT_EQ(call("POST", "/_matrix/client/v3/keys/device_signing/upload", body, u.accessToken).status, 200);

  auto master2 = crypto::SigningKey::generate();
  json::Object replace{{"master_key", crossKey(u, master2, "master", nullptr)}};
  Reply challenge = call("POST", "/_matrix/client/v3/keys/device_signing/upload", replace, u.accessToken);
  ASSERT_EQ(challenge.status, 401) << challenge.raw;
  replace.set("auth", json::Object{{"type", json::Value("m.login.password")}, {"user", json::Value("xs")},
                                   {"password", json::Value("xs-pw")}});
  Reply replaced = call("POST", "/_matrix/client/v3/keys/device_signing/upload", replace, u.accessToken);
  EXPECT_EQ(replaced.status, 200) << replaced.raw;
}

TEST_F(ClientApiTest, ProfileKeysOtherThanDisplaynameAndAvatarAreRefused) {
  TestUser u = registerUser("pk");
  std::string base = "/_matrix/client/v3/profile/" + u.userId;
  EXPECT_EQ(call("PUT", base + "/m.tz", json::Object{{"m.tz", json::Value("Europe/Paris")}}, u.accessToken).status, 403);
  EXPECT_EQ(call("GET", base + "/displayname").status, 404);
  ASSERT_EQ(call("PUT", base + "/displayname", json::Object{{"displayname", json::Value("P")}}, u.accessToken).status, 200);
  EXPECT_EQ(call("GET", base + "/displayname").str("displayname"), "P");
  ASSERT_EQ(call("DELETE", base + "/displayname", "", u.accessToken).status, 200);
  EXPECT_EQ(call("GET", base + "/displayname").status, 404);
}

TEST_F(ClientApiTest, UserReportIsAccepted) {
  TestUser a = registerUser("rep1");
  TestUser b = registerUser("rep2");
  EXPECT_EQ(call("POST", "/_matrix/client/v3/users/" + b.userId + "/report", json::Object{{"reason", json::Value("spam")}},
                 a.accessToken).status,
            200);
  EXPECT_EQ(call("POST", "/_matrix/client/v3/users/" + b.userId + "/report", json::Object{}, a.accessToken).errcode(),
            "M_MISSING_PARAM");
}

}  // namespace
}  // namespace plexus::clientapi::testing
