// The storage contract on both backends: CRUD, typed columns, parameters, errors, unique
// violations and the statement cache.
#include "plexus/storage/testing/database_test.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "plexus/storage/errors.h"
#include "test_schema.h"

namespace plexus::storage {
namespace {

using testing::DatabaseTest;

class StorageTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto st = db().executeScript(test::createTableSql(
        dialect(), "items",
        "name TEXT NOT NULL UNIQUE, count BIGINT, data " + test::blobType(dialect())));
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
};

TEST_P(StorageTest, InsertsReadsUpdatesAndDeletesRows) {
  auto inserted = db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {"a", 1});
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_EQ(*inserted, 1);
  ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {"b", 2}).ok());

  auto rows = db().query("SELECT name, count FROM items ORDER BY name");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->columnName(0), "name");
  EXPECT_EQ(rows->columnIndex("count"), 1u);
  EXPECT_EQ(*(*rows)[0].text(0), "a");
  EXPECT_EQ(*(*rows)[1].int64(1), 2);

  auto updated = db().execute("UPDATE items SET count = count + $1", {10});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(*updated, 2);
  auto deleted = db().execute("DELETE FROM items WHERE name = $1", {"a"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);

  rows = db().query("SELECT name, count FROM items");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(*rows->front().int64(1), 12);
}

TEST_P(StorageTest, ReturnsNewIdsThroughReturning) {
  auto first = db().query("INSERT INTO items (name) VALUES ($1) RETURNING id", {"x"});
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = db().query("INSERT INTO items (name) VALUES ($1) RETURNING id", {"y"});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_GT(*second->front().int64(0), *first->front().int64(0));
  auto found = db().query("SELECT name FROM items WHERE id = $1", {*second->front().int64(0)});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found->front().text(0), "y");
}

TEST_P(StorageTest, RoundTripsInt64Extremes) {
  for (std::int64_t v : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1},
                         std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
    std::string name = std::string("n") + std::to_string(v);
    ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {name, v}).ok());
    auto rows = db().query("SELECT count FROM items WHERE name = $1", {name});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(*rows->front().int64(0), v);
  }
}

TEST_P(StorageTest, RoundTripsUtf8Text) {
  const std::string text = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 'quoted' \"double\" $1 ?";
  ASSERT_TRUE(db().execute("INSERT INTO items (name) VALUES ($1)", {text}).ok());
  auto rows = db().query("SELECT name FROM items WHERE name = $1", {text});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(*rows->front().text(0), text);
}

TEST_P(StorageTest, RoundTripsBlobsWithNulsAndEmptyBlobs) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += std::string("\0\0tail\0", 7);
  ASSERT_TRUE(
      db().execute("INSERT INTO items (name, data) VALUES ($1, $2)", {"bin", Value::blob(bytes)})
          .ok());
  ASSERT_TRUE(
      db().execute("INSERT INTO items (name, data) VALUES ($1, $2)", {"empty", Value::blob("")})
          .ok());
  auto rows = db().query("SELECT data FROM items ORDER BY name");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(*(*rows)[0].blob(0), bytes);
  EXPECT_FALSE((*rows)[1].isNull(0)) << "an empty blob is not NULL";
  EXPECT_EQ(*(*rows)[1].blob(0), "");
}

TEST_P(StorageTest, RoundTripsNullsAndReportsThemToTypedAccessors) {
  ASSERT_TRUE(db().execute("INSERT INTO items (name, count, data) VALUES ($1, $2, $3)",
                           {"n", nullptr, Value()})
                  .ok());
  auto rows = db().query("SELECT count, data FROM items");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  Row row = rows->front();
  EXPECT_TRUE(row.isNull(0));
  EXPECT_TRUE(row.isNull(1));
  EXPECT_FALSE(row.int64(0).ok());
  EXPECT_FALSE(row.blob(1).ok());
  auto optional = row.optionalInt64(0);
  ASSERT_TRUE(optional.ok());
  EXPECT_FALSE(optional->has_value());
}

TEST_P(StorageTest, BindsOptionalParametersAsNullOrValue) {
  std::optional<std::int64_t> none, some = 7;
  ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {"a", none}).ok());
  ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {"b", some}).ok());
  auto rows = db().query("SELECT count FROM items ORDER BY name");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)[0].isNull(0));
  EXPECT_EQ(*(*rows)[1].int64(0), 7);
}

TEST_P(StorageTest, ReusesAPlaceholderAndAcceptsThemOutOfOrder) {
  auto rows = db().query("SELECT $2 || $1, $1");  // text concatenation in both dialects
  ASSERT_FALSE(rows.ok()) << "wrong parameter count is an error";
  rows = db().query("SELECT $2 || $1 AS joined, $1 AS first", {"x", "y"});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows->front().text(0), "yx");
  EXPECT_EQ(*rows->front().text(1), "x");
}

TEST_P(StorageTest, ReportsTypeMismatchAndBadColumnAsErrors) {
  ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {"a", 1}).ok());
  auto rows = db().query("SELECT name, count FROM items");
  ASSERT_TRUE(rows.ok());
  EXPECT_FALSE(rows->front().int64(0).ok()) << "text 'a' is not an integer";
  EXPECT_FALSE(rows->front().text(1).ok()) << "an integer is not text";
  EXPECT_FALSE(rows->front().text(9).ok()) << "column out of range";
  EXPECT_FALSE((*rows)[5].text(0).ok()) << "row out of range";
}

TEST_P(StorageTest, ReadsCountsAndSumsAsIntegers) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)",
                             {std::string("r") + std::to_string(i), i})
                    .ok());
  }
  auto rows = db().query("SELECT COUNT(*), SUM(count), MAX(count) FROM items");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows->front().int64(0), 3);
  EXPECT_EQ(*rows->front().int64(1), 6);  // numeric on PostgreSQL, accepted as an integer
  EXPECT_EQ(*rows->front().int64(2), 3);
}

TEST_P(StorageTest, ReportsUniqueViolationAsSuch) {
  ASSERT_TRUE(db().execute("INSERT INTO items (name) VALUES ($1)", {"dup"}).ok());
  auto again = db().execute("INSERT INTO items (name) VALUES ($1)", {"dup"});
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(isUniqueViolation(again)) << again.error().message;

  auto notNull = db().execute("INSERT INTO items (name) VALUES ($1)", {nullptr});
  ASSERT_FALSE(notNull.ok());
  EXPECT_FALSE(isUniqueViolation(notNull)) << "other constraints are not unique violations";
  EXPECT_EQ(notNull.error().code, ErrorCode::kInvalidParam);

  auto syntax = db().execute("INSERT INTO nowhere VALUES (1)");
  ASSERT_FALSE(syntax.ok());
  EXPECT_FALSE(isUniqueViolation(syntax));
}

TEST_P(StorageTest, IgnoresDuplicatesWithOnConflictDoNothing) {
  for (int i = 0; i < 2; ++i) {
    auto n = db().execute("INSERT INTO items (name) VALUES ($1) ON CONFLICT DO NOTHING", {"once"});
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(*n, i == 0 ? 1 : 0);
  }
}

TEST_P(StorageTest, EnforcesForeignKeys) {
  ASSERT_TRUE(
      db().executeScript(test::createTableSql(dialect(), "tags",
                                              "item_id BIGINT NOT NULL REFERENCES items(id)"))
          .ok());
  auto orphan = db().execute("INSERT INTO tags (item_id) VALUES ($1)", {12345});
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::kInvalidParam) << orphan.error().message;
}

TEST_P(StorageTest, CachesPreparedStatements) {
  const std::string_view sql = "SELECT count FROM items WHERE name = $1";
  ASSERT_TRUE(db().query(sql, {"warm"}).ok());
  ASSERT_TRUE(db().execute("INSERT INTO items (name) VALUES ($1)", {"warm"}).ok());
  DatabaseStats before = db().stats();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(db().query(sql, {std::string("k") + std::to_string(i)}).ok());
    ASSERT_TRUE(
        db().execute("INSERT INTO items (name) VALUES ($1)", {std::string("k") + std::to_string(i)})
            .ok());
  }
  DatabaseStats after = db().stats();
  EXPECT_EQ(after.statementsPrepared, before.statementsPrepared);
  EXPECT_GE(after.statementCacheHits - before.statementCacheHits, 40u);
}

TEST_P(StorageTest, CachedStatementsSurviveSchemaChanges) {
  ASSERT_TRUE(db().execute("INSERT INTO items (name, count) VALUES ($1, $2)", {"a", 1}).ok());
  const std::string_view sql = "SELECT * FROM items WHERE name = $1";
  auto before = db().query(sql, {"a"});
  ASSERT_TRUE(before.ok()) << before.error().message;
  ASSERT_TRUE(db().executeScript("ALTER TABLE items ADD COLUMN extra TEXT").ok());
  auto after = db().query(sql, {"a"});
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->columnCount(), before->columnCount() + 1);
}

TEST_P(StorageTest, RunsScriptsAndRejectsSeveralStatementsInOneExecute) {
  ASSERT_TRUE(db().executeScript("CREATE TABLE a (x BIGINT); CREATE TABLE b (y BIGINT);").ok());
  EXPECT_TRUE(db().execute("INSERT INTO b (y) VALUES (1)").ok());
  auto two = db().execute("INSERT INTO a (x) VALUES (1); INSERT INTO a (x) VALUES (2)");
  EXPECT_FALSE(two.ok());
}

TEST_P(StorageTest, ReportsSqlErrorsWithoutCrashing) {
  auto bad = db().query("SELEKT nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(db().executeScript("CREATE TABLE (").ok());
  auto fine = db().query("SELECT 1");
  ASSERT_TRUE(fine.ok()) << "the connection is still usable after errors";
  EXPECT_EQ(*fine->front().int64(0), 1);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(StorageTest);

}  // namespace
}  // namespace plexus::storage
