// The PostgreSQL backend (cluster): a bounded, thread-safe pool of libpq connections. Broken
// connections are dropped and replaced on the next use; a statement that failed because its
// connection broke returns kUnavailable (it may or may not have run, so it is not retried
// silently; runInTransaction() retries whole transactions). Parameters travel as text
// (integers, typed int8; text, untyped so the server infers its type) or binary (blobs, as
// bytea); results come back as text and are decoded by column type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage {

struct PostgresConfig {
  // libpq connection string, keyword form ("host=127.0.0.1 port=5432 user=plexus
  // dbname=plexus") or URI form ("postgresql://user@host:port/db").
  std::string dsn;
  std::string database;          // when not empty, overrides the dsn's dbname
  int poolSize = 8;              // most connections open at once
  int acquireTimeoutMs = 30000;  // wait for a free connection before failing (kUnavailable)
  int connectTimeoutS = 10;
  int statementCacheSize = 256;  // prepared statements kept per connection

  static PostgresConfig defaults() { return PostgresConfig{}; }
  std::vector<std::string> verify() const;
};

// Creates the pool and opens one connection to check the server is reachable.
// Errors: kInvalidParam for a bad config, kUnavailable when the server cannot be reached.
Result<std::unique_ptr<Database>> openPostgres(const PostgresConfig& config);

// Round trips to PostgreSQL servers so far, process-wide: every wait for an answer (a statement,
// its preparation, a transaction command, or one pipeline of deferred statements). For tests
// and benchmarks that measure what a code path costs.
std::uint64_t postgresRoundTrips();

}  // namespace plexus::storage
