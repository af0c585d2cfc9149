// Single-use login tokens (m.login.token, POST /login/get_token) through AccountSyncApi, on
// SQLite and PostgreSQL.
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

PLEXUS_INSTANTIATE_DATABASE_TESTS(LoginTokenTest);

}  // namespace
}  // namespace plexus::accountsync::testing
