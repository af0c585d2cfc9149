// PostgreSQL-only behaviour: recovery from connections the server dropped, the pool bound,
// connection failures as kUnavailable. Skips without a test server unless
// PLEXUS_REQUIRE_POSTGRES=1.
#include <gtest/gtest.h>

#include <thread>

#include "plexus/storage/postgres_database.h"
#include "plexus/storage/testing/test_database.h"

namespace plexus::storage {
namespace {

using testing::TestDatabase;

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TestDatabase::create(Dialect::kPostgres);
    if (!t.ok()) {
      if (!testing::postgresRequired() && t.error().code == ErrorCode::kUnavailable) {
        GTEST_SKIP() << t.error().message;
      }
      FAIL() << t.error().message;
    }
    test_ = std::move(*t);
  }
  PostgresConfig config(int poolSize) {
    PostgresConfig c;
    c.dsn = *testing::postgresTestDsn();
    c.database = test_->location();
    c.poolSize = poolSize;
    return c;
  }
  std::unique_ptr<TestDatabase> test_;
};

TEST_F(PostgresTest, RecoversAfterTheServerDropsItsConnections) {
  auto db = openPostgres(config(2));
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->query("SELECT 1").ok());
  // Kill every other session on this database from an independent handle.
  auto killer = test_->openAnother();
  ASSERT_TRUE(killer.ok());
  auto killed = (*killer)->query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  ASSERT_TRUE(killed.ok()) << killed.error().message;
  ASSERT_GE(killed->size(), 1u);
  // The first use of the dead connection reports kUnavailable (it cannot know whether the
  // statement ran); the pool then replaces the connection.
  auto first = (*db)->query("SELECT 2");
  if (!first.ok()) {
    EXPECT_EQ(first.error().code, ErrorCode::kUnavailable) << first.error().message;
  }
  auto second = (*db)->query("SELECT 3");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second->front().int64(0), 3);
  EXPECT_GE((*db)->stats().connectionsOpened, 2u);
}

TEST_F(PostgresTest, RunInTransactionRetriesOverALostConnection) {
  auto db = openPostgres(config(1));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->executeScript("CREATE TABLE t (x BIGINT)").ok());
  auto killer = test_->openAnother();
  ASSERT_TRUE(killer.ok());
  ASSERT_TRUE((*killer)
                  ->query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                  .ok());
  Status st = (*db)->runInTransaction([](Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(tx.execute("INSERT INTO t VALUES (1)"));
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto rows = (*db)->query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows->front().int64(0), 1);
}

TEST_F(PostgresTest, PoolIsBoundedAndTimesOutWhenExhausted) {
  PostgresConfig c = config(2);
  c.acquireTimeoutMs = 100;
  auto db = openPostgres(c);
  ASSERT_TRUE(db.ok());
  auto a = (*db)->transaction();
  auto b = (*db)->transaction();
  ASSERT_TRUE(a.ok() && b.ok());
  auto third = (*db)->query("SELECT 1");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  // A released connection serves a waiting thread.
  std::thread releaser([&] { a->reset(); });
  releaser.join();
  EXPECT_TRUE((*db)->query("SELECT 1").ok());
  EXPECT_LE((*db)->stats().connectionsOpened, 2u);
}

TEST_F(PostgresTest, ReportsAnUnreachableServerAsUnavailable) {
  PostgresConfig c;
  c.dsn = "host=127.0.0.1 port=1 user=nobody dbname=nothing";
  c.connectTimeoutS = 2;
  auto db = openPostgres(c);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
}

TEST_F(PostgresTest, RejectsTextWithNulInsteadOfTruncatingIt) {
  auto r = test_->db().query("SELECT $1::text", {std::string("a\0b", 3)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidParam);
}

TEST(PostgresConfigTest, VerifyListsEveryProblem) {
  PostgresConfig c;
  c.poolSize = 0;
  EXPECT_EQ(c.verify().size(), 2u);
  EXPECT_FALSE(openPostgres(c).ok());
}

}  // namespace
}  // namespace plexus::storage
