// GET/PUT /_matrix/client/v1/admin/lock/{userId} and .../admin/suspend/{userId} over HTTP:
// admins only (checked before any lookup), the spec's 400/403/404 answers, the capability, and
// their effect through the real routes: a locked account gets 401 M_USER_LOCKED with
// soft_logout everywhere but logout; a suspended one gets 403 M_USER_SUSPENDED on writes while
// reads, leaving, redacting its own events and logging out go on.
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
  static std::string suspend(const std::string& userId) {
    return "/_matrix/client/v1/admin/suspend/" + enc(userId);
  }
  static void expectSuspended(const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 403) << what << ": " << r.raw;
    EXPECT_EQ(r.errcode(), "M_USER_SUSPENDED") << what;
  }
  static void expectLocked(const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.raw;
    EXPECT_EQ(r.errcode(), "M_USER_LOCKED") << what;
    const json::Value* soft = r.get("soft_logout");
    EXPECT_TRUE(soft && *soft == json::Value(true)) << what << ": " << r.raw;
  }
  TestUser login(const std::string& user, const std::string& password) {
    Reply r = call(
        "POST", v3("/login"),
        toText(json::Object{{"type", "m.login.password"},
                            {"identifier", json::Object{{"type", "m.id.user"}, {"user", user}}},
                            {"password", password}}));
    EXPECT_EQ(r.status, 200) << r.raw;
    return TestUser{r.str("user_id"), r.str("device_id"), r.str("access_token")};
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

  expectLocked(get(v3("/account/whoami"), alice), "whoami");
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

TEST_F(GapAdminTest, LockedAccountGetsSoftLogoutEverywhereButLogout) {
  TestUser root = registerAdmin("root");
  TestUser alice = registerUser("alice", "alice-password");
  TestUser laptop = login("alice", "alice-password");
  TestUser phone = login("alice", "alice-password");
  const std::string roomId = createRoom(alice);
  ASSERT_EQ(call("PUT", lock(alice.userId), json::Object{{"locked", true}}, root).status, 200);

  expectLocked(get(v3("/sync?timeout=0"), alice), "sync");
  expectLocked(get(room(roomId, "/messages?dir=b"), alice), "messages");
  expectLocked(call("PUT", room(roomId, "/send/m.room.message/t1"),
                    json::Object{{"msgtype", "m.text"}, {"body", "hi"}}, alice),
               "send");
  expectLocked(call("POST", v3("/createRoom"), json::Object{}, alice), "createRoom");
  expectLocked(get(v3("/devices"), alice), "devices");
  expectLocked(call("PUT", v3("/profile/" + enc(alice.userId) + "/displayname"),
                    json::Object{{"displayname", "A"}}, alice),
               "profile");
  expectLocked(get(v3("/capabilities"), alice), "capabilities");

  // SPEC: logout and logout/all still work for a locked account.
  Reply out = call("POST", v3("/logout"), json::Object{}, laptop);
  EXPECT_EQ(out.status, 200) << out.raw;
  Reply gone = get(v3("/account/whoami"), laptop);
  EXPECT_EQ(gone.status, 401);
  EXPECT_EQ(gone.errcode(), "M_UNKNOWN_TOKEN");  // logged out, no longer just locked
  Reply all = call("POST", v3("/logout/all"), json::Object{}, phone);
  EXPECT_EQ(all.status, 200) << all.raw;

  // Unlocking does not bring back the sessions that logged out.
  ASSERT_EQ(call("PUT", lock(alice.userId), json::Object{{"locked", false}}, root).status, 200);
  EXPECT_EQ(get(v3("/account/whoami"), alice).errcode(), "M_UNKNOWN_TOKEN");
  EXPECT_EQ(get(v3("/account/whoami"), phone).errcode(), "M_UNKNOWN_TOKEN");
  EXPECT_EQ(login("alice", "alice-password").userId, alice.userId);
}

TEST_F(GapAdminTest, AdminSuspendsAndUnsuspendsAccount) {
  TestUser root = registerAdmin("root");
  TestUser alice = registerUser("alice");
  Reply before = get(suspend(alice.userId), root);
  ASSERT_EQ(before.status, 200) << before.raw;
  EXPECT_EQ(*before.get("suspended"), json::Value(false));

  Reply suspended = call("PUT", suspend(alice.userId), json::Object{{"suspended", true}}, root);
  ASSERT_EQ(suspended.status, 200) << suspended.raw;
  EXPECT_EQ(*suspended.get("suspended"), json::Value(true));
  EXPECT_EQ(*get(suspend(alice.userId), root).get("suspended"), json::Value(true));
  EXPECT_EQ(*get(lock(alice.userId), root).get("locked"), json::Value(false));  // independent
  expectSuspended(call("POST", v3("/createRoom"), json::Object{}, alice), "createRoom");

  ASSERT_EQ(call("PUT", suspend(alice.userId), json::Object{{"suspended", false}}, root).status,
            200);
  EXPECT_EQ(*get(suspend(alice.userId), root).get("suspended"), json::Value(false));
  EXPECT_FALSE(createRoom(alice).empty());
}

TEST_F(GapAdminTest, SuspendAnswersLikeLockForBadRequests) {
  TestUser root = registerAdmin("root");
  TestUser other = registerAdmin("other");
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  // Not an admin: 403 before any lookup, for real and unknown users alike.
  EXPECT_EQ(get(suspend(bob.userId), alice).errcode(), "M_FORBIDDEN");
  EXPECT_EQ(get(suspend("@ghost:test.local"), alice).status, 403);
  EXPECT_EQ(call("PUT", suspend(bob.userId), json::Object{{"suspended", true}}, alice).status, 403);
  EXPECT_EQ(get(suspend("@someone:elsewhere.org"), root).errcode(), "M_INVALID_PARAM");
  EXPECT_EQ(get(suspend("@ghost:test.local"), root).errcode(), "M_NOT_FOUND");
  EXPECT_EQ(call("PUT", suspend(other.userId), json::Object{{"suspended", true}}, root).status,
            403);
  EXPECT_EQ(call("PUT", suspend(root.userId), json::Object{{"suspended", true}}, root).status, 403);
  EXPECT_EQ(call("PUT", suspend(bob.userId), json::Object{}, root).errcode(), "M_MISSING_PARAM");
  EXPECT_EQ(call("PUT", suspend(bob.userId), json::Object{{"suspended", 1}}, root).errcode(),
            "M_BAD_JSON");
}

TEST_F(GapAdminTest, CapabilityTellsAdminsTheyMayLockAndSuspend) {
  TestUser root = registerAdmin("root");
  TestUser alice = registerUser("alice");
  Reply admin = get(v3("/capabilities"), root);
  ASSERT_EQ(admin.status, 200) << admin.raw;
  const json::Value* moderation = admin.get("capabilities")->get("m.account_moderation");
  ASSERT_NE(moderation, nullptr) << admin.raw;
  EXPECT_EQ(*moderation->get("lock"), json::Value(true));
  EXPECT_EQ(*moderation->get("suspend"), json::Value(true));
  Reply user = get(v3("/capabilities"), alice);
  moderation = user.get("capabilities")->get("m.account_moderation");
  ASSERT_NE(moderation, nullptr) << user.raw;
  EXPECT_EQ(*moderation->get("lock"), json::Value(false));
  EXPECT_EQ(*moderation->get("suspend"), json::Value(false));
}

TEST_F(GapAdminTest, SuspendedAccountReadsLeavesAndRedactsItsOwnButWritesNothing) {
  TestUser root = registerAdmin("root");
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  TestUser carol = registerUser("carol");
  const std::string lounge = createRoom(bob, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(join(alice, lounge).status, 200);
  const std::string own = send(alice, lounge, "mine");
  const std::string bobs = send(bob, lounge, "his");
  const std::string invitedTo = createRoom(bob);
  ASSERT_EQ(
      call("POST", room(invitedTo, "/invite"), json::Object{{"user_id", alice.userId}}, bob).status,
      200);
  const std::string other = createRoom(bob, json::Object{{"preset", "public_chat"}});
  ASSERT_EQ(call("PUT", suspend(alice.userId), json::Object{{"suspended", true}}, root).status,
            200);

  // Writes the spec recommends refusing.
  expectSuspended(call("PUT", room(lounge, "/send/m.room.message/s1"),
                       json::Object{{"msgtype", "m.text"}, {"body", "spam"}}, alice),
                  "send");
  expectSuspended(
      call("PUT", room(lounge, "/state/m.room.topic"), json::Object{{"topic", "spam"}}, alice),
      "state");
  expectSuspended(call("POST", v3("/createRoom"), json::Object{}, alice), "createRoom");
  expectSuspended(join(alice, other), "join");
  expectSuspended(call("POST", room(invitedTo, "/join"), json::Object{}, alice), "accept invite");
  expectSuspended(call("POST", v3("/knock/" + enc(other)), json::Object{}, alice), "knock");
  expectSuspended(
      call("POST", room(lounge, "/invite"), json::Object{{"user_id", carol.userId}}, alice),
      "invite");
  expectSuspended(call("PUT", v3("/profile/" + enc(alice.userId) + "/displayname"),
                       json::Object{{"displayname", "Spammer"}}, alice),
                  "displayname");
  expectSuspended(call("PUT", v3("/profile/" + enc(alice.userId) + "/avatar_url"),
                       json::Object{{"avatar_url", "mxc://x/y"}}, alice),
                  "avatar");
  expectSuspended(call("PUT", room(lounge, "/redact/" + enc(bobs) + "/r1"), json::Object{}, alice),
                  "redact another user's event");
  expectSuspended(call("PUT", v3("/directory/room/" + enc("#spam:test.local")),
                       json::Object{{"room_id", lounge}}, alice),
                  "alias");
  // Nothing reached the room.
  Reply messages = get(room(lounge, "/messages?dir=b&limit=50"), bob);
  ASSERT_EQ(messages.status, 200);
  EXPECT_EQ(messages.raw.find("spam"), std::string::npos) << messages.raw;

  // What stays possible: reads, own redactions, account data, leaving, rejecting invites.
  EXPECT_EQ(get(v3("/account/whoami"), alice).status, 200);
  EXPECT_EQ(get(v3("/sync?timeout=0"), alice).status, 200);
  EXPECT_EQ(get(room(lounge, "/messages?dir=b"), alice).status, 200);
  EXPECT_EQ(get(v3("/profile/" + enc(alice.userId)), alice).status, 200);
  Reply redacted = call("PUT", room(lounge, "/redact/" + enc(own) + "/r2"), json::Object{}, alice);
  EXPECT_EQ(redacted.status, 200) << redacted.raw;
  EXPECT_EQ(call("PUT", v3("/user/" + enc(alice.userId) + "/account_data/org.example.x"),
                 json::Object{{"a", 1}}, alice)
                .status,
            200);
  Reply rejected = call("POST", room(invitedTo, "/leave"), json::Object{}, alice);
  EXPECT_EQ(rejected.status, 200) << rejected.raw;
  Reply left = call("POST", room(lounge, "/leave"), json::Object{}, alice);
  EXPECT_EQ(left.status, 200) << left.raw;
  Reply out = call("POST", v3("/logout"), json::Object{}, alice);
  EXPECT_EQ(out.status, 200) << out.raw;
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
