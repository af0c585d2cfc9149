// Endpoints answered with the spec's "not available here" answers: support and policy-server
// well-knowns, auth_metadata (legacy auth only), SSO redirects, application-service endpoints.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

using GapDiscoveryTest = RoomApiTest;

TEST_F(GapDiscoveryTest, WellKnownsWithoutConfigurationAreNotFound) {
  Reply support = call("GET", "/.well-known/matrix/support");
  EXPECT_EQ(support.status, 404) << support.raw;
  EXPECT_EQ(support.errcode(), "M_NOT_FOUND");
  EXPECT_EQ(call("GET", "/.well-known/matrix/policy_server").status, 404);
}

TEST_F(GapDiscoveryTest, AuthMetadataSaysLegacyAuthenticationIsInUse) {
  Reply r = call("GET", "/_matrix/client/v1/auth_metadata");
  EXPECT_EQ(r.status, 404) << r.raw;
  EXPECT_EQ(r.errcode(), "M_UNRECOGNIZED");
}

TEST_F(GapDiscoveryTest, SsoRedirectsKnowNoIdentityProvider) {
  Reply plain = call("GET", v3("/login/sso/redirect?redirectUrl=https%3A%2F%2Fapp.example"));
  EXPECT_EQ(plain.status, 404) << plain.raw;
  Reply idp = call("GET", "/_matrix/client/r0/login/sso/redirect/github?redirectUrl=x");
  EXPECT_EQ(idp.status, 404) << idp.raw;
  EXPECT_EQ(idp.errcode(), "M_NOT_FOUND");
}

TEST_F(GapDiscoveryTest, AppserviceEndpointsRefuseUsers) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  Reply ping = call("POST", "/_matrix/client/v1/appservice/irc/ping", json::Object{}, alice);
  EXPECT_EQ(ping.status, 403) << ping.raw;
  EXPECT_EQ(ping.errcode(), "M_FORBIDDEN");
  Reply list = call("PUT", v3("/directory/list/appservice/irc/" + enc(roomId)),
                    json::Object{{"visibility", "public"}}, alice);
  EXPECT_EQ(list.status, 403) << list.raw;
  EXPECT_EQ(call("POST", "/_matrix/client/v1/appservice/irc/ping", "{}", "").status, 401);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
