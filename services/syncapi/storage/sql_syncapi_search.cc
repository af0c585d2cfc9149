// SqlSyncStore, part 3: full-text search. SQLite matches through the external-content FTS5
// table syncapi_events_fts (rowid = stream position) and ranks by bm25; PostgreSQL matches
// the 'simple' tsvector of the body (GIN index, migration v4) against websearch_to_tsquery
// and ranks by ts_rank. Both tokenise without stemming and case-insensitively, so the same
// words match on both databases.
#include <cstdlib>

#include "syncapi/storage/sql_syncapi_store.h"

namespace plexus::syncapi {

using storage::Params;
using storage::Row;
using storage::Rows;

namespace {

bool isTokenByte(unsigned char c) {
  // unicode61 treats ASCII letters and digits as token characters; every non-ASCII byte is
  // kept so UTF-8 words stay whole (the tokenizer splits them properly itself).
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// The term as an FTS5 query: every word quoted (so FTS5 operators and punctuation in user
// input are literal), implicitly ANDed. "" when the term has no word.
std::string fts5Query(std::string_view term) {
  std::string out;
  std::size_t i = 0;
  while (i < term.size()) {
    while (i < term.size() && !isTokenByte(static_cast<unsigned char>(term[i]))) ++i;
    std::size_t start = i;
    while (i < term.size() && isTokenByte(static_cast<unsigned char>(term[i]))) ++i;
    if (i == start) break;
    if (!out.empty()) out += ' ';
    out += '"';
    out.append(term.substr(start, i - start));  // token bytes never include '"'
    out += '"';
  }
  return out;
}

std::string prefixedEventColumns() {
  std::string out;
  std::string_view cols = kSyncEventColumns;
  while (!cols.empty()) {
    auto comma = cols.find(',');
    std::string_view col = cols.substr(0, comma);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += "e.";
    out.append(col);
    if (comma == std::string_view::npos) break;
    cols.remove_prefix(comma + 1);
  }
  return out;
}

void appendList(std::string& sql, Params& params, const std::vector<std::string>& values) {
  sql += "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) sql += ", ";
    params.emplace_back(values[i]);
    sql.push_back('$');
    sql.append(std::to_string(params.size()));
  }
  sql += ")";
}

// FROM/WHERE shared by the hit and count queries; $1 is the match expression.
Result<std::string> matchClause(storage::Dialect dialect, const SearchQuery& q, Params& params,
                                bool* empty) {
  std::string sql;
  if (dialect == storage::Dialect::kSqlite) {
    std::string match = fts5Query(q.term);
    *empty = match.empty();
    params.emplace_back(std::move(match));
    sql =
        "FROM (SELECT rowid AS hit, bm25(syncapi_events_fts) AS score FROM syncapi_events_fts "
        "WHERE syncapi_events_fts MATCH $1) f JOIN syncapi_events e ON e.pos = f.hit ";
  } else {
    *empty = fts5Query(q.term).empty();
    params.emplace_back(q.term);
    sql =
        "FROM syncapi_events e, websearch_to_tsquery('simple', $1) q "
        "WHERE e.body IS NOT NULL AND to_tsvector('simple', e.body) @@ q ";
  }
  sql += dialect == storage::Dialect::kSqlite ? "WHERE e.room_id IN " : "AND e.room_id IN ";
  appendList(sql, params, q.roomIds);
  sql += " AND e.type IN ";
  appendList(sql, params, q.types);
  return sql;
}

}  // namespace

Result<std::vector<SearchHit>> SqlSyncStore::querySearch(const SearchQuery& q) {
  if (q.roomIds.empty() || q.types.empty()) return std::vector<SearchHit>{};
  const storage::Dialect dialect = db_.dialect();
  Params params;
  bool empty = false;
  PLEXUS_TRY(std::string from, matchClause(dialect, q, params, &empty));
  if (empty) return std::vector<SearchHit>{};
  const std::string rank = dialect == storage::Dialect::kSqlite
                               ? "(-f.score)"
                               : "ts_rank(to_tsvector('simple', e.body), q)";
  std::string sql = "SELECT " + prefixedEventColumns() + ", CAST(" + rank + " AS TEXT) " + from;
  if (!q.byRank && q.beforePos > 0) {
    params.emplace_back(q.beforePos);
    sql += " AND e.pos < $" + std::to_string(params.size());
  }
  sql += q.byRank ? " ORDER BY " + rank + " DESC, e.pos DESC" : " ORDER BY e.pos DESC";
  params.emplace_back(std::int64_t{q.limit});
  sql += " LIMIT $" + std::to_string(params.size());
  params.emplace_back(q.byRank ? q.offset : std::int64_t{0});
  sql += " OFFSET $" + std::to_string(params.size());
  PLEXUS_TRY(Rows rows, db_.query(sql, params));
  std::vector<SearchHit> out;
  out.reserve(rows.size());
  for (const Row r : rows) {
    SearchHit hit;
    PLEXUS_TRY(hit.event, readSyncEvent(r));
    PLEXUS_TRY(std::string score, r.text(16));
    hit.rank = std::strtod(score.c_str(), nullptr);
    out.push_back(std::move(hit));
  }
  return out;
}

Result<std::int64_t> SqlSyncStore::querySearchCount(const SearchQuery& q) {
  if (q.roomIds.empty() || q.types.empty()) return std::int64_t{0};
  Params params;
  bool empty = false;
  PLEXUS_TRY(std::string from, matchClause(db_.dialect(), q, params, &empty));
  if (empty) return std::int64_t{0};
  PLEXUS_TRY(Rows rows, db_.query("SELECT COUNT(*) " + from, params));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().int64(0);
}

}  // namespace plexus::syncapi
