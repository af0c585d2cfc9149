// Several threads at once, on both backends: concurrent writers through one handle, writers
// through separate handles (SQLite: lock contention between connections, absorbed by the busy
// timeout), and readers running beside a writer.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "plexus/storage/testing/database_test.h"
#include "test_schema.h"

namespace plexus::storage {
namespace {

using testing::DatabaseTest;

constexpr int kThreads = 4;
constexpr int kRowsPerThread = 50;

class ConcurrencyTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(
        db().executeScript(test::createTableSql(dialect(), "t",
                                                "thread BIGINT NOT NULL, n BIGINT NOT NULL, "
                                                "UNIQUE (thread, n)"))
            .ok());
  }
  std::int64_t count(Database& d) {
    auto rows = d.query("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows->front().int64(0) : -1;
  }
};

// Transactions submitted at the same moment may share one commit (SQLite group commit): each
// still succeeds or fails alone. Every third body fails after writing; its row must vanish
// while the other bodies' rows stay, whatever group they ran in.
TEST_P(ConcurrencyTest, AFailingTransactionAmongConcurrentOnesRollsBackAlone) {
  constexpr int kPerThread = 60;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kPerThread; ++n) {
        const bool failing = (t + n) % 3 == 0;
        Status st = db().runInTransaction([&](Transaction& tx) -> Status {
          PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {t, n}));
          PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {t, n + 1000}));
          if (failing) return fail(ErrorCode::kInvalidParam, "body fails after writing");
          return {};
        });
        if (st.ok() == failing) unexpected++;
        if (failing && (st.ok() || st.error().code != ErrorCode::kInvalidParam)) unexpected++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(unexpected.load(), 0);
  int expectedRows = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int n = 0; n < kPerThread; ++n) {
      if ((t + n) % 3 != 0) expectedRows += 2;
    }
  }
  EXPECT_EQ(count(db()), expectedRows);
  auto failed = db().query("SELECT COUNT(*) FROM t WHERE (thread + n) % 3 = 0 AND n < 1000");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_EQ(*failed->front().int64(0), 0);
}

// A constraint violation inside one body of a group is that body's error only.
TEST_P(ConcurrencyTest, AConstraintViolationFailsOnlyItsOwnTransaction) {
  ASSERT_TRUE(db().execute("INSERT INTO t (thread, n) VALUES (99, 0)").ok());
  std::atomic<int> ok{0}, violations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 1; n <= 40; ++n) {
        Status st = db().runInTransaction([&](Transaction& tx) -> Status {
          PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {t, n}));
          if (n % 10 == 0) {  // duplicates the row inserted before the threads started
            PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (thread, n) VALUES (99, 0)"));
          }
          return {};
        });
        (st.ok() ? ok : violations)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(violations.load(), kThreads * 4);
  EXPECT_EQ(ok.load(), kThreads * 36);
  EXPECT_EQ(count(db()), 1 + kThreads * 36);
}

TEST_P(ConcurrencyTest, ThreadsInsertingThroughOneHandleLoseNothing) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kRowsPerThread; ++n) {
        // Alternate autocommit statements and explicit transactions.
        if (n % 2 == 0) {
          if (!db().execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {t, n}).ok()) failures++;
        } else {
          Status st = db().runInTransaction([&](Transaction& tx) -> Status {
            PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {t, n}));
            PLEXUS_TRY_VOID(tx.query("SELECT COUNT(*) FROM t WHERE thread = $1", {t}));
            return {};
          });
          if (!st.ok()) failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(db()), kThreads * kRowsPerThread);
}

TEST_P(ConcurrencyTest, WritersOnSeparateHandlesWaitForEachOther) {
  std::vector<std::unique_ptr<Database>> handles;
  for (int t = 0; t < kThreads; ++t) {
    auto h = testDatabase().openAnother();
    ASSERT_TRUE(h.ok()) << h.error().message;
    handles.push_back(std::move(*h));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kRowsPerThread; ++n) {
        Status st = handles[t]->runInTransaction([&](Transaction& tx) -> Status {
          PLEXUS_TRY_VOID(tx.execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {t, n}));
          return {};
        });
        if (!st.ok()) {
          ADD_FAILURE() << st.error().message;
          failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(db()), kThreads * kRowsPerThread);
}

TEST_P(ConcurrencyTest, ReadersRunWhileAWriterHoldsATransaction) {
  ASSERT_TRUE(db().execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {0, 0}).ok());
  auto tx = db().transaction();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->execute("INSERT INTO t (thread, n) VALUES ($1, $2)", {0, 1}).ok());
  std::atomic<int> seen{-1};
  std::thread reader([&] {
    auto rows = db().query("SELECT COUNT(*) FROM t");
    if (rows.ok()) seen = static_cast<int>(*rows->front().int64(0));
  });
  reader.join();  // would hang if reads waited for the writer
  EXPECT_EQ(seen.load(), 1) << "the reader sees the last committed state";
  ASSERT_TRUE((*tx)->commit().ok());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(ConcurrencyTest);

}  // namespace
}  // namespace plexus::storage
