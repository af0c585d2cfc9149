// Creates and removes per-test databases.
#include "plexus/storage/testing/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "plexus/storage/postgres_database.h"
#include "plexus/storage/sqlite_database.h"

namespace plexus::storage::testing {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

PostgresConfig postgresConfig(const std::string& dsn, const std::string& database) {
  PostgresConfig c;
  c.dsn = dsn;
  c.database = database;
  c.connectTimeoutS = 5;
  return c;
}

}  // namespace

std::optional<std::string> postgresTestDsn() {
  if (const char* dsn = std::getenv("PLEXUS_TEST_POSTGRES_DSN"); dsn && *dsn) return dsn;
  if (const char* file = std::getenv("PLEXUS_TEST_POSTGRES_DSN_FILE"); file && *file) {
    std::ifstream in(file);
    std::string line;
    if (in && std::getline(in, line) && !trim(line).empty()) return trim(line);
  }
  return std::nullopt;
}

bool postgresRequired() {
  const char* v = std::getenv("PLEXUS_REQUIRE_POSTGRES");
  return v && std::string_view(v) == "1";
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::create(Dialect dialect) {
  static std::atomic<int> counter{0};
  std::unique_ptr<TestDatabase> t;
  if (dialect == Dialect::kSqlite) {
    std::string pattern = (std::filesystem::temp_directory_path() / "plexus-storage-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return fail(ErrorCode::kInternal, "testing: mkdtemp failed");
    }
    t.reset(new TestDatabase(dialect, pattern + "/test.db", ""));
    t->tempDir_ = pattern;
  } else {
    auto dsn = postgresTestDsn();
    if (!dsn) {
      return fail(ErrorCode::kUnavailable,
                  "no PostgreSQL test server (set PLEXUS_TEST_POSTGRES_DSN or run under ctest)");
    }
    std::string name =
        "plexus_test_" + std::to_string(getpid()) + "_" + std::to_string(counter.fetch_add(1));
    PLEXUS_TRY(auto admin, openPostgres(postgresConfig(*dsn, "")));
    PLEXUS_TRY_VOID(admin->executeScript("CREATE DATABASE " + name));
    t.reset(new TestDatabase(dialect, name, *dsn));
  }
  PLEXUS_TRY(t->db_, t->openAnother());
  return t;
}

Result<std::unique_ptr<Database>> TestDatabase::openAnother() const {
  if (dialect_ == Dialect::kSqlite) {
    SqliteConfig c;
    c.path = location_;
    return openSqlite(c);
  }
  return openPostgres(postgresConfig(dsn_, location_));
}

Status TestDatabase::reopen() {
  db_.reset();
  PLEXUS_TRY(db_, openAnother());
  return {};
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (dialect_ == Dialect::kSqlite) {
    std::error_code ec;
    std::filesystem::remove_all(tempDir_, ec);
  } else if (auto admin = openPostgres(postgresConfig(dsn_, "")); admin.ok()) {
    (void)(*admin)->executeScript("DROP DATABASE IF EXISTS " + location_ + " WITH (FORCE)");
  }
}

}  // namespace plexus::storage::testing
