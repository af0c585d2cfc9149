// POST /_matrix/client/v1/login/get_token and POST /login {type: m.login.token} over HTTP:
// discovery (GET /login flow, capability), user-interactive auth, single use.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

using GapLoginTokenTest = RoomApiTest;

constexpr const char* kGetToken = "/_matrix/client/v1/login/get_token";

json::Object passwordAuth(const TestUser& user, const std::string& password) {
  return json::Object{{"auth", json::Object{{"type", "m.login.password"},
                                            {"identifier", json::Object{{"type", "m.id.user"},
                                                                        {"user", user.userId}}},
                                            {"password", password}}}};
}

TEST_F(GapLoginTokenTest, AdvertisesTokenLogin) {
  TestUser alice = registerUser("alice");
  Reply flows = call("GET", v3("/login"));
  ASSERT_EQ(flows.status, 200) << flows.raw;
  bool found = false;
  for (const auto& flow : *flows.get("flows")->getArray()) {
    if (flow.getStringAt("type") == std::optional<std::string_view>("m.login.token")) {
      found = true;
      EXPECT_EQ(*flow.get("get_login_token"), json::Value(true));
    }
  }
  EXPECT_TRUE(found) << flows.raw;
  Reply caps = get(v3("/capabilities"), alice);
  ASSERT_EQ(caps.status, 200);
  EXPECT_EQ(*caps.get("capabilities")->get("m.get_login_token")->get("enabled"), json::Value(true));
}

TEST_F(GapLoginTokenTest, IssuesTokenAfterPasswordAndLogsInOnce) {
  TestUser alice = registerUser("alice", "alice-password");
  Reply challenge = call("POST", kGetToken, json::Object{}, alice);
  ASSERT_EQ(challenge.status, 401) << challenge.raw;
  EXPECT_NE(challenge.raw.find("m.login.password"), std::string::npos);

  Reply wrong = call("POST", kGetToken, passwordAuth(alice, "nope"), alice);
  EXPECT_EQ(wrong.status, 401) << wrong.raw;

  Reply issued = call("POST", kGetToken, passwordAuth(alice, "alice-password"), alice);
  ASSERT_EQ(issued.status, 200) << issued.raw;
  EXPECT_EQ(*issued.get("expires_in_ms"), json::Value(std::int64_t{120000}));
  const std::string token = issued.str("login_token");
  ASSERT_FALSE(token.empty());

  Reply login =
      call("POST", v3("/login"), toText(json::Object{{"type", "m.login.token"}, {"token", token}}));
  ASSERT_EQ(login.status, 200) << login.raw;
  EXPECT_EQ(login.str("user_id"), alice.userId);
  EXPECT_NE(login.str("device_id"), alice.deviceId);
  Reply whoami = call("GET", v3("/account/whoami"), "", login.str("access_token"));
  ASSERT_EQ(whoami.status, 200) << whoami.raw;
  EXPECT_EQ(whoami.str("user_id"), alice.userId);

  Reply again =
      call("POST", v3("/login"), toText(json::Object{{"type", "m.login.token"}, {"token", token}}));
  EXPECT_EQ(again.status, 403) << again.raw;
  EXPECT_EQ(again.errcode(), "M_FORBIDDEN");
  Reply missing = call("POST", v3("/login"), toText(json::Object{{"type", "m.login.token"}}));
  EXPECT_EQ(missing.status, 400) << missing.raw;
  EXPECT_EQ(call("POST", kGetToken, "{}", "").status, 401);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
