// $N -> ?N for SQLite. SQLite would accept "$1" as a *named* parameter, but named parameters
// are numbered by first appearance, so "$2 ... $1" would bind the wrong values; ?N binds to
// index N exactly.
#include "placeholders.h"

#include <cctype>

namespace plexus::storage::detail {

std::string toSqlitePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  std::size_t i = 0;
  auto copyUntil = [&](std::string_view terminator) {
    std::size_t end = sql.find(terminator, i);
    end = end == std::string_view::npos ? sql.size() : end + terminator.size();
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      // Quoted: a doubled quote is an escaped quote, which the scan handles as close+open.
      out.push_back(c);
      ++i;
      copyUntil(std::string_view(&sql[i - 1], 1));
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      copyUntil("\n");
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      out.append("/*");
      i += 2;
      copyUntil("*/");
    } else if (c == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out.push_back('?');
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace plexus::storage::detail
