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
