// PostgresDatabase: a bounded LIFO pool of connections (the most recently used connection,
// whose statement cache is warm, is handed out first), replacing broken ones lazily, and its
// transactions (BEGIN and deferred statements pipelined with the next statement).
#include "plexus/storage/postgres_database.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deferring_executor.h"
#include "postgres_connection.h"

namespace plexus::storage {
namespace {

using detail::PostgresConnection;
using detail::PostgresCounters;

class Pool;

// A connection borrowed from the pool; returns it (or discards it when broken) on destruction.
class Lease {
 public:
  Lease(Pool& pool, std::unique_ptr<PostgresConnection> conn)
      : pool_(&pool), conn_(std::move(conn)) {}
  Lease(Lease&& o) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  PostgresConnection* operator->() const { return conn_.get(); }
  PostgresConnection& operator*() const { return *conn_; }

 private:
  Pool* pool_;
  std::unique_ptr<PostgresConnection> conn_;
};

class Pool {
 public:
  explicit Pool(PostgresConfig config) : config_(std::move(config)) {}

  Result<Lease> acquire() {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.acquireTimeoutMs);
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        while (!idle_.empty()) {
          std::unique_ptr<PostgresConnection> c = std::move(idle_.back());
          idle_.pop_back();
          if (!c->broken()) return Lease(*this, std::move(c));
          --open_;  // dropped; a new one may be opened below
        }
        if (open_ < config_.poolSize) break;
        if (free_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_ >= config_.poolSize) {
          return fail(ErrorCode::kUnavailable, "postgres: no free connection in the pool");
        }
      }
      ++open_;  // reserve the slot, connect without holding the lock
    }
    auto conn = PostgresConnection::connect(config_, counters_);
    if (!conn.ok()) {
      {
        std::lock_guard lock(mutex_);
        --open_;
      }
      free_.notify_one();
      return std::move(conn).takeError();
    }
    return Lease(*this, std::move(*conn));
  }

  void release(std::unique_ptr<PostgresConnection> conn) {
    // A connection left inside a transaction (an error mid-way) is cleaned before reuse.
    if (!conn->broken() && !conn->idle()) (void)conn->command("ROLLBACK");
    {
      std::lock_guard lock(mutex_);
      if (conn->broken() || !conn->idle()) {
        --open_;
        conn.reset();
      } else {
        idle_.push_back(std::move(conn));
      }
    }
    free_.notify_one();
  }

  DatabaseStats stats() const {
    DatabaseStats out;
    out.statementsPrepared = counters_.prepared.load();
    out.statementCacheHits = counters_.cacheHits.load();
    out.connectionsOpened = counters_.opened.load();
    std::lock_guard lock(mutex_);
    out.connectionsInUse = static_cast<std::uint64_t>(open_) - idle_.size();
    out.poolSize = static_cast<std::uint64_t>(config_.poolSize);
    return out;
  }

 private:
  PostgresConfig config_;
  PostgresCounters counters_;
  mutable std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<PostgresConnection>> idle_;
  int open_ = 0;  // idle + leased + being opened
};

Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

// BEGIN is not sent when the transaction starts but with its first statement, and statements
// deferred with executeDeferred() wait for the next statement or the COMMIT: each batch goes
// out as one pipeline, one round trip.
class PostgresTransaction final : public Transaction, public detail::DeferringExecutor {
 public:
  explicit PostgresTransaction(Lease lease) : lease_(std::move(lease)) {}
  ~PostgresTransaction() override { (void)rollback(); }

  // Executor
  Dialect dialect() const override { return Dialect::kPostgres; }
  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    PLEXUS_TRY_VOID(checkActive());
    if (!pending()) return lease_->execute(sql, params);
    PLEXUS_TRY(auto res, flush(PostgresConnection::PipelineStep{sql, &params}));
    return PostgresConnection::changedRows(res.get());
  }
  Result<Rows> query(std::string_view sql, const Params& params) override {
    PLEXUS_TRY_VOID(checkActive());
    if (!pending()) return lease_->query(sql, params);
    PLEXUS_TRY(auto res, flush(PostgresConnection::PipelineStep{sql, &params}));
    return PostgresConnection::rowsOf(res.get());
  }
  Status executeScript(std::string_view sql) override {
    PLEXUS_TRY_VOID(checkActive());
    if (pending()) PLEXUS_TRY_VOID(flush(std::nullopt));
    return lease_->executeScript(sql);
  }

  // DeferringExecutor
  Status defer(std::string_view sql, const Params& params) override {
    PLEXUS_TRY_VOID(checkActive());
    deferred_.push_back({std::string(sql), params});
    // Bounded, so that one pipeline never holds more than a few statements' answers unread.
    if (deferred_.size() >= kMaxDeferred) PLEXUS_TRY_VOID(flush(std::nullopt));
    return {};
  }

  // Transaction
  Status commit() override {
    PLEXUS_TRY_VOID(checkActive());
    active_ = false;
    if (!begun_ && deferred_.empty()) return {};  // nothing ran: nothing to commit
    PLEXUS_TRY(auto res, flush(PostgresConnection::PipelineStep{"COMMIT", nullptr}));
    // COMMIT of a transaction an earlier statement aborted answers "ROLLBACK".
    if (std::string_view(PQcmdStatus(res.get())) != "COMMIT") {
      return fail(ErrorCode::kInternal,
                  "postgres: transaction was rolled back after an earlier error");
    }
    return {};
  }
  Status rollback() override {
    if (!active_) return {};
    active_ = false;
    deferred_.clear();
    if (!begun_) return {};
    if (lease_->broken()) return {};  // the server rolls back a lost session's transaction
    PLEXUS_TRY_VOID(lease_->command("ROLLBACK"));
    return {};
  }
  bool active() const override { return active_; }

 private:
  static constexpr std::size_t kMaxDeferred = 64;

  struct Deferred {
    std::string sql;
    Params params;
  };

  Status checkActive() const {
    if (!active_) return fail(ErrorCode::kInternal, "storage: transaction already ended");
    return {};
  }
  bool pending() const { return !begun_ || !deferred_.empty(); }

  // Sends BEGIN (first time), the deferred statements and `last` in one pipeline; returns the
  // result of `last` (null without one).
  Result<PostgresConnection::ResultPtr> flush(
      std::optional<PostgresConnection::PipelineStep> last) {
    std::vector<PostgresConnection::PipelineStep> steps;
    steps.reserve(deferred_.size() + 2);
    if (!begun_) steps.push_back({"BEGIN", nullptr});
    for (const Deferred& d : deferred_) steps.push_back({d.sql, &d.params});
    if (last) steps.push_back(*last);
    begun_ = true;  // even when this fails: ROLLBACK is then due (harmless if none is open)
    auto results = lease_->pipeline(steps);
    deferred_.clear();
    if (!results.ok()) return std::move(results).takeError();
    if (!last) return PostgresConnection::ResultPtr(nullptr, &PQclear);
    return std::move(results->back());
  }

  Lease lease_;
  bool active_ = true;
  bool begun_ = false;
  std::vector<Deferred> deferred_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PostgresConfig config) : pool_(std::move(config)) {}

  Status check() {
    PLEXUS_TRY(Lease lease, pool_.acquire());
    return {};
  }

  // Executor
  Dialect dialect() const override { return Dialect::kPostgres; }
  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    PLEXUS_TRY(Lease lease, pool_.acquire());
    return lease->execute(sql, params);
  }
  Result<Rows> query(std::string_view sql, const Params& params) override {
    PLEXUS_TRY(Lease lease, pool_.acquire());
    return lease->query(sql, params);
  }
  Status executeScript(std::string_view sql) override {
    PLEXUS_TRY(Lease lease, pool_.acquire());
    return lease->executeScript(sql);
  }

  // Database
  Result<std::unique_ptr<Transaction>> transaction() override {
    PLEXUS_TRY(Lease lease, pool_.acquire());
    return std::unique_ptr<Transaction>(std::make_unique<PostgresTransaction>(std::move(lease)));
  }
  DatabaseStats stats() const override { return pool_.stats(); }

 private:
  Pool pool_;
};

}  // namespace

std::vector<std::string> PostgresConfig::verify() const {
  std::vector<std::string> problems;
  if (dsn.empty()) problems.push_back("postgres: dsn is empty");
  if (poolSize < 1) problems.push_back("postgres: poolSize must be >= 1");
  if (acquireTimeoutMs < 0) problems.push_back("postgres: acquireTimeoutMs must be >= 0");
  if (connectTimeoutS < 0) problems.push_back("postgres: connectTimeoutS must be >= 0");
  if (statementCacheSize < 1) problems.push_back("postgres: statementCacheSize must be >= 1");
  return problems;
}

Result<std::unique_ptr<Database>> openPostgres(const PostgresConfig& config) {
  auto problems = config.verify();
  if (!problems.empty()) {
    std::string msg;
    for (auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    return fail(ErrorCode::kInvalidParam, msg);
  }
  auto db = std::make_unique<PostgresDatabase>(config);
  PLEXUS_TRY_VOID(db->check());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace plexus::storage
