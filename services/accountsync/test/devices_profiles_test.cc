// Devices (list, get, rename, delete, last-seen), profiles and the user directory through
// AccountSyncApi, on SQLite and PostgreSQL.
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using DevicesProfilesTest = AccountSyncServiceTest;

LoginResult loginAgain(AccountSyncApi& api, const CallContext& ctx, const std::string& user,
                       const std::string& device) {
  PasswordLoginRequest login{user, "pw", device, std::nullopt, false};
  auto r = api.performPasswordLogin(ctx, login);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : LoginResult{};
}

TEST_P(DevicesProfilesTest, ListsRenamesAndDeletesDevices) {
  LoginResult a = registerUser("alice");
  LoginResult b = loginAgain(api(), ctx(), "alice", "BBBB");
  auto devices = api().queryDevices(ctx(), a.userId);
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->size(), 2u);

  ASSERT_TRUE(api().performUpdateDevice(ctx(), a.userId, "BBBB", "Laptop").ok());
  EXPECT_EQ(api().queryDevice(ctx(), a.userId, "BBBB")->displayName, "Laptop");
  ASSERT_TRUE(api().performUpdateDevice(ctx(), a.userId, "BBBB", std::nullopt).ok());
  EXPECT_FALSE(api().queryDevice(ctx(), a.userId, "BBBB")->displayName.has_value());
  EXPECT_EQ(api().performUpdateDevice(ctx(), a.userId, "NOPE", "x").error().code,
            ErrorCode::kNotFound);

  ASSERT_TRUE(api().performDeleteDevices(ctx(), a.userId, {"BBBB", "UNKNOWN"}).ok());
  EXPECT_FALSE(api().queryAccessToken(ctx(), b.accessToken).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), a.accessToken).ok());
  EXPECT_EQ(api().queryDevices(ctx(), a.userId)->size(), 1u);
}

TEST_P(DevicesProfilesTest, DevicesOfOtherUsersAreInvisible) {
  LoginResult a = registerUser("alice");
  registerUser("bob");
  auto r = api().queryDevice(ctx(), "@bob:example.org", a.deviceId);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(api().performDeleteDevices(ctx(), "@bob:example.org", {a.deviceId}).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), a.accessToken).ok());
}

TEST_P(DevicesProfilesTest, TouchUpdatesLastSeenImmediatelyAndPersistsPeriodically) {
  LoginResult a = registerUser("alice");
  const std::int64_t t0 = 1'700'000'100'000;
  ASSERT_TRUE(api().performTouchDevice(ctx(), a.userId, a.deviceId, "10.0.0.1", t0).ok());
  ASSERT_TRUE(api().performTouchDevice(ctx(), a.userId, a.deviceId, "10.0.0.1", t0 + 1000).ok());
  auto d = api().queryDevice(ctx(), a.userId, a.deviceId);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->lastSeenTs, t0 + 1000);
  EXPECT_EQ(d->lastSeenIp, "10.0.0.1");

  // A second service on the same database sees what was written through: the first touch.
  AccountSyncService other(std::string(kServer), db(), *bus_, AccountSyncOptions::forTests());
  auto persisted = other.queryDevice(ctx(), a.userId, a.deviceId);
  ASSERT_TRUE(persisted.ok());
  EXPECT_EQ(persisted->lastSeenTs, t0);
  // An IP change writes through at once.
  ASSERT_TRUE(api().performTouchDevice(ctx(), a.userId, a.deviceId, "10.0.0.2", t0 + 2000).ok());
  persisted = other.queryDevice(ctx(), a.userId, a.deviceId);
  EXPECT_EQ(persisted->lastSeenTs, t0 + 2000);
  EXPECT_EQ(persisted->lastSeenIp, "10.0.0.2");
}

TEST_P(DevicesProfilesTest, ProfileSetAndClear) {
  LoginResult a = registerUser("alice");
  auto empty = api().queryProfile(ctx(), a.userId);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->displayName.has_value());
  ASSERT_TRUE(api().performSetDisplayName(ctx(), a.userId, "Alice A.").ok());
  ASSERT_TRUE(api().performSetAvatarUrl(ctx(), a.userId, "mxc://example.org/abc").ok());
  auto p = api().queryProfile(ctx(), a.userId);
  EXPECT_EQ(p->displayName, "Alice A.");
  EXPECT_EQ(p->avatarUrl, "mxc://example.org/abc");
  ASSERT_TRUE(api().performSetDisplayName(ctx(), a.userId, std::nullopt).ok());
  p = api().queryProfile(ctx(), a.userId);
  EXPECT_FALSE(p->displayName.has_value());
  EXPECT_EQ(p->avatarUrl, "mxc://example.org/abc");
}

TEST_P(DevicesProfilesTest, ProfileOfUnknownOrRemoteUserIsNotFound) {
  EXPECT_EQ(api().queryProfile(ctx(), "@ghost:example.org").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api().queryProfile(ctx(), "@alice:elsewhere.org").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api().performSetDisplayName(ctx(), "@ghost:example.org", "x").error().code,
            ErrorCode::kNotFound);
}

TEST_P(DevicesProfilesTest, RejectsOverlongDisplayName) {
  LoginResult a = registerUser("alice");
  auto r = api().performSetDisplayName(ctx(), a.userId, std::string(300, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidParam);
}

TEST_P(DevicesProfilesTest, DirectoryMatchesIdOrDisplayNameCaseInsensitively) {
  registerUser("alice");
  LoginResult b = registerUser("bob");
  registerUser("carol");
  ASSERT_TRUE(api().performSetDisplayName(ctx(), b.userId, "Bobby ALICEson").ok());
  RegisterRequest guest;
  guest.kind = AccountKind::kGuest;
  ASSERT_TRUE(api().performRegister(ctx(), guest).ok());

  auto r = api().queryUserDirectory(ctx(), "Alice", 10, "@carol:example.org");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->results.size(), 2u);
  EXPECT_EQ(r->results[0].userId, "@alice:example.org");
  EXPECT_EQ(r->results[1].userId, "@bob:example.org");
  EXPECT_EQ(r->results[1].displayName, "Bobby ALICEson");
  EXPECT_FALSE(r->limited);

  auto limited = api().queryUserDirectory(ctx(), "alice", 1, "@carol:example.org");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->results.size(), 1u);
  EXPECT_TRUE(limited->limited);

  auto wildcard = api().queryUserDirectory(ctx(), "%", 10, "@carol:example.org");
  ASSERT_TRUE(wildcard.ok());
  EXPECT_TRUE(wildcard->results.empty());
}

TEST_P(DevicesProfilesTest, DirectorySkipsDeactivatedUsers) {
  LoginResult a = registerUser("alice");
  ASSERT_TRUE(api().performDeactivate(ctx(), a.userId).ok());
  auto r = api().queryUserDirectory(ctx(), "alice", 10, "@x:example.org");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->results.empty());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(DevicesProfilesTest);

}  // namespace
}  // namespace plexus::accountsync::testing
