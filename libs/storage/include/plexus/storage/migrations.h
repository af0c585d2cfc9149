// Numbered schema migrations per component (one component per service store, e.g. "rooms"),
// recorded in a shared schema_migrations table and applied at start-up.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage {

struct Migration {
  std::int64_t version;          // 1, 2, 3, ... with no gaps
  std::string_view description;  // recorded beside the version
  std::string_view sql;          // used by both dialects unless overridden below
  std::string_view sqliteSql = {};
  std::string_view postgresSql = {};

  std::string_view sqlFor(Dialect d) const;
};

struct MigrationOutcome {
  std::int64_t fromVersion = 0;  // schema version found (0: fresh database)
  std::int64_t toVersion = 0;    // schema version now
  bool changed() const { return fromVersion != toVersion; }
};

// Brings `component`'s schema to the newest migration in one transaction: either every
// pending migration is applied or none is. Running it again is a no-op. Safe when several
// processes start at once (PostgreSQL: an advisory lock; SQLite: the write lock).
// Errors: kInternal when the list is malformed (versions not 1..n, missing SQL for the
// dialect) or when the database is at a newer version than the list knows (the code is
// older than the data: refuse to start rather than corrupt it); a failing migration's error.
Result<MigrationOutcome> migrate(Database& db, std::string_view component,
                                 std::span<const Migration> migrations);

// The component's current schema version (0 when it has none).
Result<std::int64_t> schemaVersion(Executor& db, std::string_view component);

}  // namespace plexus::storage
