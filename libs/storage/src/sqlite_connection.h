// One SQLite connection with its prepared-statement cache. Not thread-safe: SqliteDatabase
// hands each connection to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage::detail {

struct SqliteCounters {
  std::atomic<std::uint64_t> prepared{0};
  std::atomic<std::uint64_t> cacheHits{0};
  std::atomic<std::uint64_t> opened{0};
};

class SqliteConnection {
 public:
  struct Options {
    bool readOnly = false;
    int busyTimeoutMs = 5000;
    bool synchronousFull = false;
    int statementCacheSize = 256;
  };

  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                        const Options& options,
                                                        SqliteCounters& counters);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A cached prepared statement for sql ($N placeholders), reset and ready to bind.
  Result<sqlite3_stmt*> prepare(std::string_view sql);
  // Binds params, steps to completion, collects rows when `rows` is not null; returns the
  // number of rows changed. Always resets the statement.
  Result<std::int64_t> run(sqlite3_stmt* stmt, const Params& params, Rows* rows);

  Result<std::int64_t> execute(std::string_view sql, const Params& params);
  Result<Rows> query(std::string_view sql, const Params& params);
  Status executeScript(std::string_view sql);

  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(sqlite3* db, const Options& options, SqliteCounters& counters)
      : db_(db), options_(options), counters_(counters) {}
  Error lastError(int rc, std::string_view context) const;
  void clearCache();

  sqlite3* db_;
  Options options_;
  SqliteCounters& counters_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Maps an SQLite result code (extended codes on) and message to a plexus Error.
Error sqliteError(int rc, std::string_view message);

}  // namespace plexus::storage::detail
