// SqlRoomserverStore, part 4: batch writes as multi-row statements: for large inputs (the state of
// a joined room) state key interning, event rows, current state and memberships; for group
// commits of sends across rooms extremities and transaction IDs.
#include <map>
#include <set>

#include "plexus/storage/deferred.h"
#include "roomserver/storage/sql_roomserver_store.h"

namespace plexus::roomserver {
namespace {

using storage::Executor;
using storage::Params;
using storage::Value;

// Rows per statement: below both dialects' parameter limits (SQLite 32,766; PostgreSQL 65,535).
constexpr std::size_t kRowsPerStatement = 500;

// "($1, $2), ($3, $4), ..." for `rows` rows of `columns` parameters.
std::string valueRows(std::size_t rows, std::size_t columns) {
  std::string out;
  std::size_t n = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    if (r > 0) out.append(", ");
    out.push_back('(');
    for (std::size_t c = 0; c < columns; ++c) {
      if (c > 0) out.append(", ");
      out.push_back('$');
      out.append(std::to_string(n++));
    }
    out.push_back(')');
  }
  return out;
}

// Writes `rows` as deferred multi-row statements "<head>($1, ...), (...)<tail>" of `columns`
// parameters a row, kRowsPerStatement rows each; `bind(row, params)` adds one row's parameters.
template <typename Row, typename Bind>
Status deferRows(Executor& ex, const std::vector<Row>& rows, std::size_t columns,
                 std::string_view head, std::string_view tail, Bind bind) {
  for (std::size_t at = 0; at < rows.size(); at += kRowsPerStatement) {
    std::size_t n = std::min(kRowsPerStatement, rows.size() - at);
    Params params;
    params.reserve(n * columns);
    for (std::size_t i = at; i < at + n; ++i) bind(rows[i], params);
    std::string sql(head);
    sql.append(valueRows(n, columns)).append(tail);
    PLEXUS_TRY_VOID(storage::executeDeferred(ex, sql, params));
  }
  return {};
}

}  // namespace

Result<std::vector<std::int64_t>> SqlRoomserverStore::stateKeyNids(
    const std::vector<std::string>& stateKeys) {
  std::map<std::string, std::int64_t, std::less<>> found;
  std::vector<std::string> wanted;
  {
    std::lock_guard lock(cacheMutex_);
    std::set<std::string_view> seen;
    for (const auto& k : stateKeys) {
      if (auto it = stateKeyNids_.find(k); it != stateKeyNids_.end()) {
        found.emplace(k, it->second);
      } else if (seen.insert(k).second) {
        wanted.push_back(k);
      }
    }
  }
  auto select = [&](Executor& ex, const std::vector<std::string>& keys) -> Status {
    for (std::size_t at = 0; at < keys.size(); at += kRowsPerStatement) {
      std::size_t n = std::min(kRowsPerStatement, keys.size() - at);
      Params params(keys.begin() + static_cast<std::ptrdiff_t>(at),
                    keys.begin() + static_cast<std::ptrdiff_t>(at + n));
      PLEXUS_TRY(auto rows, ex.query("SELECT state_key, state_key_nid FROM roomserver_state_keys "
                                     "WHERE state_key IN (" +
                                         sqlPlaceholders(n) + ")",
                                     params));
      for (auto row : rows) {
        PLEXUS_TRY(std::string key, row.text(0));
        PLEXUS_TRY(std::int64_t nid, row.int64(1));
        found[key] = nid;
      }
    }
    return {};
  };
  PLEXUS_TRY_VOID(select(db_, wanted));
  std::vector<std::string> missing;
  for (const auto& k : wanted) {
    if (!found.contains(k)) missing.push_back(k);
  }
  if (!missing.empty()) {
    auto insert = [&](storage::Transaction& tx) -> Status {
      for (std::size_t at = 0; at < missing.size(); at += kRowsPerStatement) {
        std::size_t n = std::min(kRowsPerStatement, missing.size() - at);
        Params params(missing.begin() + static_cast<std::ptrdiff_t>(at),
                      missing.begin() + static_cast<std::ptrdiff_t>(at + n));
        PLEXUS_TRY_VOID(tx.execute("INSERT INTO roomserver_state_keys (state_key) VALUES " +
                                       valueRows(n, 1) + " ON CONFLICT DO NOTHING",
                                   params));
      }
      return {};
    };
    PLEXUS_TRY_VOID(db_.runInTransaction(insert));
    PLEXUS_TRY_VOID(select(db_, missing));
  }
  std::vector<std::int64_t> out;
  out.reserve(stateKeys.size());
  std::lock_guard lock(cacheMutex_);
  for (const auto& k : stateKeys) {
    auto it = found.find(k);
    if (it == found.end()) return fail(ErrorCode::kInternal, "roomserver: interning failed");
    out.push_back(it->second);
    stateKeyNids_.emplace(k, it->second);
  }
  return out;
}

Result<std::vector<std::int64_t>> SqlRoomserverStore::insertEvents(
    Executor& ex, const std::vector<NewEvent>& events) {
  std::map<std::string, std::int64_t, std::less<>> nids;
  for (std::size_t at = 0; at < events.size(); at += kRowsPerStatement) {
    std::size_t n = std::min(kRowsPerStatement, events.size() - at);
    Params params;
    params.reserve(n * 12);
    for (std::size_t i = at; i < at + n; ++i) {
      const NewEvent& e = events[i];
      for (Value v : {Value(e.roomNid), Value(e.eventId), Value(e.typeNid), Value(e.stateKeyNid),
                      Value(e.sender), Value(e.depth), Value(e.originServerTs),
                      Value(e.stateBeforeNid), Value::blob(e.json), Value(e.rejected ? 1 : 0),
                      Value(e.outlier ? 1 : 0), Value(e.softFailed ? 1 : 0)}) {
        params.push_back(std::move(v));
      }
    }
    PLEXUS_TRY(auto rows,
               ex.query("INSERT INTO roomserver_events (room_nid, event_id, type_nid, "
                        "state_key_nid, sender, depth, origin_server_ts, state_before_nid, "
                        "event_json, rejected, outlier, soft_failed) VALUES " +
                            valueRows(n, 12) + " RETURNING event_id, event_nid",
                        params));
    for (auto row : rows) {
      PLEXUS_TRY(std::string id, row.text(0));
      PLEXUS_TRY(std::int64_t nid, row.int64(1));
      nids[id] = nid;
    }
  }
  std::vector<std::int64_t> out;
  out.reserve(events.size());
  for (const auto& e : events) {
    auto it = nids.find(e.eventId);
    if (it == nids.end()) return fail(ErrorCode::kInternal, "roomserver: insertEvents lost a row");
    out.push_back(it->second);
  }
  return out;
}

Status SqlRoomserverStore::setCurrentStates(Executor& ex, std::int64_t roomNid,
                                            const std::vector<StateEntry>& entries) {
  return deferRows(ex, entries, 4,
                   "INSERT INTO roomserver_current_state (room_nid, type_nid, state_key_nid, "
                   "event_nid) VALUES ",
                   " ON CONFLICT (room_nid, type_nid, state_key_nid) DO UPDATE SET event_nid = "
                   "excluded.event_nid",
                   [&](const StateEntry& e, Params& params) {
                     params.emplace_back(roomNid);
                     params.emplace_back(e.typeNid);
                     params.emplace_back(e.stateKeyNid);
                     params.emplace_back(e.eventNid);
                   });
}

Status SqlRoomserverStore::setMemberships(Executor& ex, std::int64_t roomNid,
                                          const std::vector<MembershipUpdate>& updates) {
  return deferRows(ex, updates, 5,
                   "INSERT INTO roomserver_memberships (room_nid, user_id, membership, event_nid, "
                   "forgotten) VALUES ",
                   " ON CONFLICT (room_nid, user_id) DO UPDATE SET membership = "
                   "excluded.membership, event_nid = excluded.event_nid, forgotten = 0",
                   [&](const MembershipUpdate& u, Params& params) {
                     params.emplace_back(roomNid);
                     params.emplace_back(u.userId);
                     params.emplace_back(u.membership);
                     params.emplace_back(u.eventNid);
                     params.emplace_back(0);
                   });
}

Status SqlRoomserverStore::replaceExtremitiesMany(
    Executor& ex, const std::vector<ExtremityReplacement>& changes) {
  std::vector<std::pair<std::int64_t, std::int64_t>> removed;
  for (const auto& c : changes) {
    for (std::int64_t nid : c.removed) removed.emplace_back(c.roomNid, nid);
  }
  PLEXUS_TRY_VOID(deferRows(ex, removed, 2,
                            "DELETE FROM roomserver_extremities WHERE (room_nid, event_nid) IN "
                            "(VALUES ",
                            ")", [](const auto& r, Params& params) {
                              params.emplace_back(r.first);
                              params.emplace_back(r.second);
                            }));
  return deferRows(ex, changes, 2,
                   "INSERT INTO roomserver_extremities (room_nid, event_nid) VALUES ",
                   " ON CONFLICT DO NOTHING", [](const ExtremityReplacement& c, Params& params) {
                     params.emplace_back(c.roomNid);
                     params.emplace_back(c.added);
                   });
}

Status SqlRoomserverStore::insertTransactions(Executor& ex,
                                              const std::vector<TransactionRow>& rows) {
  return deferRows(ex, rows, 4,
                   "INSERT INTO roomserver_transactions (user_id, device_id, transaction_id, "
                   "event_id) VALUES ",
                   "", [](const TransactionRow& r, Params& params) {
                     params.emplace_back(r.userId);
                     params.emplace_back(r.deviceId);
                     params.emplace_back(r.transactionId);
                     params.emplace_back(r.eventId);
                   });
}

}  // namespace plexus::roomserver
