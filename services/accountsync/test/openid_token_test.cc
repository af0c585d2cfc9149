// OpenID tokens (POST /user/{userId}/openid/request_token, federation openid/userinfo) through
// AccountSyncApi, on SQLite and PostgreSQL: a token resolves to its owner as often as asked
// until it expires, only its hash is stored, another service over the same database resolves
// it, deactivation revokes it, and expired rows are removed in bounded batches.
#include <string>

#include "accountsync/api/accountsync_api.h"
#include "service_fixture.h"

namespace plexus::accountsync::testing {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;

class OpenIdTokenTest : public AccountSyncServiceTest {
 protected:
  std::int64_t storedTokens() {
    auto rows = db().query("SELECT COUNT(*) FROM accountsync_openid_tokens");
    if (!rows.ok() || rows->empty()) return -1;
    auto count = rows->front().int64(0);
    return count.ok() ? *count : -1;
  }
  std::string create(const std::string& userId, std::int64_t ttlMs = kHourMs) {
    auto token = api().performCreateOpenIdToken(ctx(), userId, ttlMs);
    EXPECT_TRUE(token.ok()) << (token.ok() ? "" : token.error().message);
    return token.ok() ? *token : std::string();
  }
};

TEST_P(OpenIdTokenTest, TokenResolvesToItsOwnerUntilItExpires) {
  LoginResult alice = registerUser("alice");
  LoginResult bob = registerUser("bob");
  std::string aliceToken = create(alice.userId);
  std::string bobToken = create(bob.userId);
  EXPECT_GE(aliceToken.size(), 43u);  // 32 random bytes
  EXPECT_NE(aliceToken, bobToken);
  for (int i = 0; i < 3; ++i) {  // not single use: a third party may ask again
    auto owner = api().queryOpenIdToken(ctx(), aliceToken);
    ASSERT_TRUE(owner.ok()) << owner.error().message;
    EXPECT_EQ(*owner, alice.userId);
  }
  EXPECT_EQ(*api().queryOpenIdToken(ctx(), bobToken), bob.userId);

  clockMs_ += kHourMs - 1;
  EXPECT_TRUE(api().queryOpenIdToken(ctx(), aliceToken).ok());
  clockMs_ += 1;
  auto expired = api().queryOpenIdToken(ctx(), aliceToken);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnknownToken);
}

TEST_P(OpenIdTokenTest, UnknownEmptyAndAccessTokensAreUnknown) {
  LoginResult alice = registerUser("alice");
  create(alice.userId);
  for (const std::string& token : {std::string("not-a-token"), std::string(), alice.accessToken}) {
    auto r = api().queryOpenIdToken(ctx(), token);
    ASSERT_FALSE(r.ok()) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kUnknownToken) << token;
  }
  // ...and an OpenID token is no access token.
  std::string openId = create(alice.userId);
  EXPECT_EQ(api().queryAccessToken(ctx(), openId).error().code, ErrorCode::kUnknownToken);
}

TEST_P(OpenIdTokenTest, RefusesUnknownAndDeactivatedUsersAndBadLifetimes) {
  EXPECT_EQ(api().performCreateOpenIdToken(ctx(), userId("nobody"), kHourMs).error().code,
            ErrorCode::kNotFound);
  LoginResult alice = registerUser("alice");
  EXPECT_EQ(api().performCreateOpenIdToken(ctx(), alice.userId, 0).error().code,
            ErrorCode::kInvalidParam);
  EXPECT_EQ(api().performCreateOpenIdToken(ctx(), alice.userId, -5).error().code,
            ErrorCode::kInvalidParam);
  ASSERT_TRUE(api().performDeactivate(ctx(), alice.userId).ok());
  EXPECT_EQ(api().performCreateOpenIdToken(ctx(), alice.userId, kHourMs).error().code,
            ErrorCode::kUserDeactivated);
  EXPECT_EQ(storedTokens(), 0);
}

TEST_P(OpenIdTokenTest, DeactivationRevokesTheUsersTokensOnly) {
  LoginResult alice = registerUser("alice");
  LoginResult bob = registerUser("bob");
  std::string aliceToken = create(alice.userId);
  std::string bobToken = create(bob.userId);
  ASSERT_TRUE(api().performDeactivate(ctx(), alice.userId).ok());
  EXPECT_EQ(api().queryOpenIdToken(ctx(), aliceToken).error().code, ErrorCode::kUnknownToken);
  EXPECT_EQ(*api().queryOpenIdToken(ctx(), bobToken), bob.userId);
}

TEST_P(OpenIdTokenTest, AnotherServiceOverTheSameDatabaseResolvesIt) {
  LoginResult alice = registerUser("alice");
  std::string token = create(alice.userId);
  service_.reset();  // a restart, or the request landing on another account-sync process
  AccountSyncOptions options = AccountSyncOptions::forTests();
  options.clock = [this] { return clockMs_.load(); };
  AccountSyncService other(std::string(kServer), db(), *bus_, options);
  auto owner = other.queryOpenIdToken(ctx(), token);
  ASSERT_TRUE(owner.ok()) << owner.error().message;
  EXPECT_EQ(*owner, alice.userId);
}

TEST_P(OpenIdTokenTest, OnlyTheHashIsStoredWithItsOwnerAndExpiry) {
  LoginResult alice = registerUser("alice");
  std::string token = create(alice.userId);
  auto rows = db().query("SELECT token_hash, user_id, expires_ms FROM accountsync_openid_tokens");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  auto hash = rows->front().text(0);
  auto owner = rows->front().text(1);
  auto expires = rows->front().int64(2);
  ASSERT_TRUE(hash.ok() && owner.ok() && expires.ok());
  EXPECT_NE(*hash, token);
  EXPECT_EQ(hash->find(token), std::string::npos);
  EXPECT_EQ(*owner, alice.userId);
  EXPECT_EQ(*expires, clockMs_.load() + kHourMs);
}

TEST_P(OpenIdTokenTest, ExpiredRowsGoOnLookupAndInBoundedBatchesOnCreation) {
  LoginResult alice = registerUser("alice");
  std::string first = create(alice.userId, 1000);
  clockMs_ += 1000;
  EXPECT_EQ(api().queryOpenIdToken(ctx(), first).error().code, ErrorCode::kUnknownToken);
  EXPECT_EQ(storedTokens(), 0);  // the lookup of the expired token removed it

  // A backlog of 150 expired tokens (a burst, then a quiet hour).
  for (int i = 0; i < 150; ++i) create(alice.userId, 1000);
  ASSERT_EQ(storedTokens(), 150);
  clockMs_ += 1000;
  create(alice.userId);  // removes 100 of them, adds itself
  EXPECT_EQ(storedTokens(), 51);
  create(alice.userId);  // the other 50
  EXPECT_EQ(storedTokens(), 2);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(OpenIdTokenTest);

}  // namespace
}  // namespace plexus::accountsync::testing
