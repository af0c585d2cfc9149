// Applies numbered migrations in one transaction and records them in schema_migrations.
#include "plexus/storage/migrations.h"

#include <string>

namespace plexus::storage {
namespace {

// Any fixed number: all Plexus processes sharing a PostgreSQL database serialise their
// migrations on it.
constexpr std::int64_t kMigrationLockKey = 0x706c6578757300;  // "plexus"

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " description TEXT NOT NULL,"
    " PRIMARY KEY (component, version))";

Status validate(Dialect dialect, std::string_view component,
                std::span<const Migration> migrations) {
  if (component.empty()) return fail(ErrorCode::kInternal, "migrations: empty component name");
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    if (m.version != static_cast<std::int64_t>(i) + 1) {
      return fail(ErrorCode::kInternal, "migrations: " + std::string(component) +
                                            " versions must be 1..n in order; entry " +
                                            std::to_string(i) + " is " + std::to_string(m.version));
    }
    if (m.sqlFor(dialect).empty()) {
      return fail(ErrorCode::kInternal, "migrations: " + std::string(component) + " version " +
                                            std::to_string(m.version) + " has no SQL for " +
                                            std::string(dialectName(dialect)));
    }
  }
  return {};
}

}  // namespace

std::string_view Migration::sqlFor(Dialect d) const {
  std::string_view specific = d == Dialect::kSqlite ? sqliteSql : postgresSql;
  return specific.empty() ? sql : specific;
}

Result<std::int64_t> schemaVersion(Executor& db, std::string_view component) {
  PLEXUS_TRY(Rows rows, db.query("SELECT MAX(version) FROM schema_migrations WHERE component = $1",
                                 {component}));
  PLEXUS_TRY(auto v, rows.front().optionalInt64(0));
  return v.value_or(0);
}

Result<MigrationOutcome> migrate(Database& db, std::string_view component,
                                 std::span<const Migration> migrations) {
  PLEXUS_TRY_VOID(validate(db.dialect(), component, migrations));
  const auto latest = static_cast<std::int64_t>(migrations.size());
  MigrationOutcome outcome;
  Status st = db.runInTransaction([&](Transaction& tx) -> Status {
    if (tx.dialect() == Dialect::kPostgres) {
      // Held until the transaction ends; also covers CREATE TABLE IF NOT EXISTS, which
      // races between concurrent transactions.
      PLEXUS_TRY_VOID(tx.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}));
    }
    PLEXUS_TRY_VOID(tx.executeScript(kCreateTable));
    PLEXUS_TRY(std::int64_t current, schemaVersion(tx, component));
    outcome = MigrationOutcome{current, current};
    if (current > latest) {
      return fail(ErrorCode::kInternal,
                  "migrations: the database schema of " + std::string(component) +
                      " is at version " + std::to_string(current) +
                      ", newer than this program knows (" + std::to_string(latest) +
                      "); refusing to start with an older program than the data");
    }
    for (const Migration& m : migrations) {
      if (m.version <= current) continue;
      Status applied = tx.executeScript(m.sqlFor(tx.dialect()));
      if (!applied.ok()) {
        Error e = std::move(applied).takeError();
        e.message = "migrations: " + std::string(component) + " version " +
                    std::to_string(m.version) + " failed: " + e.message;
        return e;
      }
      PLEXUS_TRY_VOID(tx.execute(
          "INSERT INTO schema_migrations (component, version, description) VALUES ($1, $2, $3)",
          {component, m.version, m.description}));
      outcome.toVersion = m.version;
    }
    return {};
  });
  if (!st.ok()) return std::move(st).takeError();
  return outcome;
}

}  // namespace plexus::storage
