// One libpq connection with its prepared-statement cache. Not thread-safe: the pool hands
// each connection to one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"
#include "plexus/storage/postgres_database.h"

namespace plexus::storage::detail {

struct PostgresCounters {
  std::atomic<std::uint64_t> prepared{0};
  std::atomic<std::uint64_t> cacheHits{0};
  std::atomic<std::uint64_t> opened{0};
};

class PostgresConnection {
 public:
  using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

  // One statement of a pipeline(): a parameterised statement (prepared and cached as by
  // execute()), or with `params` null a transaction-control command (BEGIN, COMMIT).
  struct PipelineStep {
    std::string_view sql;
    const Params* params = nullptr;
  };

  static Result<std::unique_ptr<PostgresConnection>> connect(const PostgresConfig& config,
                                                             PostgresCounters& counters);
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Result<std::int64_t> execute(std::string_view sql, const Params& params);
  Result<Rows> query(std::string_view sql, const Params& params);
  Status executeScript(std::string_view sql);
  // Runs a transaction-control command (BEGIN/COMMIT/ROLLBACK) and returns its command tag.
  Result<std::string> command(const char* sql);
  // Sends every step (and the preparation of uncached statements) in one libpq pipeline and
  // reads all the answers: one round trip. The results in step order, or the first failing
  // step's error (the steps after it did not run). Use inside a transaction (BEGIN may be the
  // first step): outside one, each step would commit on its own.
  Result<std::vector<ResultPtr>> pipeline(const std::vector<PipelineStep>& steps);

  // What execute() and query() make of a successful result.
  static std::int64_t changedRows(const PGresult* res);
  static Result<Rows> rowsOf(const PGresult* res);

  // The connection is unusable (lost, or failed in a way that leaves its state unknown).
  bool broken() const { return broken_ || PQstatus(conn_) == CONNECTION_BAD; }
  // No transaction open on the server side.
  bool idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

 private:
  // A statement's parameters in libpq's arrays; `key` (sql + parameter kinds) names it in the
  // statement cache. Filled in place: `values` points into `ints`.
  struct Encoded {
    std::string key;
    std::vector<Oid> types;
    std::vector<std::string> ints;
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
  };

  PostgresConnection(PGconn* conn, int cacheSize, PostgresCounters& counters)
      : conn_(conn), cacheSize_(cacheSize), counters_(counters) {}
  // Prepares (or reuses) and executes; retries once when a cached plan went stale.
  Result<ResultPtr> run(std::string_view sql, const Params& params);
  Result<ResultPtr> runOnce(std::string_view sql, const Params& params, bool* stalePlan);
  Error errorOf(const PGresult* res);
  static Status encode(std::string_view sql, const Params& params, Encoded& out);
  // Makes room for `needed` new statements in the cache (DEALLOCATE ALL when full).
  void reserveCache(std::size_t needed);

  PGconn* conn_;
  int cacheSize_;
  PostgresCounters& counters_;
  std::unordered_map<std::string, std::string> cache_;  // key (sql + param kinds) -> name
  std::uint64_t nextName_ = 0;
  bool broken_ = false;
};

}  // namespace plexus::storage::detail
