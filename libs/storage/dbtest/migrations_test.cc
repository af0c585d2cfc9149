// Migrations on both backends: fresh database, re-run, upgrade, per-dialect SQL, atomicity of
// a failing migration, refusal of a database newer than the code, malformed lists.
#include "plexus/storage/migrations.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "plexus/storage/testing/database_test.h"

namespace plexus::storage {
namespace {

using testing::DatabaseTest;

const std::vector<Migration> kV1 = {
    {1, "rooms table", "CREATE TABLE rooms (room_id TEXT PRIMARY KEY, version TEXT NOT NULL)"},
};
const std::vector<Migration> kV2 = {
    kV1[0],
    {2,
     "events table with an auto id",
     {},
     "CREATE TABLE events (nid INTEGER PRIMARY KEY, json BLOB NOT NULL);"
     "CREATE INDEX events_json ON events (json)",
     "CREATE TABLE events (nid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
     " json BYTEA NOT NULL);"
     "CREATE INDEX events_json ON events (json)"},
};

class MigrationsTest : public DatabaseTest {};

TEST_P(MigrationsTest, AppliesEveryMigrationToAFreshDatabase) {
  auto out = migrate(db(), "rooms", kV2);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->fromVersion, 0);
  EXPECT_EQ(out->toVersion, 2);
  EXPECT_TRUE(db().execute("INSERT INTO rooms VALUES ($1, $2)", {"!a:x", "10"}).ok());
  auto id = db().query("INSERT INTO events (json) VALUES ($1) RETURNING nid", {Value::blob("{}")});
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*schemaVersion(db(), "rooms"), 2);
}

TEST_P(MigrationsTest, RerunningIsANoOp) {
  ASSERT_TRUE(migrate(db(), "rooms", kV2).ok());
  ASSERT_TRUE(db().execute("INSERT INTO rooms VALUES ($1, $2)", {"!a:x", "10"}).ok());
  auto again = migrate(db(), "rooms", kV2);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(again->toVersion, 2);
  auto rows = db().query("SELECT COUNT(*) FROM rooms");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows->front().int64(0), 1) << "data untouched";
}

TEST_P(MigrationsTest, UpgradesFromAnOlderVersion) {
  ASSERT_TRUE(migrate(db(), "rooms", kV1).ok());
  auto up = migrate(db(), "rooms", kV2);
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->fromVersion, 1);
  EXPECT_EQ(up->toVersion, 2);
}

TEST_P(MigrationsTest, RefusesADatabaseNewerThanTheCode) {
  ASSERT_TRUE(migrate(db(), "rooms", kV2).ok());
  auto old = migrate(db(), "rooms", kV1);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("newer"), std::string::npos) << old.error().message;
}

TEST_P(MigrationsTest, AFailingMigrationAppliesNothing) {
  const std::vector<Migration> broken = {
      kV1[0],
      {2, "valid", "CREATE TABLE ok_table (x BIGINT)"},
      {3, "invalid", "CREATE TABLE broken ("},
  };
  auto out = migrate(db(), "rooms", broken);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("version 3"), std::string::npos) << out.error().message;
  EXPECT_FALSE(db().query("SELECT x FROM ok_table").ok()) << "version 2 was rolled back";
  EXPECT_FALSE(db().query("SELECT room_id FROM rooms").ok()) << "version 1 was rolled back";
}

TEST_P(MigrationsTest, KeepsComponentsIndependent) {
  ASSERT_TRUE(migrate(db(), "rooms", kV1).ok());
  const std::vector<Migration> accounts = {
      {1, "accounts", "CREATE TABLE accounts (user_id TEXT PRIMARY KEY)"},
      {2, "devices", "CREATE TABLE devices (device_id TEXT PRIMARY KEY)"},
      {3, "tokens", "CREATE TABLE tokens (token TEXT PRIMARY KEY)"},
  };
  auto out = migrate(db(), "accounts", accounts);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->toVersion, 3);
  EXPECT_EQ(*schemaVersion(db(), "rooms"), 1);
}

TEST_P(MigrationsTest, RejectsMalformedLists) {
  const std::vector<Migration> gap = {kV1[0], {3, "skips 2", "SELECT 1"}};
  EXPECT_FALSE(migrate(db(), "rooms", gap).ok());
  const std::vector<Migration> noSql = {{1, "empty", ""}};
  EXPECT_FALSE(migrate(db(), "rooms", noSql).ok());
  EXPECT_FALSE(migrate(db(), "", kV1).ok());
}

TEST_P(MigrationsTest, ConcurrentStartupsMigrateOnce) {
  std::vector<std::unique_ptr<Database>> handles;
  for (int i = 0; i < 3; ++i) {
    auto h = testDatabase().openAnother();
    ASSERT_TRUE(h.ok()) << h.error().message;
    handles.push_back(std::move(*h));
  }
  std::vector<Result<MigrationOutcome>> results(3, MigrationOutcome{});
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] { results[i] = migrate(*handles[i], "rooms", kV2); });
  }
  for (auto& t : threads) t.join();
  int changed = 0;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    changed += r->changed() ? 1 : 0;
  }
  EXPECT_EQ(changed, 1);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(MigrationsTest);

}  // namespace
}  // namespace plexus::storage
