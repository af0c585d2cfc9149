// One database per service, so that services never share tables: on SQLite a file per service
// under the data dir (<dir>/<service>.db); on PostgreSQL a schema per service in the one
// database, each service connected with its search_path set to its schema.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::node {

// The DSN with the session's search_path set to `schema` (libpq `options=-csearch_path=...`):
// appended as a keyword for "key=value" DSNs, as a query parameter for postgresql:// URIs.
std::string dsnWithSearchPath(const std::string& dsn, std::string_view schema);

// Where the SQLite file of `service` lives.
std::string sqlitePathFor(const config::Config& config, std::string_view service);

// PostgreSQL only: creates the schemas (idempotent). Errors: the storage errors.
Status createPostgresSchemas(const config::Config& config,
                             const std::vector<std::string>& services);

// Opens (creating when missing) the database of `service`. Errors: the storage errors.
Result<std::unique_ptr<storage::Database>> openServiceDatabase(const config::Config& config,
                                                               std::string_view service);

}  // namespace plexus::node
