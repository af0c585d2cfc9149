// Registration, login, refresh, logout, password change and deactivation through
// AccountSyncApi, on SQLite and PostgreSQL.
#include <algorithm>
#include <cctype>
#include <vector>

#include "accountsync/api/accountsync_api.h"
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using RegistrationTest = AccountSyncServiceTest;

TEST_P(RegistrationTest, RegistersUserAndResolvesItsToken) {
  LoginResult r = registerUser("alice");
  EXPECT_EQ(r.userId, "@alice:example.org");
  EXPECT_FALSE(r.deviceId.empty());
  EXPECT_EQ(r.accessToken.size(), 43u);
  EXPECT_FALSE(r.refreshToken.has_value());
  auto info = api().queryAccessToken(ctx(), r.accessToken);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->userId, r.userId);
  EXPECT_EQ(info->deviceId, r.deviceId);
  EXPECT_FALSE(info->isGuest);
  EXPECT_FALSE(info->isAdmin);
}

TEST_P(RegistrationTest, LowercasesRequestedLocalpart) {
  LoginResult r = registerUser("Bob");
  EXPECT_EQ(r.userId, "@bob:example.org");
}

TEST_P(RegistrationTest, RejectsDuplicateUsernameWithUserInUse) {
  registerUser("alice");
  RegisterRequest again;
  again.localpart = "alice";
  again.password = "other";
  auto r = api().performRegister(ctx(), again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUserInUse);
  EXPECT_EQ(r.error().errcode(), "M_USER_IN_USE");
  auto available = api().queryUsernameAvailable(ctx(), "alice");
  ASSERT_FALSE(available.ok());
  EXPECT_EQ(available.error().code, ErrorCode::kUserInUse);
}

TEST_P(RegistrationTest, RejectsInvalidUsernames) {
  for (const std::string& bad : std::vector<std::string>{"", "al ice", "al:ice", "ali@ce", "émile",
                                                         "12345", std::string(250, 'a')}) {
    RegisterRequest r;
    r.localpart = bad;
    r.password = "pw";
    auto result = api().performRegister(ctx(), r);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidUsername) << bad;
    EXPECT_EQ(result.error().errcode(), "M_INVALID_USERNAME");
  }
}

TEST_P(RegistrationTest, AcceptsAllSpecLocalpartCharacters) {
  EXPECT_TRUE(api().queryUsernameAvailable(ctx(), "a.b_c=d-e/f+g9").ok());
  LoginResult r = registerUser("a.b_c=d-e/f+g9");
  EXPECT_EQ(r.userId, "@a.b_c=d-e/f+g9:example.org");
}

TEST_P(RegistrationTest, ReportsExclusiveNamespace) {
  auto r = api().queryUsernameAvailable(ctx(), "_bridge_alice");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kExclusive);
}

TEST_P(RegistrationTest, GeneratesLocalpartWhenAbsent) {
  RegisterRequest r;
  r.password = "pw";
  auto a = api().performRegister(ctx(), r);
  auto b = api().performRegister(ctx(), r);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->userId, b->userId);
  EXPECT_TRUE(a->userId.ends_with(":example.org"));
}

TEST_P(RegistrationTest, RegistersGuestWithNumericId) {
  RegisterRequest r;
  r.kind = AccountKind::kGuest;
  auto result = api().performRegister(ctx(), r);
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto info = api().queryAccessToken(ctx(), result->accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->isGuest);
  std::string local = result->userId.substr(1, result->userId.find(':') - 1);
  EXPECT_TRUE(std::all_of(local.begin(), local.end(), ::isdigit)) << local;
}

TEST_P(RegistrationTest, InhibitLoginCreatesNoDeviceOrToken) {
  RegisterRequest r;
  r.localpart = "carol";
  r.password = "pw";
  r.inhibitLogin = true;
  auto result = api().performRegister(ctx(), r);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->accessToken.empty());
  EXPECT_TRUE(result->deviceId.empty());
  auto devices = api().queryDevices(ctx(), "@carol:example.org");
  ASSERT_TRUE(devices.ok());
  EXPECT_TRUE(devices->empty());
}

TEST_P(RegistrationTest, AdminFlagShowsInTokenInfo) {
  RegisterRequest r;
  r.localpart = "root";
  r.password = "pw";
  r.admin = true;
  auto result = api().performRegister(ctx(), r);
  ASSERT_TRUE(result.ok());
  auto info = api().queryAccessToken(ctx(), result->accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->isAdmin);
}

TEST_P(RegistrationTest, LogsInWithLocalpartOrFullIdAndUsesGivenDevice) {
  registerUser("alice", "secret");
  PasswordLoginRequest login;
  login.user = "alice";
  login.password = "secret";
  login.deviceId = "PHONE";
  login.initialDeviceDisplayName = "My phone";
  auto a = api().performPasswordLogin(ctx(), login);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->deviceId, "PHONE");
  login.user = "@Alice:example.org";
  login.deviceId.reset();
  auto b = api().performPasswordLogin(ctx(), login);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->userId, "@alice:example.org");
  EXPECT_NE(b->deviceId, "PHONE");
  auto device = api().queryDevice(ctx(), "@alice:example.org", "PHONE");
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->displayName, "My phone");
}

TEST_P(RegistrationTest, WrongPasswordAndUnknownUserGiveTheSameForbidden) {
  registerUser("alice", "secret");
  PasswordLoginRequest login;
  login.user = "alice";
  login.password = "wrong";
  auto wrong = api().performPasswordLogin(ctx(), login);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kForbidden);
  login.user = "nobody";
  auto unknown = api().performPasswordLogin(ctx(), login);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
  login.user = "@alice:other.org";
  login.password = "secret";
  auto remote = api().performPasswordLogin(ctx(), login);
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.error().code, ErrorCode::kForbidden);
}

TEST_P(RegistrationTest, LoginWithExistingDeviceRevokesItsOldToken) {
  LoginResult first = registerUser("alice", "secret");
  PasswordLoginRequest login;
  login.user = "alice";
  login.password = "secret";
  login.deviceId = first.deviceId;
  auto second = api().performPasswordLogin(ctx(), login);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->deviceId, first.deviceId);
  EXPECT_FALSE(api().queryAccessToken(ctx(), first.accessToken).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), second->accessToken).ok());
}

TEST_P(RegistrationTest, UnknownTokenIsUnknownToken) {
  auto r = api().queryAccessToken(ctx(), "not-a-token");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnknownToken);
  EXPECT_FALSE(isSoftLogout(r.error()));
}

TEST_P(RegistrationTest, RefreshRotatesTokensAndInvalidatesOldOnes) {
  LoginResult r = registerUser("alice", "pw", /*refresh=*/true);
  ASSERT_TRUE(r.refreshToken.has_value());
  ASSERT_TRUE(r.expiresInMs.has_value());
  auto refreshed = api().performRefresh(ctx(), *r.refreshToken);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
  EXPECT_NE(refreshed->accessToken, r.accessToken);
  ASSERT_TRUE(refreshed->refreshToken.has_value());
  EXPECT_NE(*refreshed->refreshToken, *r.refreshToken);
  EXPECT_EQ(refreshed->deviceId, r.deviceId);
  EXPECT_FALSE(api().queryAccessToken(ctx(), r.accessToken).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), refreshed->accessToken).ok());
  auto reused = api().performRefresh(ctx(), *r.refreshToken);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.error().code, ErrorCode::kUnknownToken);
}

TEST_P(RegistrationTest, ExpiredAccessTokenIsSoftLogout) {
  LoginResult r = registerUser("alice", "pw", /*refresh=*/true);
  clockMs_ += *r.expiresInMs + 1;
  auto info = api().queryAccessToken(ctx(), r.accessToken);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kUnknownToken);
  EXPECT_TRUE(isSoftLogout(info.error()));
  auto refreshed = api().performRefresh(ctx(), *r.refreshToken);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), refreshed->accessToken).ok());
}

TEST_P(RegistrationTest, LogoutDeletesDeviceAndToken) {
  LoginResult r = registerUser("alice");
  ASSERT_TRUE(api().performLogout(ctx(), r.accessToken).ok());
  EXPECT_FALSE(api().queryAccessToken(ctx(), r.accessToken).ok());
  auto device = api().queryDevice(ctx(), r.userId, r.deviceId);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kNotFound);
  auto again = api().performLogout(ctx(), r.accessToken);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kUnknownToken);
}

// Tokens that were just checked (and so are cached) stop working the moment a revocation
// returns, whichever way they were revoked.
TEST_P(RegistrationTest, ATokenCheckedJustBeforeItsRevocationIsRefusedAfterIt) {
  auto checkedThenRevoked = [&](const std::string& name, auto revoke) {
    LoginResult r = registerUser(name);
    ASSERT_TRUE(api().queryAccessToken(ctx(), r.accessToken).ok()) << name;
    ASSERT_TRUE(api().queryAccessToken(ctx(), r.accessToken).ok()) << name;
    ASSERT_TRUE(revoke(r).ok()) << name;
    auto after = api().queryAccessToken(ctx(), r.accessToken);
    EXPECT_FALSE(after.ok()) << name;
  };
  checkedThenRevoked(
      "u1", [&](const LoginResult& r) { return api().performLogout(ctx(), r.accessToken); });
  checkedThenRevoked("u2",
                     [&](const LoginResult& r) { return api().performLogoutAll(ctx(), r.userId); });
  checkedThenRevoked(
      "u3", [&](const LoginResult& r) { return api().performDeactivate(ctx(), r.userId); });
  checkedThenRevoked("u5", [&](const LoginResult& r) {
    return api().performDeleteDevices(ctx(), r.userId, {r.deviceId});
  });
  // Locking and suspending keep the token but change what it stands for.
  LoginResult l = registerUser("u4");
  ASSERT_FALSE(api().queryAccessToken(ctx(), l.accessToken)->isLocked);
  ASSERT_TRUE(api().performSetLocked(ctx(), l.userId, true).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), l.accessToken)->isLocked);
  LoginResult s = registerUser("u6");
  ASSERT_FALSE(api().queryAccessToken(ctx(), s.accessToken)->isSuspended);
  ASSERT_TRUE(api().performSetSuspended(ctx(), s.userId, true).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), s.accessToken)->isSuspended);
}

TEST_P(RegistrationTest, LogoutAllRevokesEveryDevice) {
  LoginResult r = registerUser("alice", "pw");
  PasswordLoginRequest login{"alice", "pw", std::nullopt, std::nullopt, false};
  auto second = api().performPasswordLogin(ctx(), login);
  ASSERT_TRUE(second.ok());
  LoginResult other = registerUser("bob");
  ASSERT_TRUE(api().performLogoutAll(ctx(), r.userId).ok());
  EXPECT_FALSE(api().queryAccessToken(ctx(), r.accessToken).ok());
  EXPECT_FALSE(api().queryAccessToken(ctx(), second->accessToken).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), other.accessToken).ok());
  EXPECT_TRUE(api().queryDevices(ctx(), r.userId)->empty());
}

TEST_P(RegistrationTest, ChangePasswordKillsOtherDevicesButKeepsCaller) {
  LoginResult r = registerUser("alice", "old");
  PasswordLoginRequest login{"alice", "old", std::nullopt, std::nullopt, false};
  auto second = api().performPasswordLogin(ctx(), login);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(api().performChangePassword(ctx(), r.userId, "new", true, r.deviceId).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), r.accessToken).ok());
  EXPECT_FALSE(api().queryAccessToken(ctx(), second->accessToken).ok());
  EXPECT_FALSE(api().performPasswordLogin(ctx(), login).ok());
  login.password = "new";
  EXPECT_TRUE(api().performPasswordLogin(ctx(), login).ok());
  EXPECT_TRUE(*api().queryPasswordMatches(ctx(), r.userId, "new"));
  EXPECT_FALSE(*api().queryPasswordMatches(ctx(), r.userId, "old"));
}

TEST_P(RegistrationTest, ChangePasswordWithoutLogoutKeepsDevices) {
  LoginResult r = registerUser("alice", "old");
  ASSERT_TRUE(api().performChangePassword(ctx(), r.userId, "new", false, std::nullopt).ok());
  EXPECT_TRUE(api().queryAccessToken(ctx(), r.accessToken).ok());
}

TEST_P(RegistrationTest, DeactivateKillsTokensAndBlocksLoginAndReRegistration) {
  LoginResult r = registerUser("alice", "pw");
  ASSERT_TRUE(api().performSetDisplayName(ctx(), r.userId, "Alice").ok());
  ASSERT_TRUE(api().performDeactivate(ctx(), r.userId).ok());
  ASSERT_TRUE(api().performDeactivate(ctx(), r.userId).ok());  // idempotent
  EXPECT_FALSE(api().queryAccessToken(ctx(), r.accessToken).ok());
  EXPECT_TRUE(api().queryDevices(ctx(), r.userId)->empty());
  PasswordLoginRequest login{"alice", "pw", std::nullopt, std::nullopt, false};
  auto logged = api().performPasswordLogin(ctx(), login);
  ASSERT_FALSE(logged.ok());
  EXPECT_EQ(logged.error().code, ErrorCode::kUserDeactivated);
  RegisterRequest again;
  again.localpart = "alice";
  again.password = "pw";
  auto reg = api().performRegister(ctx(), again);
  ASSERT_FALSE(reg.ok());
  EXPECT_EQ(reg.error().code, ErrorCode::kUserInUse);
  auto account = api().queryAccount(ctx(), r.userId);
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->deactivated);
  EXPECT_FALSE(*api().queryPasswordMatches(ctx(), r.userId, "pw"));
  EXPECT_FALSE(api().queryProfile(ctx(), r.userId)->displayName.has_value());
}

TEST_P(RegistrationTest, UnknownUsersAreNotFound) {
  EXPECT_EQ(api().performLogoutAll(ctx(), "@ghost:example.org").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api().performDeactivate(ctx(), "@ghost:example.org").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().queryAccount(ctx(), "@ghost:example.org").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*api().queryPasswordMatches(ctx(), "@ghost:example.org", "pw"));
}

TEST_P(RegistrationTest, ExpiredDeadlineIsUnavailable) {
  CallContext late = CallContext::withTimeout(std::chrono::milliseconds(-1));
  auto r = api().queryAccessToken(late, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

class NoGuestsTest : public AccountSyncServiceTest {
  void customize(AccountSyncOptions& options) override { options.allowGuests = false; }
};

TEST_P(NoGuestsTest, RejectsGuestRegistrationWhenDisabled) {
  RegisterRequest r;
  r.kind = AccountKind::kGuest;
  auto result = api().performRegister(ctx(), r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kForbidden);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(RegistrationTest);
PLEXUS_INSTANTIATE_DATABASE_TESTS(NoGuestsTest);

}  // namespace
}  // namespace plexus::accountsync::testing
