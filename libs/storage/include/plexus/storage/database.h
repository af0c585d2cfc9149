// The database abstraction every service's storage is written against: one API over SQLite
// (client-side node, embedded) and PostgreSQL (cluster).
//
// SQL dialect rules for callers:
// - Placeholders are written PostgreSQL style, $1, $2, ... (each may appear several times and
//   in any order); the SQLite backend rewrites them to ?1, ?2 before preparing.
// - New row ids come back through `INSERT ... RETURNING id` with query(); both dialects
//   support it (SQLite >= 3.35), so there is no last-insert-id call.
// - Idempotent inserts use `INSERT ... ON CONFLICT DO NOTHING` (both dialects) or check
//   isUniqueViolation() on the error.
// - Where DDL differs (INTEGER PRIMARY KEY vs BIGINT GENERATED ... AS IDENTITY, BLOB vs
//   BYTEA), migrations carry one SQL text per dialect (see migrations.h).
//
// Errors (plexus::Error): a unique-constraint violation is recognised by isUniqueViolation();
// lock contention that outlived the busy timeout, serialization failures, deadlocks and lost
// connections are ErrorCode::kUnavailable (retry: runInTransaction() does); other constraint
// violations are kInvalidParam; anything else (SQL errors, misuse) is kInternal. Nothing
// throws.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/storage/rows.h"
#include "plexus/storage/value.h"

namespace plexus::storage {

enum class Dialect : std::uint8_t { kSqlite, kPostgres };

std::string_view dialectName(Dialect d);

// What can run statements: the Database itself (each statement in its own implicit
// transaction) or an open Transaction. Store code that takes an Executor& works either way.
class Executor {
 public:
  virtual ~Executor() = default;

  virtual Dialect dialect() const = 0;

  // Runs one statement that returns no rows; returns the number of rows it changed.
  // Prepared statements are cached per connection, keyed by the SQL text.
  virtual Result<std::int64_t> execute(std::string_view sql, const Params& params = {}) = 0;

  // Runs one statement (SELECT, or any statement with RETURNING) and returns all its rows.
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;

  // Runs several ;-separated statements without parameters (migrations). Not cached.
  virtual Status executeScript(std::string_view sql) = 0;
};

// An open transaction, holding one connection (PostgreSQL) or the writer (SQLite) until it
// ends. Rolled back on destruction unless commit() succeeded. Use and destroy it on the
// thread that started it (SQLite holds the writer mutex). While it is open that thread must
// not use the Database directly (SQLite returns an error rather than deadlocking; PostgreSQL
// would take a second pool connection).
class Transaction : public Executor {
 public:
  // Commits. On failure the transaction is rolled back and the error returned (a
  // serialization failure is kUnavailable: run the whole transaction again).
  virtual Status commit() = 0;
  // Rolls back; a no-op when the transaction already ended.
  virtual Status rollback() = 0;
  // True until commit() or rollback().
  virtual bool active() const = 0;
};

struct DatabaseStats {
  std::uint64_t statementsPrepared = 0;  // cache misses: statements compiled by the server
  std::uint64_t statementCacheHits = 0;  // executions that reused a cached prepared statement
  std::uint64_t connectionsOpened = 0;   // including reconnects
  std::uint64_t walCheckpoints = 0;      // SQLite: background WAL checkpoints run so far
  std::uint64_t groupedTransactions = 0;  // SQLite: transactions that shared a commit
  // PostgreSQL: connections lent out right now, and the pool's bound (0 for SQLite).
  std::uint64_t connectionsInUse = 0;
  std::uint64_t poolSize = 0;
};

// Thread-safe: any number of threads may call any method at once. Every Transaction must
// end before its Database is destroyed.
class Database : public Executor {
 public:
  // Starts a transaction. SQLite: BEGIN IMMEDIATE on the writer connection (one writer at a
  // time; other threads wait). PostgreSQL: BEGIN on a pool connection (READ COMMITTED).
  // Errors: kUnavailable when no connection or lock could be had in time.
  virtual Result<std::unique_ptr<Transaction>> transaction() = 0;

  virtual DatabaseStats stats() const = 0;

  // Runs fn in a transaction and commits it; rolls back when fn fails. When fn or the commit
  // fails with kUnavailable (busy, serialization failure, lost connection), the whole
  // transaction is run again, up to `attempts` times in all. fn must therefore be safe to
  // repeat and must not keep state across attempts. SQLite runs the bodies that several threads
  // submit at once in one shared transaction (group commit), each in its own savepoint, so fn
  // may run on another thread than the caller's, and must not end the transaction itself.
  virtual Status runInTransaction(const std::function<Status(Transaction&)>& fn,
                                  int attempts = 3);
};

}  // namespace plexus::storage
