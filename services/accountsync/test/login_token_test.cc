// Single-use login tokens (m.login.token, POST /login/get_token) through AccountSyncApi, on
// SQLite and PostgreSQL: kept hashed in the database, so they survive a restart and a second
// service instance over the same database (another process) redeems them, once.
#include <atomic>
#include <thread>

#include "accountsync/api/accountsync_api.h"
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

using LoginTokenTest = AccountSyncServiceTest;

TEST_P(LoginTokenTest, TokenLogsInAsItsUserOnNewDevice) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok()) << token.error().message;
  TokenLoginRequest login;
  login.token = *token;
  login.initialDeviceDisplayName = "phone";
  auto result = api().performTokenLogin(ctx(), login);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->userId, alice.userId);
  EXPECT_NE(result->deviceId, alice.deviceId);
  auto info = api().queryAccessToken(ctx(), result->accessToken);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->userId, alice.userId);
  auto device = api().queryDevice(ctx(), alice.userId, result->deviceId);
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->displayName, std::optional<std::string>("phone"));
}

TEST_P(LoginTokenTest, TokenWorksOnlyOnce) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok());
  TokenLoginRequest login;
  login.token = *token;
  ASSERT_TRUE(api().performTokenLogin(ctx(), login).ok());
  auto again = api().performTokenLogin(ctx(), login);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kForbidden);
}

TEST_P(LoginTokenTest, RejectsExpiredAndUnknownTokens) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 1000);
  ASSERT_TRUE(token.ok());
  clockMs_ += 1000;
  TokenLoginRequest login;
  login.token = *token;
  auto expired = api().performTokenLogin(ctx(), login);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, ErrorCode::kForbidden);
  login.token = "not-a-token";
  EXPECT_EQ(api().performTokenLogin(ctx(), login).error().code, ErrorCode::kForbidden);
}

TEST_P(LoginTokenTest, RefusesTokensForUnknownOrDeactivatedUsers) {
  EXPECT_EQ(api().performCreateLoginToken(ctx(), userId("nobody"), 1000).error().code,
            ErrorCode::kNotFound);
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(api().performDeactivate(ctx(), alice.userId).ok());
  TokenLoginRequest login;
  login.token = *token;
  EXPECT_EQ(api().performTokenLogin(ctx(), login).error().code, ErrorCode::kUserDeactivated);
  EXPECT_EQ(api().performCreateLoginToken(ctx(), alice.userId, 1000).error().code,
            ErrorCode::kUserDeactivated);
}

TEST_P(LoginTokenTest, RejectsBadDeviceIdWithoutSpendingToken) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok());
  TokenLoginRequest login;
  login.token = *token;
  login.deviceId = std::string("bad\x01id");
  EXPECT_EQ(api().performTokenLogin(ctx(), login).error().code, ErrorCode::kInvalidParam);
  login.deviceId.reset();
  EXPECT_TRUE(api().performTokenLogin(ctx(), login).ok());
}

// Another AccountSyncService over the same database: a restart, or a second process.
class LoginTokenAcrossServicesTest : public AccountSyncServiceTest {
 protected:
  std::unique_ptr<AccountSyncService> another() {
    AccountSyncOptions options = AccountSyncOptions::forTests();
    options.clock = [this] { return clockMs_.load(); };
    return std::make_unique<AccountSyncService>(std::string(kServer), db(), *bus_, options);
  }
  std::int64_t storedTokens() {
    auto rows = db().query("SELECT COUNT(*) FROM accountsync_login_tokens");
    if (!rows.ok() || rows->empty()) return -1;
    auto count = rows->front().int64(0);
    return count.ok() ? *count : -1;
  }
};

TEST_P(LoginTokenAcrossServicesTest, TokenSurvivesARestart) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok());
  service_.reset();  // the process goes down
  auto restarted = another();
  TokenLoginRequest login;
  login.token = *token;
  auto result = restarted->performTokenLogin(ctx(), login);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->userId, alice.userId);
  EXPECT_EQ(restarted->performTokenLogin(ctx(), login).error().code, ErrorCode::kForbidden);
}

TEST_P(LoginTokenAcrossServicesTest, TokenMadeByOneProcessIsRedeemedOnceByAnother) {
  LoginResult alice = registerUser("alice");
  auto token = api().performCreateLoginToken(ctx(), alice.userId, 120'000);
  ASSERT_TRUE(token.ok());
  auto other = another();
  TokenLoginRequest login;
  login.token = *token;
  // Both processes try at once: exactly one login succeeds.
  std::atomic<int> succeeded{0}, refused{0};
  auto attempt = [&](AccountSyncApi& api) {
    auto r = api.performTokenLogin(ctx(), login);
    if (r.ok()) {
      ++succeeded;
    } else if (r.error().code == ErrorCode::kForbidden) {
      ++refused;
    }
  };
  std::thread first([&] { attempt(api()); });
  std::thread second([&] { attempt(*other); });
  first.join();
  second.join();
  EXPECT_EQ(succeeded.load(), 1);
  EXPECT_EQ(refused.load(), 1);
}

TEST_P(LoginTokenAcrossServicesTest, OnlyHashesAreStoredAndExpiredOnesAreDropped) {
  LoginResult alice = registerUser("alice");
  auto old = api().performCreateLoginToken(ctx(), alice.userId, 1000);
  ASSERT_TRUE(old.ok());
  auto rows = db().query("SELECT token_hash, user_id, expires_ms FROM accountsync_login_tokens");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  auto hash = rows->front().text(0);
  auto owner = rows->front().text(1);
  auto expires = rows->front().int64(2);
  ASSERT_TRUE(hash.ok() && owner.ok() && expires.ok());
  EXPECT_EQ(hash->find(*old), std::string::npos);  // the token itself is nowhere
  EXPECT_EQ(*owner, alice.userId);
  EXPECT_EQ(*expires, clockMs_.load() + 1000);

  clockMs_ += 1000;
  ASSERT_TRUE(api().performCreateLoginToken(ctx(), alice.userId, 1000).ok());
  EXPECT_EQ(storedTokens(), 1);  // the expired one went when the new one was made
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(LoginTokenTest);
PLEXUS_INSTANTIATE_DATABASE_TESTS(LoginTokenAcrossServicesTest);

}  // namespace
}  // namespace plexus::accountsync::testing
