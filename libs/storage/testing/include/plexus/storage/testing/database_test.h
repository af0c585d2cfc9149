// GoogleTest support for running one storage test suite on every backend, in the spirit of
// "with all databases": derive the fixture from DatabaseTest, write TEST_P cases against
// db(), and instantiate with PLEXUS_INSTANTIATE_DATABASE_TESTS(Fixture). The PostgreSQL
// instantiation skips when no server is configured, and fails when PLEXUS_REQUIRE_POSTGRES=1.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

#include "plexus/storage/testing/test_database.h"

namespace plexus::storage {

// Names the backend in test output and ctest names instead of "1-byte object <01>".
inline void PrintTo(Dialect d, std::ostream* os) { *os << dialectName(d); }

}  // namespace plexus::storage

namespace plexus::storage::testing {

class DatabaseTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto made = TestDatabase::create(GetParam());
    if (!made.ok()) {
      if (GetParam() == Dialect::kPostgres && !postgresRequired() &&
          made.error().code == ErrorCode::kUnavailable) {
        GTEST_SKIP() << made.error().message;
      }
      FAIL() << made.error().message;
    }
    test_ = std::move(*made);
  }

  Database& db() { return test_->db(); }
  TestDatabase& testDatabase() { return *test_; }
  Dialect dialect() const { return GetParam(); }

 private:
  std::unique_ptr<TestDatabase> test_;
};

inline std::string dialectParamName(const ::testing::TestParamInfo<Dialect>& info) {
  return info.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace plexus::storage::testing

#define PLEXUS_INSTANTIATE_DATABASE_TESTS(fixture)                                   \
  INSTANTIATE_TEST_SUITE_P(AllDatabases, fixture,                                    \
                           ::testing::Values(::plexus::storage::Dialect::kSqlite,    \
                                             ::plexus::storage::Dialect::kPostgres), \
                           ::plexus::storage::testing::dialectParamName)
