// Rewrites PostgreSQL-style $N placeholders to SQLite's ?N, leaving string literals, quoted
// identifiers and comments alone.
#pragma once

#include <string>
#include <string_view>

namespace plexus::storage::detail {

std::string toSqlitePlaceholders(std::string_view sql);

}  // namespace plexus::storage::detail
