// Admin account restrictions through AccountSyncApi, on SQLite and PostgreSQL: locking is
// reported on the account's tokens and refuses its logins (unlocking gives them back),
// suspension is reported on the token, both survive a new service instance (they are in the
// database).
#include "accountsync/api/accountsync_api.h"
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using AccountRestrictionsTest = AccountSyncServiceTest;

TEST_P(AccountRestrictionsTest, LockMarksTokensAndRefusesLoginsUntilUnlocked) {
  LoginResult alice = registerUser("alice", "pw");
  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, true).ok());
  auto account = api().queryAccount(ctx(), alice.userId);
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->locked);

  // The token still resolves (its owner may log out) and says the account is locked.
  auto token = api().queryAccessToken(ctx(), alice.accessToken);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(token->isLocked);
  EXPECT_EQ(token->userId, alice.userId);

  PasswordLoginRequest login;
  login.user = "alice";
  login.password = "pw";
  EXPECT_EQ(api().performPasswordLogin(ctx(), login).error().code, ErrorCode::kUserLocked);
  login.password = "wrong";  // the lock is not revealed without the password
  EXPECT_EQ(api().performPasswordLogin(ctx(), login).error().code, ErrorCode::kForbidden);

  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, false).ok());
  auto unlocked = api().queryAccessToken(ctx(), alice.accessToken);
  ASSERT_TRUE(unlocked.ok());
  EXPECT_FALSE(unlocked->isLocked);
  login.password = "pw";
  EXPECT_TRUE(api().performPasswordLogin(ctx(), login).ok());
}

TEST_P(AccountRestrictionsTest, LockedAccountGetsNoNewTokensByRefresh) {
  LoginResult alice = registerUser("alice", "pw", /*refresh=*/true);
  ASSERT_TRUE(alice.refreshToken.has_value());
  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, true).ok());
  auto refreshed = api().performRefresh(ctx(), *alice.refreshToken);
  ASSERT_FALSE(refreshed.ok());
  EXPECT_EQ(refreshed.error().code, ErrorCode::kUserLocked);
  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, false).ok());
  EXPECT_TRUE(api().performRefresh(ctx(), *alice.refreshToken).ok())
      << "the refresh token survives";
}

TEST_P(AccountRestrictionsTest, LockedAccountCannotRedeemLoginToken) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, true).ok());
  TokenLoginRequest login;
  login.token = *token;
  EXPECT_EQ(api().performTokenLogin(ctx(), login).error().code, ErrorCode::kUserLocked);
}

TEST_P(AccountRestrictionsTest, SuspensionIsReportedOnTokensAndKeptInDatabase) {
  LoginResult alice = registerUser("alice");
  ASSERT_TRUE(api().performSetSuspended(ctx(), alice.userId, true).ok());
  auto info = api().queryAccessToken(ctx(), alice.accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->isSuspended);

  // A fresh service over the same database (a restart) still knows both flags.
  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, true).ok());
  AccountSyncService restarted(std::string(kServer), db(), *bus_, AccountSyncOptions::forTests());
  auto account = restarted.queryAccount(ctx(), alice.userId);
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->suspended);
  EXPECT_TRUE(account->locked);

  ASSERT_TRUE(api().performSetSuspended(ctx(), alice.userId, false).ok());
  ASSERT_TRUE(api().performSetLocked(ctx(), alice.userId, false).ok());
  auto after = api().queryAccessToken(ctx(), alice.accessToken);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->isSuspended);
}

TEST_P(AccountRestrictionsTest, RejectsUnknownRemoteAndDeactivatedUsers) {
  EXPECT_EQ(api().performSetLocked(ctx(), userId("nobody"), true).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(api().performSetLocked(ctx(), "@alice:elsewhere.org", true).error().code,
            ErrorCode::kInvalidParam);
  LoginResult bob = registerUser("bob");
  ASSERT_TRUE(api().performDeactivate(ctx(), bob.userId).ok());
  EXPECT_EQ(api().performSetSuspended(ctx(), bob.userId, true).error().code, ErrorCode::kNotFound);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(AccountRestrictionsTest);

}  // namespace
}  // namespace plexus::accountsync::testing
