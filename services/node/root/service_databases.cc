// Opening each service's own database (SQLite file or PostgreSQL schema).
#include "root/service_databases.h"

#include "plexus/storage/postgres_database.h"
#include "plexus/storage/sqlite_database.h"

namespace plexus::node {
namespace {

bool isUri(const std::string& dsn) {
  return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
}

std::string baseDsn(const config::Config& config) {
  std::string dsn = config.database.postgresDsn;
  // The "postgres:key=value" form of storage::openDatabase URLs is accepted here too.
  if (dsn.rfind("postgres:", 0) == 0 && !isUri(dsn)) dsn = dsn.substr(9);
  return dsn;
}

storage::PostgresConfig postgresConfig(const config::Config& config, std::string dsn) {
  storage::PostgresConfig pg = storage::PostgresConfig::defaults();
  pg.dsn = std::move(dsn);
  pg.poolSize = config.database.postgresPoolSize;
  return pg;
}

}  // namespace

std::string dsnWithSearchPath(const std::string& dsn, std::string_view schema) {
  std::string value = "-csearch_path=" + std::string(schema);
  if (isUri(dsn)) {
    // '=' inside a query value is percent-encoded; schema names are [a-z0-9_].
    std::string encoded = "-csearch_path%3D" + std::string(schema);
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "options=" + encoded;
  }
  return dsn + (dsn.empty() ? "" : " ") + "options='" + value + "'";
}

std::string sqlitePathFor(const config::Config& config, std::string_view service) {
  std::string dir = config.database.sqliteDir.empty() ? config.global.dataDir
                                                      : config.database.sqliteDir;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + std::string(service) + ".db";
}

Status createPostgresSchemas(const config::Config& config,
                             const std::vector<std::string>& services) {
  storage::PostgresConfig pg = postgresConfig(config, baseDsn(config));
  pg.poolSize = 1;
  PLEXUS_TRY(auto db, storage::openPostgres(pg));
  for (const auto& service : services) {
    PLEXUS_TRY_VOID(db->executeScript("CREATE SCHEMA IF NOT EXISTS " + service));
  }
  return {};
}

Result<std::unique_ptr<storage::Database>> openServiceDatabase(const config::Config& config,
                                                               std::string_view service) {
  if (config.database.usesPostgres())
    return storage::openPostgres(postgresConfig(config, dsnWithSearchPath(baseDsn(config), service)));
  storage::SqliteConfig sqlite = storage::SqliteConfig::defaults();
  sqlite.path = sqlitePathFor(config, service);
  sqlite.readers = config.database.sqliteReaders;
  return storage::openSqlite(sqlite);
}

}  // namespace plexus::node
