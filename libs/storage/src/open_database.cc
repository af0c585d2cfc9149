// Chooses the backend from the scheme of a database URL.
#include "plexus/storage/open_database.h"

#include "plexus/storage/postgres_database.h"
#include "plexus/storage/sqlite_database.h"

namespace plexus::storage {

Result<std::unique_ptr<Database>> openDatabase(std::string_view url) {
  if (url.starts_with("sqlite:")) {
    SqliteConfig config;
    config.path = std::string(url.substr(7));
    return openSqlite(config);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    PostgresConfig config;
    config.dsn = std::string(url);
    return openPostgres(config);
  }
  if (url.starts_with("postgres:")) {
    PostgresConfig config;
    config.dsn = std::string(url.substr(9));
    return openPostgres(config);
  }
  return fail(ErrorCode::kInvalidParam,
              "storage: database URL must start with sqlite:, postgres: or postgresql://");
}

}  // namespace plexus::storage
