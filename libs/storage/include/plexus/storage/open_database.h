// Opens a database from one configuration string, as a service's config file names it:
//   sqlite:PATH                      (sqlite::memory: for an in-memory database)
//   postgresql://... or postgres://  (libpq URI)
//   postgres:KEYWORD=VALUE ...       (libpq keyword form)
#pragma once

#include <memory>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage {

// Errors: kInvalidParam for an unknown scheme; otherwise those of openSqlite/openPostgres.
Result<std::unique_ptr<Database>> openDatabase(std::string_view url);

}  // namespace plexus::storage
