// SQLite connection setup (pragmas), statement cache, binding and result decoding.
#include "sqlite_connection.h"

#include <cctype>

#include "placeholders.h"
#include "plexus/storage/errors.h"

namespace plexus::storage::detail {

Error sqliteError(int rc, std::string_view message) {
  std::string msg = "sqlite: " + std::string(message);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return uniqueViolationError(msg);
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return makeError(ErrorCode::kUnavailable, msg);
    case SQLITE_CONSTRAINT:
      return makeError(ErrorCode::kInvalidParam, msg);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return makeError(ErrorCode::kUnavailable, msg);
    default:
      return makeError(ErrorCode::kInternal, msg);
  }
}

Error SqliteConnection::lastError(int rc, std::string_view context) const {
  return sqliteError(rc, std::string(context) + ": " + sqlite3_errmsg(db_));
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path,
                                                                 const Options& options,
                                                                 SqliteCounters& counters) {
  sqlite3* db = nullptr;
  // NOMUTEX: the database layer already gives each connection to one thread at a time.
  int flags =
      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI |
      (options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return makeError(ErrorCode::kUnavailable, "sqlite: cannot open " + path + ": " + msg);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db, options, counters));
  counters.opened++;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busyTimeoutMs);
  if (!options.readOnly) {
    // WAL lets readers run beside the writer; the mode is persistent in the file.
    PLEXUS_TRY(Rows mode, conn->query("PRAGMA journal_mode=WAL", {}));
    PLEXUS_TRY(std::string got, mode.front().text(0));
    if (got != "wal" && got != "memory") {
      return fail(ErrorCode::kInternal, "sqlite: could not enable WAL (journal_mode=" + got + ")");
    }
    // After a checkpoint lets the WAL restart, its file is cut back to this size.
    PLEXUS_TRY_VOID(conn->executeScript("PRAGMA journal_size_limit=16777216"));
  }
  PLEXUS_TRY_VOID(conn->executeScript(options.synchronousFull ? "PRAGMA synchronous=FULL"
                                                              : "PRAGMA synchronous=NORMAL"));
  PLEXUS_TRY_VOID(conn->executeScript("PRAGMA foreign_keys=ON"));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  clearCache();
  sqlite3_close_v2(db_);
}

void SqliteConnection::clearCache() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  cache_.clear();
}

Result<sqlite3_stmt*> SqliteConnection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) {
    counters_.cacheHits++;
    return it->second;
  }
  std::string translated = toSqlitePlaceholders(sql);
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, translated.c_str(), static_cast<int>(translated.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) return lastError(rc, "prepare");
  if (stmt == nullptr) return fail(ErrorCode::kInternal, "sqlite: empty statement");
  for (; tail && *tail; ++tail) {
    if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
      sqlite3_finalize(stmt);
      return fail(ErrorCode::kInternal,
                  "sqlite: several statements in one call; use executeScript");
    }
  }
  counters_.prepared++;
  if (static_cast<int>(cache_.size()) >= options_.statementCacheSize) clearCache();
  cache_.emplace(std::string(sql), stmt);
  return stmt;
}

Result<std::int64_t> SqliteConnection::run(sqlite3_stmt* stmt, const Params& params, Rows* rows) {
  struct Resetter {
    sqlite3_stmt* s;
    ~Resetter() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } resetter{stmt};

  int expected = sqlite3_bind_parameter_count(stmt);
  if (expected != static_cast<int>(params.size())) {
    return fail(ErrorCode::kInternal, "sqlite: statement takes " + std::to_string(expected) +
                                          " parameters, got " + std::to_string(params.size()));
  }
  for (int i = 0; i < expected; ++i) {
    const Value& v = params[static_cast<std::size_t>(i)];
    int rc = SQLITE_OK;
    switch (v.type()) {
      case Value::Type::kNull:
        rc = sqlite3_bind_null(stmt, i + 1);
        break;
      case Value::Type::kInt64:
        rc = sqlite3_bind_int64(stmt, i + 1, v.int64());
        break;
      case Value::Type::kText:
        rc = sqlite3_bind_text64(stmt, i + 1, v.bytes().data(), v.bytes().size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
        break;
      case Value::Type::kBlob:
        // An empty blob must not be bound from a null pointer: that binds NULL.
        rc = v.bytes().empty() ? sqlite3_bind_zeroblob(stmt, i + 1, 0)
                               : sqlite3_bind_blob64(stmt, i + 1, v.bytes().data(),
                                                     v.bytes().size(), SQLITE_STATIC);
        break;
    }
    if (rc != SQLITE_OK) return lastError(rc, "bind");
  }

  sqlite3_int64 totalBefore = sqlite3_total_changes64(db_);
  int columns = 0;
  for (bool first = true;; first = false) {
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return lastError(rc, "step");
    if (first && rows) {
      // Read the shape only after the first step: a schema change re-prepares the statement
      // inside sqlite3_step, and "SELECT *" may then have more columns than before.
      columns = sqlite3_column_count(stmt);
      std::vector<std::string> names;
      for (int c = 0; c < columns; ++c) {
        const char* name = sqlite3_column_name(stmt, c);
        names.emplace_back(name ? name : "");
      }
      *rows = Rows(std::move(names));
    }
    if (rc == SQLITE_DONE) break;
    if (!rows) continue;
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL:
          rows->append(Value());
          break;
        case SQLITE_INTEGER:
          rows->append(Value(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_BLOB: {
          const void* p = sqlite3_column_blob(stmt, c);
          int n = sqlite3_column_bytes(stmt, c);
          rows->append(Value::blob(
              std::string_view(static_cast<const char*>(p), p ? static_cast<std::size_t>(n) : 0)));
          break;
        }
        default: {  // TEXT, and FLOAT rendered as text
          const unsigned char* p = sqlite3_column_text(stmt, c);
          int n = sqlite3_column_bytes(stmt, c);
          rows->append(Value(
              std::string(reinterpret_cast<const char*>(p), p ? static_cast<std::size_t>(n) : 0)));
          break;
        }
      }
    }
  }
  // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, which is stale after
  // a statement that changed nothing.
  if (sqlite3_total_changes64(db_) == totalBefore) return std::int64_t{0};
  return static_cast<std::int64_t>(sqlite3_changes64(db_));
}

Result<std::int64_t> SqliteConnection::execute(std::string_view sql, const Params& params) {
  PLEXUS_TRY(sqlite3_stmt * stmt, prepare(sql));
  return run(stmt, params, nullptr);
}

Result<Rows> SqliteConnection::query(std::string_view sql, const Params& params) {
  PLEXUS_TRY(sqlite3_stmt * stmt, prepare(sql));
  Rows rows;
  PLEXUS_TRY_VOID(run(stmt, params, &rows));
  return rows;
}

Status SqliteConnection::executeScript(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return sqliteError(sqlite3_extended_errcode(db_), "exec: " + msg);
  }
  return {};
}

}  // namespace plexus::storage::detail
