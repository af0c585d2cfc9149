// SqlAccountStore on SQLite and PostgreSQL: rows round-trip, uniqueness, single-use refresh
// tokens, reusable OpenID tokens with bounded expiry clean-up, positions, cascading device
// deletion, and transactions that roll back.
#include "accountsync/storage/sql_account_store.h"

#include "accountsync/storage/migrations.h"
#include "plexus/storage/errors.h"
#include "plexus/storage/migrations.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::accountsync {
namespace {

class SqlAccountStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto m = storage::migrate(db(), "accountsync", accountSyncMigrations());
    ASSERT_TRUE(m.ok()) << m.error().message;
  }
  AccountRow account(std::string userId) {
    AccountRow row;
    row.account.userId = std::move(userId);
    row.account.createdMs = 42;
    row.passwordHash = "hash";
    return row;
  }
  SqlAccountStore store_;
};

TEST_P(SqlAccountStoreTest, MigrationIsIdempotent) {
  auto again = storage::migrate(db(), "accountsync", accountSyncMigrations());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
}

TEST_P(SqlAccountStoreTest, AccountRoundTripsAndDuplicateIsUniqueViolation) {
  AccountRow row = account("@a:x");
  row.account.isAdmin = true;
  ASSERT_TRUE(store_.insertAccount(db(), row).ok());
  auto got = store_.getAccount(db(), "@a:x");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((*got)->account.isAdmin);
  EXPECT_EQ((*got)->account.createdMs, 42);
  EXPECT_EQ((*got)->passwordHash, "hash");
  auto dup = store_.insertAccount(db(), account("@a:x"));
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(storage::isUniqueViolation(dup.error()));
  EXPECT_FALSE(store_.getAccount(db(), "@b:x")->has_value());
  EXPECT_TRUE(*store_.lockAccount(db(), "@a:x"));
  EXPECT_FALSE(*store_.lockAccount(db(), "@b:x"));
}

TEST_P(SqlAccountStoreTest, DeactivationClearsPassword) {
  ASSERT_TRUE(store_.insertAccount(db(), account("@a:x")).ok());
  ASSERT_TRUE(store_.markDeactivated(db(), "@a:x").ok());
  auto got = store_.getAccount(db(), "@a:x");
  EXPECT_TRUE((*got)->account.deactivated);
  EXPECT_FALSE((*got)->passwordHash.has_value());
}

TEST_P(SqlAccountStoreTest, DeleteDeviceRemovesItsTokensAndPushers) {
  ASSERT_TRUE(store_.insertAccount(db(), account("@a:x")).ok());
  Device d{"@a:x", "DEV", "name", std::nullopt, std::nullopt};
  EXPECT_TRUE(*store_.insertDeviceIfAbsent(db(), d, 1));
  EXPECT_FALSE(*store_.insertDeviceIfAbsent(db(), d, 1));
  ASSERT_TRUE(store_.insertAccessToken(db(), "h1", "@a:x", "DEV", std::nullopt, 1).ok());
  ASSERT_TRUE(store_.insertRefreshToken(db(), "r1", "@a:x", "DEV", "h1").ok());
  Pusher p;
  p.pushkey = "k";
  p.kind = "http";
  p.appId = "app";
  p.deviceId = "DEV";
  p.data = json::Object{{"url", "https://x"}};
  ASSERT_TRUE(store_.upsertPusher(db(), "@a:x", p).ok());
  ASSERT_TRUE(store_.deleteDevice(db(), "@a:x", "DEV").ok());
  EXPECT_FALSE(store_.getAccessToken(db(), "h1")->has_value());
  EXPECT_FALSE(store_.takeRefreshToken(db(), "r1")->has_value());
  EXPECT_TRUE(store_.listPushers(db(), "@a:x")->empty());
  EXPECT_FALSE(store_.getDevice(db(), "@a:x", "DEV")->has_value());
}

TEST_P(SqlAccountStoreTest, RefreshTokenIsSingleUse) {
  ASSERT_TRUE(store_.insertRefreshToken(db(), "r", "@a:x", "D", "acc").ok());
  auto first = store_.takeRefreshToken(db(), "r");
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->accessTokenHash, "acc");
  EXPECT_FALSE(store_.takeRefreshToken(db(), "r")->has_value());
}

TEST_P(SqlAccountStoreTest, LoginTokenIsSingleUseAndExpiredOnesAreDeleted) {
  ASSERT_TRUE(store_.insertLoginToken(db(), "live", "@a:x", 5000).ok());
  ASSERT_TRUE(store_.insertLoginToken(db(), "old", "@b:x", 1000).ok());
  ASSERT_TRUE(store_.deleteExpiredLoginTokens(db(), 1000).ok());
  EXPECT_FALSE(store_.takeLoginToken(db(), "old")->has_value());
  auto first = store_.takeLoginToken(db(), "live");
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->userId, "@a:x");
  EXPECT_EQ((*first)->expiresMs, 5000);
  EXPECT_FALSE(store_.takeLoginToken(db(), "live")->has_value());
}

TEST_P(SqlAccountStoreTest, OpenIdTokenIsReusableUntilDeleted) {
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "oid", "@a:x", 5000).ok());
  for (int i = 0; i < 2; ++i) {
    auto got = store_.getOpenIdToken(db(), "oid");
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->userId, "@a:x");
    EXPECT_EQ((*got)->expiresMs, 5000);
  }
  EXPECT_FALSE(store_.getOpenIdToken(db(), "other")->has_value());
  auto dup = store_.insertOpenIdToken(db(), "oid", "@b:x", 6000);
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(storage::isUniqueViolation(dup.error()));
  ASSERT_TRUE(store_.deleteOpenIdToken(db(), "oid").ok());
  EXPECT_FALSE(store_.getOpenIdToken(db(), "oid")->has_value());
}

TEST_P(SqlAccountStoreTest, ExpiredOpenIdTokensGoOldestFirstAtMostLimitAtATime) {
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "e1", "@a:x", 100).ok());
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "e2", "@a:x", 200).ok());
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "e3", "@b:x", 300).ok());
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "live", "@a:x", 5000).ok());
  auto first = store_.deleteExpiredOpenIdTokens(db(), 300, 2);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 2);
  EXPECT_FALSE(store_.getOpenIdToken(db(), "e1")->has_value());
  EXPECT_FALSE(store_.getOpenIdToken(db(), "e2")->has_value());
  EXPECT_TRUE(store_.getOpenIdToken(db(), "e3")->has_value());
  EXPECT_EQ(*store_.deleteExpiredOpenIdTokens(db(), 300, 2), 1);
  EXPECT_EQ(*store_.deleteExpiredOpenIdTokens(db(), 300, 2), 0);
  EXPECT_TRUE(store_.getOpenIdToken(db(), "live")->has_value());
}

TEST_P(SqlAccountStoreTest, DeleteUserOpenIdTokensKeepsOtherUsersTokens) {
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "a1", "@a:x", 5000).ok());
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "a2", "@a:x", 5000).ok());
  ASSERT_TRUE(store_.insertOpenIdToken(db(), "b1", "@b:x", 5000).ok());
  ASSERT_TRUE(store_.deleteUserOpenIdTokens(db(), "@a:x").ok());
  EXPECT_FALSE(store_.getOpenIdToken(db(), "a1")->has_value());
  EXPECT_FALSE(store_.getOpenIdToken(db(), "a2")->has_value());
  EXPECT_TRUE(store_.getOpenIdToken(db(), "b1")->has_value());
}

TEST_P(SqlAccountStoreTest, AccessTokenExpiryRoundTrips) {
  ASSERT_TRUE(store_.insertAccessToken(db(), "h", "@a:x", "D", 12345, 1).ok());
  auto t = store_.getAccessToken(db(), "h");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->expiresMs, 12345);
}

TEST_P(SqlAccountStoreTest, AccountDataPositionsAndUpsert) {
  EXPECT_EQ(*store_.currentAccountDataPosition(db()), 0);
  auto p1 = store_.nextAccountDataPosition(db());
  auto p2 = store_.nextAccountDataPosition(db());
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(*p2, *p1 + 1);
  ASSERT_TRUE(store_.putAccountData(db(), "@a:x", "", "t", R"({"v":1})", *p1).ok());
  ASSERT_TRUE(store_.putAccountData(db(), "@a:x", "", "t", R"({"v":2.5})", *p2).ok());
  auto all = store_.accountDataSince(db(), "@a:x", 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].streamPosition, *p2);
  EXPECT_EQ((*all)[0].content.find("v")->getFloat(), 2.5);
  EXPECT_TRUE(store_.accountDataSince(db(), "@a:x", *p2)->empty());
}

TEST_P(SqlAccountStoreTest, FailedTransactionLeavesNothing) {
  auto status = db().runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_.insertAccount(tx, account("@a:x")));
    PLEXUS_TRY_VOID(store_.insertAccount(tx, account("@a:x")));  // unique violation
    return {};
  });
  ASSERT_FALSE(status.ok());
  EXPECT_FALSE(store_.getAccount(db(), "@a:x")->has_value());
}

TEST_P(SqlAccountStoreTest, SearchEscapesLikeWildcards) {
  ASSERT_TRUE(store_.insertAccount(db(), account("@a_b:x")).ok());
  ASSERT_TRUE(store_.insertAccount(db(), account("@acb:x")).ok());
  ASSERT_TRUE(store_.setProfile(db(), "@acb:x", Profile{"100% Cool", std::nullopt}).ok());
  auto underscore = store_.searchUsers(db(), "a_b", 10);
  ASSERT_TRUE(underscore.ok()) << underscore.error().message;
  ASSERT_EQ(underscore->size(), 1u);
  EXPECT_EQ((*underscore)[0].userId, "@a_b:x");
  auto percent = store_.searchUsers(db(), "100%", 10);
  ASSERT_EQ(percent->size(), 1u);
  EXPECT_EQ((*percent)[0].displayName, "100% Cool");
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SqlAccountStoreTest);

}  // namespace
}  // namespace plexus::accountsync
