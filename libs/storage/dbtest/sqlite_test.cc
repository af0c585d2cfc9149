// SQLite-only behaviour: the pragmas the node relies on, in-memory databases, the
// nested-use guard, and crash safety: rows committed by a process that is SIGKILLed are all
// there when the database is opened again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include "plexus/storage/sqlite_database.h"
#include "plexus/storage/testing/test_database.h"

namespace plexus::storage {
namespace {

using testing::TestDatabase;

std::unique_ptr<TestDatabase> makeSqlite() {
  auto t = TestDatabase::create(Dialect::kSqlite);
  EXPECT_TRUE(t.ok()) << t.error().message;
  return t.ok() ? std::move(*t) : nullptr;
}

TEST(SqliteTest, UsesWalSynchronousNormalAndForeignKeys) {
  auto t = makeSqlite();
  ASSERT_TRUE(t);
  auto mode = t->db().query("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(*mode->front().text(0), "wal");
  // Pragmas that are per connection are checked through a transaction, which runs on the
  // writer connection.
  auto tx = t->db().transaction();
  ASSERT_TRUE(tx.ok());
  auto sync = (*tx)->query("PRAGMA synchronous");
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(*sync->front().int64(0), 1) << "NORMAL";
  auto fk = (*tx)->query("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.ok());
  EXPECT_EQ(*fk->front().int64(0), 1);
  auto timeout = (*tx)->query("PRAGMA busy_timeout");
  ASSERT_TRUE(timeout.ok());
  EXPECT_EQ(*timeout->front().int64(0), 5000);
}

// The writer never checkpoints inside a commit (that fsyncs under the writer lock); a background
// thread does, so the WAL stays far below the volume written.
TEST(SqliteTest, CheckpointsTheWalInTheBackgroundAndKeepsItBounded) {
  auto t = makeSqlite();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->db().executeScript("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)").ok());
  const std::string blob(8192, 'x');
  constexpr int kCommits = 3000;  // ~24 MB of pages through the WAL
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_TRUE(t->db().execute("INSERT INTO blobs (b) VALUES ($1)", {Value::blob(blob)}).ok());
  }
  for (int i = 0; i < 100 && t->db().stats().walCheckpoints == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(t->db().stats().walCheckpoints, 0u);
  // The next commit after a complete checkpoint restarts the WAL and cuts its file back to
  // journal_size_limit (16 MB).
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(t->db().execute("INSERT INTO blobs (b) VALUES ($1)", {Value::blob("y")}).ok());
    struct stat now {};
    if (::stat((t->location() + "-wal").c_str(), &now) == 0 && now.st_size <= 16 * 1024 * 1024) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  struct stat st {};
  ASSERT_EQ(::stat((t->location() + "-wal").c_str(), &st), 0);
  EXPECT_LE(st.st_size, 16 * 1024 * 1024) << "the WAL is never restarted";
  auto count = t->db().query("SELECT COUNT(*) FROM blobs WHERE length(b) = 8192");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count->front().int64(0), kCommits);
}

// Writers that commit at the same moment share one commit: while one slow transaction holds the
// writer, the transactions queued behind it run together in the next one.
TEST(SqliteTest, ConcurrentTransactionsShareACommit) {
  auto t = makeSqlite();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->db().executeScript("CREATE TABLE g (id INTEGER PRIMARY KEY, who INTEGER)").ok());
  std::thread slow([&] {
    Status st = t->db().runInTransaction([&](Transaction& tx) -> Status {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      PLEXUS_TRY_VOID(tx.execute("INSERT INTO g (who) VALUES (0)"));
      return {};
    });
    EXPECT_TRUE(st.ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<std::thread> quick;
  for (int i = 1; i <= 4; ++i) {
    quick.emplace_back([&, i] {
      Status st = t->db().runInTransaction([&](Transaction& tx) -> Status {
        PLEXUS_TRY_VOID(tx.execute("INSERT INTO g (who) VALUES ($1)", {i}));
        return {};
      });
      EXPECT_TRUE(st.ok());
    });
  }
  slow.join();
  for (auto& q : quick) q.join();
  auto rows = t->db().query("SELECT COUNT(*) FROM g");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows->front().int64(0), 5);
  EXPECT_GE(t->db().stats().groupedTransactions, 2u);
}

TEST(SqliteTest, WorksInMemory) {
  SqliteConfig c;
  c.path = ":memory:";
  auto db = openSqlite(c);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->executeScript("CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE((*db)->execute("INSERT INTO t VALUES ($1)", {5}).ok());
  auto rows = (*db)->query("SELECT x FROM t");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows->front().int64(0), 5);
}

TEST(SqliteTest, RejectsBadConfigWithEveryProblem) {
  SqliteConfig c;
  c.readers = -1;
  auto problems = c.verify();
  EXPECT_EQ(problems.size(), 2u);  // empty path, negative readers
  EXPECT_FALSE(openSqlite(c).ok());
}

TEST(SqliteTest, ReportsUseOfTheDatabaseInsideATransactionInsteadOfDeadlocking) {
  auto t = makeSqlite();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->db().executeScript("CREATE TABLE t (x INTEGER)").ok());
  auto tx = t->db().transaction();
  ASSERT_TRUE(tx.ok());
  auto nested = t->db().execute("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().code, ErrorCode::kInternal);
  auto second = t->db().transaction();
  EXPECT_FALSE(second.ok());
}

TEST(SqliteTest, ReportsBusyAsUnavailableWhenAnotherProcessHoldsTheLock) {
  auto t = makeSqlite();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->db().executeScript("CREATE TABLE t (x INTEGER)").ok());
  SqliteConfig c;
  c.path = t->location();
  c.busyTimeoutMs = 50;
  auto impatient = openSqlite(c);
  ASSERT_TRUE(impatient.ok());
  auto tx = t->db().transaction();  // holds the write lock
  ASSERT_TRUE(tx.ok());
  auto blocked = (*impatient)->execute("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable) << blocked.error().message;
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_TRUE((*impatient)->execute("INSERT INTO t VALUES (1)").ok());
}

// The child commits rows one transaction at a time and reports each committed id through a
// pipe; the parent kills it with SIGKILL in the middle of its work.
TEST(SqliteTest, KeepsEveryCommittedRowWhenTheProcessIsKilled) {
  auto t = makeSqlite();
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->db().executeScript("CREATE TABLE acked (id INTEGER PRIMARY KEY, body BLOB)").ok());
  const std::string path = t->location();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    SqliteConfig c;
    c.path = path;
    auto db = openSqlite(c);
    if (!db.ok()) _exit(1);
    for (std::int64_t i = 1;; ++i) {
      Status st = (*db)->runInTransaction([&](Transaction& tx) -> Status {
        PLEXUS_TRY_VOID(tx.execute("INSERT INTO acked (id, body) VALUES ($1, $2)",
                                   {i, Value::blob(std::string(512, 'x'))}));
        return {};
      });
      if (!st.ok()) _exit(2);
      // Acknowledge only after commit returned.
      if (write(fds[1], &i, sizeof i) != sizeof i) _exit(3);
    }
  }
  close(fds[1]);
  std::set<std::int64_t> acked;
  std::int64_t id = 0;
  while (acked.size() < 300 && read(fds[0], &id, sizeof id) == sizeof id) acked.insert(id);
  kill(pid, SIGKILL);
  // Drain acknowledgements written before the kill landed.
  while (read(fds[0], &id, sizeof id) == sizeof id) acked.insert(id);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child should have been killed, status " << status;
  ASSERT_GE(acked.size(), 300u);

  ASSERT_TRUE(t->reopen().ok());
  auto rows = t->db().query("SELECT id FROM acked");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::set<std::int64_t> stored;
  for (Row r : *rows) stored.insert(*r.int64(0));
  for (std::int64_t a : acked) EXPECT_TRUE(stored.count(a)) << "acknowledged row " << a << " lost";
  auto check = t->db().query("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check->front().text(0), "ok");
}

}  // namespace
}  // namespace plexus::storage
