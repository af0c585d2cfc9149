// Registration, login, tokens and the error mapping of the HTTP front, end to end over HTTP.
#include "client_api_fixture.h"

namespace plexus::clientapi::testing {
namespace {

class AuthTest : public ClientApiTest {};

TEST_F(AuthTest, VersionsListsV3AndR0) {
  Reply r = call("GET", "/_matrix/client/versions");
  ASSERT_EQ(r.status, 200);
  const json::Array* versions = r.body.find("versions")->getArray();
  ASSERT_NE(versions, nullptr);
  bool hasR0 = false, hasV111 = false;
  for (const auto& v : *versions) {
    hasR0 |= *v.getString() == "r0.6.1";
    hasV111 |= *v.getString() == "v1.11";
  }
  EXPECT_TRUE(hasR0);
  EXPECT_TRUE(hasV111);
  EXPECT_TRUE(r.body.find("unstable_features")->isObject());
}

TEST_F(AuthTest, WellKnownGivesBaseUrl) {
  Reply r = call("GET", "/.well-known/matrix/client");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::Value(r.body).get("m.homeserver")->getStringAt("base_url").value_or(""), "https://matrix.test.local");
}

TEST_F(AuthTest, ServerWellKnownIs404WhenNotConfigured) {
  Reply none = call("GET", "/.well-known/matrix/server");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.str("errcode"), "M_NOT_FOUND");
}

class ServerWellKnownTest : public AuthTest {
 protected:
  void configure(ClientApiConfig& config) override {
    config.wellKnownServer = "fed.test.local:8448";
  }
};

TEST_F(ServerWellKnownTest, NamesTheFederationHost) {
  Reply r = call("GET", "/.well-known/matrix/server");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.str("m.server"), "fed.test.local:8448");
}

TEST_F(AuthTest, RegisterWithoutAuthReturnsFlowsThenSucceedsWithDummy) {
  Reply first = call("POST", "/_matrix/client/v3/register",
                     json::Object{{"username", json::Value("alice")}, {"password", json::Value("pw-alice")}});
  ASSERT_EQ(first.status, 401);
  ASSERT_TRUE(first.body.contains("flows"));
  EXPECT_TRUE(first.body.find("params")->isObject());
  std::string session = first.str("session");
  EXPECT_FALSE(session.empty());
  const json::Array& flows = *first.body.find("flows")->getArray();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(*(*flows[0].get("stages")->getArray())[0].getString(), "m.login.dummy");

  TestUser alice = registerUser("alice2");
  EXPECT_EQ(alice.userId, "@alice2:test.local");
  EXPECT_FALSE(alice.accessToken.empty());
  EXPECT_FALSE(alice.deviceId.empty());
}

TEST_F(AuthTest, RegisterWithDummyAuthOnFirstRequestSucceeds) {
  // matrix-nio 0.20 sends the dummy stage without asking for the flows first.
  Reply r = call("POST", "/_matrix/client/r0/register",
                 json::Object{{"username", json::Value("nio")},
                              {"password", json::Value("pw")},
                              {"auth", json::Object{{"type", json::Value("m.login.dummy")}}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.str("user_id"), "@nio:test.local");
}

TEST_F(AuthTest, RegisterTakenNameIsUserInUse) {
  registerUser("bob");
  Reply r = call("POST", "/_matrix/client/v3/register",
                 json::Object{{"username", json::Value("bob")}, {"password", json::Value("x")}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.errcode(), "M_USER_IN_USE");
  Reply available = call("GET", "/_matrix/client/v3/register/available?username=bob");
  EXPECT_EQ(available.errcode(), "M_USER_IN_USE");
  Reply free = call("GET", "/_matrix/client/v3/register/available?username=nobody");
  EXPECT_EQ(free.status, 200);
}

TEST_F(AuthTest, RegisterWithInhibitLoginReturnsOnlyUserId) {
  Reply r = call("POST", "/_matrix/client/v3/register",
                 json::Object{{"username", json::Value("quiet")},
                              {"password", json::Value("pw")},
                              {"inhibit_login", json::Value(true)},
                              {"auth", json::Object{{"type", json::Value("m.login.dummy")}}}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.str("user_id"), "@quiet:test.local");
  EXPECT_FALSE(r.body.contains("access_token"));
}

TEST_F(AuthTest, GuestRegistrationIsRefusedWhenDisabled) {
  Reply r = call("POST", "/_matrix/client/v3/register?kind=guest", json::Object{});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.errcode(), "M_GUEST_ACCESS_FORBIDDEN");
}

TEST_F(AuthTest, WhoamiWithTokenInHeaderAndInQuery) {
  TestUser u = registerUser("carol");
  Reply header = call("GET", "/_matrix/client/v3/account/whoami", "", u.accessToken);
  ASSERT_EQ(header.status, 200);
  EXPECT_EQ(header.str("user_id"), u.userId);
  EXPECT_EQ(header.str("device_id"), u.deviceId);
  EXPECT_EQ(header.body.find("is_guest")->getBool(), false);
  Reply query = call("GET", "/_matrix/client/r0/account/whoami?access_token=" + u.accessToken);
  ASSERT_EQ(query.status, 200);
  EXPECT_EQ(query.str("user_id"), u.userId);
}

TEST_F(AuthTest, MissingTokenIs401MissingToken) {
  Reply r = call("GET", "/_matrix/client/v3/account/whoami");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.errcode(), "M_MISSING_TOKEN");
}

TEST_F(AuthTest, UnknownTokenIs401UnknownToken) {
  Reply r = call("GET", "/_matrix/client/v3/account/whoami", "", "not-a-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.errcode(), "M_UNKNOWN_TOKEN");
}

TEST_F(AuthTest, LoginWithIdentifierAndLegacyUserThenLogout) {
  TestUser u = registerUser("dave", "dave-pw");
  Reply flows = call("GET", "/_matrix/client/v3/login");
  ASSERT_EQ(flows.status, 200);
  EXPECT_NE(flows.raw.find("m.login.password"), std::string::npos);

  Reply login = call("POST", "/_matrix/client/v3/login",
                     json::Object{{"type", json::Value("m.login.password")},
                                  {"identifier", json::Object{{"type", json::Value("m.id.user")}, {"user", json::Value("dave")}}},
                                  {"password", json::Value("dave-pw")},
                                  {"initial_device_display_name", json::Value("laptop")}});
  ASSERT_EQ(login.status, 200) << login.raw;
  EXPECT_EQ(login.str("user_id"), u.userId);
  std::string token = login.str("access_token");

  Reply legacy = call("POST", "/_matrix/client/r0/login",
                      json::Object{{"type", json::Value("m.login.password")},
                                   {"user", json::Value("@dave:test.local")},
                                   {"password", json::Value("dave-pw")}});
  ASSERT_EQ(legacy.status, 200) << legacy.raw;

  Reply wrong = call("POST", "/_matrix/client/v3/login",
                     json::Object{{"type", json::Value("m.login.password")},
                                  {"user", json::Value("dave")},
                                  {"password", json::Value("nope")}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.errcode(), "M_FORBIDDEN");

  Reply out = call("POST", "/_matrix/client/v3/logout", "", token);
  EXPECT_EQ(out.status, 200);
  Reply after = call("GET", "/_matrix/client/v3/account/whoami", "", token);
  EXPECT_EQ(after.errcode(), "M_UNKNOWN_TOKEN");
  // Other sessions survive a single logout, not /logout/all.
  ASSERT_EQ(call("GET", "/_matrix/client/v3/account/whoami", "", u.accessToken).status, 200);
  EXPECT_EQ(call("POST", "/_matrix/client/v3/logout/all", "", u.accessToken).status, 200);
  EXPECT_EQ(call("GET", "/_matrix/client/v3/account/whoami", "", legacy.str("access_token")).errcode(), "M_UNKNOWN_TOKEN");
}

TEST_F(AuthTest, UnknownLoginTypeIs400) {
  Reply r = call("POST", "/_matrix/client/v3/login", json::Object{{"type", json::Value("m.login.magic")}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.errcode(), "M_UNKNOWN");
}

TEST_F(AuthTest, RefreshTokenRotates) {
  registerUser("erin", "erin-pw");
  Reply login = call("POST", "/_matrix/client/v3/login",
                     json::Object{{"type", json::Value("m.login.password")},
                                  {"user", json::Value("erin")},
                                  {"password", json::Value("erin-pw")},
                                  {"refresh_token", json::Value(true)}});
  ASSERT_EQ(login.status, 200);
  ASSERT_TRUE(login.body.contains("refresh_token"));
  ASSERT_TRUE(login.body.contains("expires_in_ms"));
  Reply refreshed = call("POST", "/_matrix/client/v3/refresh",
                         json::Object{{"refresh_token", json::Value(login.str("refresh_token"))}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.raw;
  EXPECT_NE(refreshed.str("access_token"), login.str("access_token"));
  EXPECT_EQ(call("GET", "/_matrix/client/v3/account/whoami", "", refreshed.str("access_token")).status, 200);
  Reply reused = call("POST", "/_matrix/client/v3/refresh",
                      json::Object{{"refresh_token", json::Value(login.str("refresh_token"))}});
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(reused.errcode(), "M_UNKNOWN_TOKEN");
}

TEST_F(AuthTest, NotJsonAndBadJsonBodies) {
  Reply notJson = call("POST", "/_matrix/client/v3/login", std::string("{not json"));
  EXPECT_EQ(notJson.status, 400);
  EXPECT_EQ(notJson.errcode(), "M_NOT_JSON");
  Reply array = call("POST", "/_matrix/client/v3/login", std::string("[1,2]"));
  EXPECT_EQ(array.status, 400);
  EXPECT_EQ(array.errcode(), "M_BAD_JSON");
  Reply wrongType = call("POST", "/_matrix/client/v3/login", std::string(R"({"type": 5})"));
  EXPECT_EQ(wrongType.errcode(), "M_BAD_JSON");
  Reply duplicate = call("POST", "/_matrix/client/v3/login", std::string(R"({"type":"a","type":"b"})"));
  EXPECT_EQ(duplicate.errcode(), "M_NOT_JSON");
  Reply missing = call("POST", "/_matrix/client/v3/refresh", std::string("{}"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.errcode(), "M_MISSING_PARAM");
}

TEST_F(AuthTest, UnknownEndpointIs404AndWrongMethodIs405) {
  Reply unknown = call("GET", "/_matrix/client/v3/no/such/endpoint");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.errcode(), "M_UNRECOGNIZED");
  Reply badVersion = call("GET", "/_matrix/client/v9/account/whoami");
  EXPECT_EQ(badVersion.status, 404);
  Reply method = call("DELETE", "/_matrix/client/v3/account/whoami");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.errcode(), "M_UNRECOGNIZED");
}

TEST_F(AuthTest, ChangePasswordNeedsPasswordAuth) {
  TestUser u = registerUser("frank", "old-pw");
  json::Object body{{"new_password", json::Value("new-pw")}, {"logout_devices", json::Value(false)}};
  Reply challenge = call("POST", "/_matrix/client/v3/account/password", body, u.accessToken);
  ASSERT_EQ(challenge.status, 401);
  EXPECT_NE(challenge.raw.find("m.login.password"), std::string::npos);

  json::Object wrong = body;
  wrong.set("auth", json::Object{{"type", json::Value("m.login.password")},
                                 {"identifier", json::Object{{"type", json::Value("m.id.user")}, {"user", json::Value("frank")}}},
                                 {"password", json::Value("bad")},
                                 {"session", json::Value(challenge.str("session"))}});
  Reply refused = call("POST", "/_matrix/client/v3/account/password", wrong, u.accessToken);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.errcode(), "M_FORBIDDEN");

  json::Object good = body;
  good.set("auth", json::Object{{"type", json::Value("m.login.password")}, {"user", json::Value("@frank:test.local")},
                                {"password", json::Value("old-pw")}});
  Reply changed = call("POST", "/_matrix/client/v3/account/password", good, u.accessToken);
  ASSERT_EQ(changed.status, 200) << changed.raw;
  Reply login = call("POST", "/_matrix/client/v3/login",
                     json::Object{{"type", json::Value("m.login.password")}, {"user", json::Value("frank")},
                                  {"password", json::Value("new-pw")}});
  EXPECT_EQ(login.status, 200);
}

TEST_F(AuthTest, DeactivateLocksTheAccount) {
  TestUser u = registerUser("gone", "gone-pw");
  Reply done = call("POST", "/_matrix/client/v3/account/deactivate",
                    json::Object{{"auth", json::Object{{"type", json::Value("m.login.password")},
                                                       {"user", json::Value("gone")},
                                                       {"password", json::Value("gone-pw")}}}},
                    u.accessToken);
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.str("id_server_unbind_result"), "no-support");
  EXPECT_EQ(call("GET", "/_matrix/client/v3/account/whoami", "", u.accessToken).errcode(), "M_UNKNOWN_TOKEN");
  Reply login = call("POST", "/_matrix/client/v3/login",
                     json::Object{{"type", json::Value("m.login.password")}, {"user", json::Value("gone")},
                                  {"password", json::Value("gone-pw")}});
  EXPECT_EQ(login.status, 403);
}

TEST_F(AuthTest, ThreepidEndpointsAreRefused) {
  TestUser u = registerUser("tp");
  Reply list = call("GET", "/_matrix/client/v3/account/3pid", "", u.accessToken);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.body.find("threepids")->getArray()->empty());
  Reply add = call("POST", "/_matrix/client/v3/account/3pid/add", json::Object{}, u.accessToken);
  EXPECT_EQ(add.status, 403);
  EXPECT_EQ(add.errcode(), "M_THREEPID_DENIED");
  Reply token = call("POST", "/_matrix/client/v3/register/email/requestToken", json::Object{});
  EXPECT_EQ(token.errcode(), "M_THREEPID_DENIED");
}

TEST_F(AuthTest, CapabilitiesListRoomVersions) {
  TestUser u = registerUser("caps");
  Reply r = call("GET", "/_matrix/client/v3/capabilities", "", u.accessToken);
  ASSERT_EQ(r.status, 200);
  const json::Value body(r.body);
  const json::Value* versions = body.get("capabilities")->get("m.room_versions");
  ASSERT_NE(versions, nullptr);
  EXPECT_EQ(versions->getStringAt("default").value_or(""), "12");
  EXPECT_EQ(versions->get("available")->getStringAt("1").value_or(""), "stable");
  EXPECT_EQ(versions->get("available")->getStringAt("12").value_or(""), "stable");
}

TEST_F(AuthTest, CorsPreflightIsAnswered) {
  Reply r = call("OPTIONS", "/_matrix/client/v3/account/whoami");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers.contains("Access-Control-Allow-Origin"));
}

// ---- limits ----

class BodyLimitTest : public ClientApiTest {
  void configure(ClientApiConfig& config) override { config.maxBodyBytes = 64 * 1024; }
};

TEST_F(BodyLimitTest, OversizedBodyIs413TooLarge) {
  std::string big = "{\"x\":\"" + std::string(100 * 1024, 'a') + "\"}";
  Reply r = call("POST", "/_matrix/client/v3/login", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.errcode(), "M_TOO_LARGE");
}

class RateLimitTest : public ClientApiTest {
  void configure(ClientApiConfig& config) override {
    config.rateLimit.requestsPerSecond = 0.5;
    config.rateLimit.burst = 3;
  }
};

TEST_F(RateLimitTest, TooManyRequestsAre429WithRetryAfter) {
  Reply limited;
  for (int i = 0; i < 10 && limited.status != 429; ++i) {
    limited = call("POST", "/_matrix/client/v3/login",
                   json::Object{{"type", json::Value("m.login.password")}, {"user", json::Value("x")},
                                {"password", json::Value("y")}});
  }
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.errcode(), "M_LIMIT_EXCEEDED");
  ASSERT_TRUE(limited.body.contains("retry_after_ms"));
  EXPECT_GT(*limited.body.find("retry_after_ms")->getInt(), 0);
  // /versions is exempt.
  EXPECT_EQ(call("GET", "/_matrix/client/versions").status, 200);
}

}  // namespace
}  // namespace plexus::clientapi::testing
