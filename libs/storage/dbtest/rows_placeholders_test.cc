// Backend-free pieces: $N -> ?N translation for SQLite, Value construction, the URL opener's
// scheme check.
#include <gtest/gtest.h>

#include "placeholders.h"
#include "plexus/storage/errors.h"
#include "plexus/storage/open_database.h"
#include "plexus/storage/value.h"

namespace plexus::storage {
namespace {

using detail::toSqlitePlaceholders;

TEST(PlaceholdersTest, RewritesNumberedPlaceholders) {
  EXPECT_EQ(toSqlitePlaceholders("SELECT * FROM t WHERE a = $1 AND b = $12"),
            "SELECT * FROM t WHERE a = ?1 AND b = ?12");
  EXPECT_EQ(toSqlitePlaceholders("VALUES ($2, $1, $2)"), "VALUES (?2, ?1, ?2)");
}

TEST(PlaceholdersTest, LeavesLiteralsIdentifiersAndCommentsAlone) {
  EXPECT_EQ(toSqlitePlaceholders("SELECT '$1', 'it''s $2', \"col$3\" -- $4\n, $5 /* $6 */ $7"),
            "SELECT '$1', 'it''s $2', \"col$3\" -- $4\n, ?5 /* $6 */ ?7");
  EXPECT_EQ(toSqlitePlaceholders("SELECT $name, $"), "SELECT $name, $");
  EXPECT_EQ(toSqlitePlaceholders("SELECT 'unterminated $1"), "SELECT 'unterminated $1");
}

TEST(ValueTest, ConstructsEachKind) {
  EXPECT_TRUE(Value().isNull());
  EXPECT_TRUE(Value(nullptr).isNull());
  EXPECT_EQ(Value(42).type(), Value::Type::kInt64);
  EXPECT_EQ(Value(std::uint32_t{7}).int64(), 7);
  EXPECT_EQ(Value("t").type(), Value::Type::kText);
  EXPECT_EQ(Value::blob(std::string("\0x", 2)).bytes().size(), 2u);
  EXPECT_TRUE(Value(std::optional<int>()).isNull());
  EXPECT_EQ(Value(std::optional<int>(3)), Value(3));
}

TEST(ErrorsTest, RecognisesOnlyMarkedUniqueViolations) {
  EXPECT_TRUE(isUniqueViolation(uniqueViolationError("dup")));
  EXPECT_FALSE(isUniqueViolation(makeError(ErrorCode::kInvalidParam, "other")));
  EXPECT_FALSE(
      isUniqueViolation(makeError(ErrorCode::kInternal, std::string(kUniqueViolationPrefix))));
}

TEST(OpenDatabaseTest, OpensSqliteByUrlAndRejectsUnknownSchemes) {
  auto mem = openDatabase("sqlite::memory:");
  ASSERT_TRUE(mem.ok()) << mem.error().message;
  EXPECT_EQ((*mem)->dialect(), Dialect::kSqlite);
  auto bad = openDatabase("mysql://localhost/x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParam);
}

}  // namespace
}  // namespace plexus::storage
