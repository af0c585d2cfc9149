// GET/PUT /_matrix/client/v1/admin/lock/{userId} over HTTP: admins only (checked before any
// lookup), the spec's 400/403/404 answers, and the lock's effect on the target's token and login.
#include "accountsync/api/accountsync_api.h"
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class GapAdminTest : public RoomApiTest {
 protected:
  TestUser registerAdmin(const std::string& localpart) {
    accountsync::RegisterRequest request;
    request.localpart = localpart;
    request.password = "admin-password";
    request.admin = true;
    auto made = accounts_->performRegister(CallContext{}, request);
    EXPECT_TRUE(made.ok());
    return made.ok() ? TestUser{made->userId, made->deviceId, made->accessToken} : TestUser{};
  }
  static std::string lock(const std::string& userId) {
    return "/_matrix/client/v1/admin/lock/" + enc(userId);
  }
};

TEST_F(GapAdminTest, AdminLocksAndUnlocksAccount) {
  TestUser root = registerAdmin("root");
  TestUser alice = registerUser("alice", "alice-password");
  Reply before = get(lock(alice.userId), root);
  ASSERT_EQ(before.status, 200) << before.raw;
  EXPECT_EQ(*before.get("locked"), json::Value(false));

  Reply locked = call("PUT", lock(alice.userId), json::Object{{"locked", true}}, root);
  ASSERT_EQ(locked.status, 200) << locked.raw;
  EXPECT_EQ(*locked.get("locked"), json::Value(true));
  EXPECT_EQ(*get(lock(alice.userId), root).get("locked"), json::Value(true));

  Reply refused = get(v3("/account/whoami"), alice);
  EXPECT_EQ(refused.status, 401) << refused.raw;
  EXPECT_EQ(refused.errcode(), "M_USER_LOCKED");
  Reply login = call(
      "POST", v3("/login"),
      toText(json::Object{{"type", "m.login.password"},
                          {"identifier", json::Object{{"type", "m.id.user"}, {"user", "alice"}}},
                          {"password", "alice-password"}}));
  EXPECT_EQ(login.status, 401) << login.raw;
  EXPECT_EQ(login.errcode(), "M_USER_LOCKED");

  ASSERT_EQ(call("PUT", lock(alice.userId), json::Object{{"locked", false}}, root).status, 200);
  EXPECT_EQ(get(v3("/account/whoami"), alice).status, 200);
}

TEST_F(GapAdminTest, RefusesNonAdminsBeforeLookingUsersUp) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  Reply forbidden = get(lock(bob.userId), alice);
  EXPECT_EQ(forbidden.status, 403) << forbidden.raw;
  EXPECT_EQ(forbidden.errcode(), "M_FORBIDDEN");
  // Same answer for a user that does not exist: no enumeration.
  EXPECT_EQ(get(lock("@ghost:test.local"), alice).status, 403);
  EXPECT_EQ(call("PUT", lock(bob.userId), json::Object{{"locked", true}}, alice).status, 403);
  EXPECT_EQ(get(v3("/account/whoami"), bob).status, 200);
}

TEST_F(GapAdminTest, AnswersSpecErrorsForBadTargets) {
  TestUser root = registerAdmin("root");
  TestUser other = registerAdmin("other");
  EXPECT_EQ(get(lock("@someone:elsewhere.org"), root).status, 400);
  EXPECT_EQ(get(lock("not-a-user"), root).status, 400);
  Reply ghost = get(lock("@ghost:test.local"), root);
  EXPECT_EQ(ghost.status, 404) << ghost.raw;
  EXPECT_EQ(ghost.errcode(), "M_NOT_FOUND");
  EXPECT_EQ(call("PUT", lock(other.userId), json::Object{{"locked", true}}, root).status, 403);
  EXPECT_EQ(call("PUT", lock(root.userId), json::Object{{"locked", true}}, root).status, 403);
  TestUser alice = registerUser("alice");
  EXPECT_EQ(call("PUT", lock(alice.userId), json::Object{}, root).status, 400);
  EXPECT_EQ(call("PUT", lock(alice.userId), json::Object{{"locked", "yes"}}, root).status, 400);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
