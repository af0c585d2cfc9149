// Fresh, empty databases for tests: a SQLite file in a new temp directory, or a new database
// on the test PostgreSQL server, removed again when the TestDatabase dies. The PostgreSQL
// server comes from PLEXUS_TEST_POSTGRES_DSN, or from the file named by
// PLEXUS_TEST_POSTGRES_DSN_FILE (written by scripts/pg-throwaway.sh under ctest).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage::testing {

// The DSN of the test PostgreSQL server, or nullopt when none is configured.
std::optional<std::string> postgresTestDsn();
// PLEXUS_REQUIRE_POSTGRES=1: a missing PostgreSQL server fails the tests instead of skipping.
bool postgresRequired();

class TestDatabase {
 public:
  // Errors: kUnavailable when the backend is not available (no PostgreSQL configured, or it
  // cannot be reached); the message says why.
  static Result<std::unique_ptr<TestDatabase>> create(Dialect dialect);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Dialect dialect() const { return dialect_; }
  Database& db() { return *db_; }
  // Another independent handle on the same database (its own connections).
  Result<std::unique_ptr<Database>> openAnother() const;
  // Closes the main handle and opens a new one on the same database.
  Status reopen();
  // SQLite: the file path. PostgreSQL: the database name.
  const std::string& location() const { return location_; }

 private:
  TestDatabase(Dialect dialect, std::string location, std::string dsn)
      : dialect_(dialect), location_(std::move(location)), dsn_(std::move(dsn)) {}

  Dialect dialect_;
  std::string location_;
  std::string dsn_;      // PostgreSQL only: the server DSN (admin database)
  std::string tempDir_;  // SQLite only
  std::unique_ptr<Database> db_;
};

}  // namespace plexus::storage::testing
