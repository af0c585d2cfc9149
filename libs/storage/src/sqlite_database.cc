// SqliteDatabase: the writer connection (behind a mutex, also held by open transactions) and
// a LIFO pool of read-only connections. A query whose statement writes (INSERT ... RETURNING)
// is detected with sqlite3_stmt_readonly and sent to the writer.
#include "plexus/storage/sqlite_database.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sqlite_checkpointer.h"
#include "sqlite_connection.h"
#include "sqlite_group_commit.h"

namespace plexus::storage {
namespace {

using detail::SqliteConnection;
using detail::SqliteCounters;

class SqliteDatabase;

bool isMemoryPath(const std::string& path) {
  return path == ":memory:" || path.starts_with("file::memory:");
}

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteDatabase& db, std::unique_lock<std::mutex> lock, SqliteConnection& conn)
      : db_(db), lock_(std::move(lock)), conn_(conn) {}
  ~SqliteTransaction() override { (void)rollback(); }

  // Executor
  Dialect dialect() const override { return Dialect::kSqlite; }
  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    PLEXUS_TRY_VOID(checkActive());
    return conn_.execute(sql, params);
  }
  Result<Rows> query(std::string_view sql, const Params& params) override {
    PLEXUS_TRY_VOID(checkActive());
    return conn_.query(sql, params);
  }
  Status executeScript(std::string_view sql) override {
    PLEXUS_TRY_VOID(checkActive());
    return conn_.executeScript(sql);
  }

  // Transaction
  Status commit() override;
  Status rollback() override;
  bool active() const override { return active_; }

 private:
  Status checkActive() const {
    if (!active_) return fail(ErrorCode::kInternal, "storage: transaction already ended");
    return {};
  }
  void finish();

  SqliteDatabase& db_;
  std::unique_lock<std::mutex> lock_;
  SqliteConnection& conn_;
  bool active_ = true;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(SqliteConfig config) : config_(std::move(config)) {}

  Status init() {
    SqliteConnection::Options opts{false, config_.busyTimeoutMs, config_.synchronousFull,
                                   config_.statementCacheSize};
    PLEXUS_TRY(writer_, SqliteConnection::open(config_.path, opts, counters_));
    groupCommit_ =
        std::make_unique<detail::SqliteGroupCommit>(*writer_, writerMutex_, writerOwner_);
    if (!isMemoryPath(config_.path)) {  // ":memory:" has no WAL
      PLEXUS_TRY(checkpointer_, detail::SqliteCheckpointer::start(config_.path, *writer_,
                                                                  writerMutex_, opts, counters_));
    }
    // Readers are opened lazily: the file now exists in WAL mode.
    return {};
  }

  // Executor
  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    PLEXUS_TRY(auto lock, lockWriter());
    return writer_->execute(sql, params);
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    if (config_.readers > 0) {
      PLEXUS_TRY(SqliteConnection * reader, acquireReader());
      struct Release {
        SqliteDatabase* db;
        SqliteConnection* c;
        ~Release() { db->releaseReader(c); }
      } release{this, reader};
      PLEXUS_TRY(sqlite3_stmt * stmt, reader->prepare(sql));
      if (sqlite3_stmt_readonly(stmt)) {
        Rows rows;
        PLEXUS_TRY_VOID(reader->run(stmt, params, &rows));
        return rows;
      }
    }
    PLEXUS_TRY(auto lock, lockWriter());
    return writer_->query(sql, params);
  }

  Status executeScript(std::string_view sql) override {
    PLEXUS_TRY(auto lock, lockWriter());
    return writer_->executeScript(sql);
  }

  // Database
  Result<std::unique_ptr<Transaction>> transaction() override {
    PLEXUS_TRY(auto lock, lockWriter());
    // IMMEDIATE takes the write lock now, so a transaction never fails half-way with BUSY
    // when it first writes (another process may hold the file).
    PLEXUS_TRY_VOID(writer_->execute("BEGIN IMMEDIATE", {}));
    writerOwner_ = std::this_thread::get_id();
    return std::unique_ptr<Transaction>(
        std::make_unique<SqliteTransaction>(*this, std::move(lock), *writer_));
  }

  Status runInTransaction(const std::function<Status(Transaction&)>& fn, int attempts) override {
    Status last = fail(ErrorCode::kInternal, "storage: runInTransaction with no attempts");
    for (int i = 0; i < attempts; ++i) {
      last = groupCommit_->run(fn);
      if (last.ok() || last.error().code != ErrorCode::kUnavailable) return last;
    }
    return last;
  }

  DatabaseStats stats() const override {
    return DatabaseStats{counters_.prepared.load(), counters_.cacheHits.load(),
                         counters_.opened.load(), checkpointer_ ? checkpointer_->checkpoints() : 0,
                         groupCommit_->grouped()};
  }

  void transactionEnded() { writerOwner_ = std::thread::id(); }

 private:
  Result<std::unique_lock<std::mutex>> lockWriter() {
    if (writerOwner_.load() == std::this_thread::get_id()) {
      return fail(ErrorCode::kInternal,
                  "storage: this thread has a transaction open; use the transaction");
    }
    return std::unique_lock<std::mutex>(writerMutex_);
  }

  Result<SqliteConnection*> acquireReader() {
    {
      std::unique_lock lock(readersMutex_);
      for (;;) {
        if (!idleReaders_.empty()) {
          SqliteConnection* c = idleReaders_.back();
          idleReaders_.pop_back();
          return c;
        }
        if (static_cast<int>(readers_.size()) < config_.readers) break;
        readerFree_.wait(lock);
      }
      readers_.emplace_back();  // reserve the slot; filled below without the lock held
    }
    SqliteConnection::Options opts{true, config_.busyTimeoutMs, config_.synchronousFull,
                                   config_.statementCacheSize};
    auto conn = SqliteConnection::open(config_.path, opts, counters_);
    std::lock_guard lock(readersMutex_);
    auto slot = std::find(readers_.begin(), readers_.end(), nullptr);
    if (!conn.ok()) {
      readers_.erase(slot);
      readerFree_.notify_one();
      return std::move(conn).takeError();
    }
    *slot = std::move(*conn);
    return slot->get();
  }

  void releaseReader(SqliteConnection* c) {
    {
      std::lock_guard lock(readersMutex_);
      idleReaders_.push_back(c);
    }
    readerFree_.notify_one();
  }

  SqliteConfig config_;
  SqliteCounters counters_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex writerMutex_;
  std::unique_ptr<detail::SqliteCheckpointer> checkpointer_;  // destroyed before writer_
  std::unique_ptr<detail::SqliteGroupCommit> groupCommit_;
  std::atomic<std::thread::id> writerOwner_{};

  std::mutex readersMutex_;
  std::condition_variable readerFree_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::vector<SqliteConnection*> idleReaders_;  // LIFO: a warm statement cache gets reused
};

void SqliteTransaction::finish() {
  active_ = false;
  db_.transactionEnded();
  lock_.unlock();
}

Status SqliteTransaction::commit() {
  PLEXUS_TRY_VOID(checkActive());
  auto st = conn_.execute("COMMIT", {});
  if (!st.ok()) {
    (void)conn_.execute("ROLLBACK", {});
    finish();
    return std::move(st).takeError();
  }
  finish();
  return {};
}

Status SqliteTransaction::rollback() {
  if (!active_) return {};
  auto st = conn_.execute("ROLLBACK", {});
  finish();
  if (!st.ok()) return std::move(st).takeError();
  return {};
}

}  // namespace

std::vector<std::string> SqliteConfig::verify() const {
  std::vector<std::string> problems;
  if (path.empty()) problems.push_back("sqlite: path is empty");
  if (readers < 0) problems.push_back("sqlite: readers must be >= 0");
  if (busyTimeoutMs < 0) problems.push_back("sqlite: busyTimeoutMs must be >= 0");
  if (statementCacheSize < 1) problems.push_back("sqlite: statementCacheSize must be >= 1");
  return problems;
}

Result<std::unique_ptr<Database>> openSqlite(const SqliteConfig& config) {
  auto problems = config.verify();
  if (!problems.empty()) {
    std::string msg;
    for (auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    return fail(ErrorCode::kInvalidParam, msg);
  }
  SqliteConfig c = config;
  // Every connection to ":memory:" is a separate database: use the writer only.
  if (isMemoryPath(c.path)) c.readers = 0;
  auto db = std::make_unique<SqliteDatabase>(std::move(c));
  PLEXUS_TRY_VOID(db->init());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace plexus::storage
