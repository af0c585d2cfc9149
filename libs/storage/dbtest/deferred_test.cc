// executeDeferred() on both backends: deferred writes are seen by the transaction's next
// statement and kept by its commit, dropped by a rollback, and their errors fail the
// transaction; on PostgreSQL they, BEGIN and COMMIT share round trips.
#include "plexus/storage/deferred.h"

#include <gtest/gtest.h>

#include "plexus/storage/errors.h"
#include "plexus/storage/postgres_database.h"
#include "plexus/storage/testing/database_test.h"
#include "test_schema.h"

namespace plexus::storage {
namespace {

using testing::DatabaseTest;

constexpr std::string_view kInsert = "INSERT INTO t (v) VALUES ($1)";

class DeferredTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db().executeScript(test::createTableSql(dialect(), "t", "v TEXT UNIQUE")).ok());
  }
  std::int64_t count() {
    auto rows = db().query("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows->front().int64(0) : -1;
  }
};

TEST_P(DeferredTest, OutsideATransactionRunsAtOnce) {
  ASSERT_TRUE(executeDeferred(db(), kInsert, {"a"}).ok());
  EXPECT_EQ(count(), 1);
  EXPECT_TRUE(isUniqueViolation(executeDeferred(db(), kInsert, {"a"}).error()));
}

TEST_P(DeferredTest, TheNextStatementSeesDeferredWritesAndCommitKeepsThem) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok()) << tx.error().message;
  ASSERT_TRUE(executeDeferred(**tx, kInsert, {"a"}).ok());
  ASSERT_TRUE(executeDeferred(**tx, kInsert, {"b"}).ok());
  auto seen = (*tx)->query("SELECT v FROM t ORDER BY v");
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ(*seen->front().text(0), "a");
  ASSERT_TRUE(executeDeferred(**tx, kInsert, {"c"}).ok());
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(count(), 3);
}

TEST_P(DeferredTest, ManyDeferredWritesAreAllApplied) {
  Status st = db().runInTransaction([](Transaction& tx) -> Status {
    for (int i = 0; i < 300; ++i)
      PLEXUS_TRY_VOID(executeDeferred(tx, kInsert, {std::to_string(i)}));
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(count(), 300);
}

TEST_P(DeferredTest, RollbackDropsDeferredWrites) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->execute(kInsert, {"sent"}).ok());
  ASSERT_TRUE(executeDeferred(**tx, kInsert, {"queued"}).ok());
  ASSERT_TRUE((*tx)->rollback().ok());
  tx->reset();
  EXPECT_EQ(count(), 0);
  {
    auto dropped = db().transaction();
    ASSERT_TRUE(dropped.ok());
    ASSERT_TRUE(executeDeferred(**dropped, kInsert, {"queued"}).ok());
  }  // destroyed without commit
  EXPECT_EQ(count(), 0);
}

TEST_P(DeferredTest, ADeferredErrorFailsTheTransactionAndKeepsNothing) {
  ASSERT_TRUE(db().execute(kInsert, {"dup"}).ok());
  // The violation surfaces at the statement after it (PostgreSQL) or at once (SQLite).
  Status st = db().runInTransaction([](Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(executeDeferred(tx, kInsert, {"new"}));
    PLEXUS_TRY_VOID(executeDeferred(tx, kInsert, {"dup"}));
    PLEXUS_TRY_VOID(tx.query("SELECT COUNT(*) FROM t"));
    return {};
  });
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(isUniqueViolation(st.error())) << st.error().message;
  // Or at the commit, when nothing follows it.
  st = db().runInTransaction([](Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(executeDeferred(tx, kInsert, {"new"}));
    return executeDeferred(tx, kInsert, {"dup"});
  });
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(isUniqueViolation(st.error())) << st.error().message;
  EXPECT_EQ(count(), 1);
  // The connection is clean for the next user.
  ASSERT_TRUE(db().runInTransaction([](Transaction& tx) -> Status {
                    return executeDeferred(tx, kInsert, {"after"});
                  })
                  .ok());
  EXPECT_EQ(count(), 2);
}

TEST_P(DeferredTest, AnEmptyTransactionCommits) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  EXPECT_TRUE((*tx)->commit().ok());
  EXPECT_FALSE((*tx)->active());
}

TEST_P(DeferredTest, OnPostgresBeginDeferredWritesAndCommitShareRoundTrips) {
  if (dialect() != Dialect::kPostgres) GTEST_SKIP() << "PostgreSQL only";
  auto run = [&] {
    return db().runInTransaction([](Transaction& tx) -> Status {
      PLEXUS_TRY_VOID(executeDeferred(tx, kInsert, {"a"}));
      PLEXUS_TRY(auto rows, tx.query("SELECT COUNT(*) FROM t"));
      PLEXUS_TRY_VOID(executeDeferred(tx, "DELETE FROM t WHERE v = $1", {"a"}));
      PLEXUS_TRY_VOID(executeDeferred(tx, kInsert, {"b"}));
      return {};
    });
  };
  ASSERT_TRUE(run().ok());  // prepares the statements (in the same pipelines)
  ASSERT_TRUE(db().execute("DELETE FROM t").ok());
  std::uint64_t before = postgresRoundTrips();
  Status st = run();
  ASSERT_TRUE(st.ok()) << st.error().message;
  // BEGIN + INSERT + SELECT, then DELETE + INSERT + COMMIT.
  EXPECT_EQ(postgresRoundTrips() - before, 2u);
  EXPECT_EQ(count(), 1);
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(DeferredTest);

}  // namespace plexus::storage
