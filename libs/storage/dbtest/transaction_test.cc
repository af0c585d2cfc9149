// Transactions on both backends: commit, explicit rollback, rollback on destruction,
// isolation from other connections, misuse reported as errors, and the retrying runner.
#include <gtest/gtest.h>

#include "plexus/storage/errors.h"
#include "plexus/storage/testing/database_test.h"
#include "test_schema.h"

namespace plexus::storage {
namespace {

using testing::DatabaseTest;

class TransactionTest : public DatabaseTest {
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

TEST_P(TransactionTest, CommitMakesWritesVisible) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok()) << tx.error().message;
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"a"}).ok());
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"b"}).ok());
  auto inside = (*tx)->query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(inside.ok());
  EXPECT_EQ(*inside->front().int64(0), 2) << "a transaction sees its own writes";
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_FALSE((*tx)->active());
  tx->reset();
  EXPECT_EQ(count(), 2);
}

TEST_P(TransactionTest, RollbackDiscardsWrites) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"a"}).ok());
  ASSERT_TRUE((*tx)->rollback().ok());
  EXPECT_TRUE((*tx)->rollback().ok()) << "a second rollback is a no-op";
  tx->reset();
  EXPECT_EQ(count(), 0);
}

TEST_P(TransactionTest, DestructionWithoutCommitRollsBack) {
  {
    auto tx = db().transaction();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"a"}).ok());
  }
  EXPECT_EQ(count(), 0);
  // The connection is usable again afterwards.
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok()) << tx.error().message;
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"b"}).ok());
  ASSERT_TRUE((*tx)->commit().ok());
  tx->reset();
  EXPECT_EQ(count(), 1);
}

TEST_P(TransactionTest, UncommittedWritesAreInvisibleToOtherHandles) {
  auto other = testDatabase().openAnother();
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"a"}).ok());
  auto seen = (*other)->query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(*seen->front().int64(0), 0);
  ASSERT_TRUE((*tx)->commit().ok());
  seen = (*other)->query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(*seen->front().int64(0), 1);
}

TEST_P(TransactionTest, UseAfterCommitIsAnError) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_FALSE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"a"}).ok());
  EXPECT_FALSE((*tx)->query("SELECT 1").ok());
  EXPECT_FALSE((*tx)->commit().ok());
}

TEST_P(TransactionTest, UniqueViolationInsideTransactionIsReportedAndRollsBack) {
  ASSERT_TRUE(db().execute("INSERT INTO t (v) VALUES ($1)", {"dup"}).ok());
  Status st = db().runInTransaction([](Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (v) VALUES ($1)", {"new"}));
    PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (v) VALUES ($1)", {"dup"}));
    return {};
  });
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(isUniqueViolation(st.error())) << st.error().message;
  EXPECT_EQ(count(), 1) << "the first insert was rolled back too";
}

TEST_P(TransactionTest, RunInTransactionCommitsOnSuccess) {
  Status st = db().runInTransaction([](Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (v) VALUES ($1)", {"a"}));
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(count(), 1);
}

TEST_P(TransactionTest, RunInTransactionRetriesUnavailableAndStopsOnOtherErrors) {
  int calls = 0;
  Status st = db().runInTransaction([&](Transaction& tx) -> Status {
    ++calls;
    PLEXUS_TRY_VOID(
        tx.execute("INSERT INTO t (v) VALUES ($1)", {std::string("x") + std::to_string(calls)}));
    if (calls < 3) return fail(ErrorCode::kUnavailable, "simulated serialization failure");
    return {};
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(count(), 1) << "only the last attempt committed";

  calls = 0;
  st = db().runInTransaction([&](Transaction&) -> Status {
    ++calls;
    return fail(ErrorCode::kInvalidParam, "bad");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(calls, 1);
}

TEST_P(TransactionTest, StatementErrorThenCommitFailsAndKeepsNothing) {
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (v) VALUES ($1)", {"a"}).ok());
  EXPECT_FALSE((*tx)->execute("INSERT INTO missing_table VALUES (1)").ok());
  // PostgreSQL aborts the whole transaction on an error; SQLite keeps the good statements.
  // Callers must not rely on either: an error inside a transaction means roll back.
  Status commit = (*tx)->commit();
  if (dialect() == Dialect::kPostgres) {
    EXPECT_FALSE(commit.ok());
    EXPECT_EQ(count(), 0);
  }
  tx->reset();
  EXPECT_TRUE(db().execute("INSERT INTO t (v) VALUES ($1)", {"b"}).ok()) << "still usable";
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(TransactionTest);

}  // namespace
}  // namespace plexus::storage
