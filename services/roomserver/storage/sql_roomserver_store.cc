// SqlRoomserverStore, part 1: numeric IDs, rooms, events and state snapshots (the rest is in
// sql_roomserver_store_members.cc).
#include "roomserver/storage/sql_roomserver_store.h"

#include <algorithm>
#include <cstring>

#include "plexus/storage/deferred.h"
#include "plexus/storage/migrations.h"
#include "roomserver/storage/migrations.h"

namespace plexus::roomserver {
namespace {

using storage::Executor;
using storage::Params;
using storage::Value;

constexpr std::string_view kEventColumns =
    "e.event_nid, e.room_nid, e.event_id, t.event_type, k.state_key, e.sender, e.depth, "
    "e.origin_server_ts, e.rejected, e.redacted_by, e.event_json, e.state_before_nid, e.outlier, "
    "e.soft_failed";
constexpr std::string_view kEventJoins =
    " FROM roomserver_events e JOIN roomserver_event_types t ON t.type_nid = e.type_nid"
    " LEFT JOIN roomserver_state_keys k ON k.state_key_nid = e.state_key_nid";

Result<StoredEvent> readEvent(const storage::Row& row) {
  StoredEvent e;
  PLEXUS_TRY(e.eventNid, row.int64(0));
  PLEXUS_TRY(e.roomNid, row.int64(1));
  PLEXUS_TRY(e.eventId, row.text(2));
  PLEXUS_TRY(e.type, row.text(3));
  PLEXUS_TRY(e.stateKey, row.optionalText(4));
  PLEXUS_TRY(e.sender, row.text(5));
  PLEXUS_TRY(e.depth, row.int64(6));
  PLEXUS_TRY(e.originServerTs, row.int64(7));
  PLEXUS_TRY(std::int64_t rejected, row.int64(8));
  e.rejected = rejected != 0;
  PLEXUS_TRY(e.redactedBy, row.optionalText(9));
  PLEXUS_TRY(e.json, row.blob(10));
  PLEXUS_TRY(e.stateBeforeNid, row.int64(11));
  PLEXUS_TRY(std::int64_t outlier, row.int64(12));
  e.outlier = outlier != 0;
  PLEXUS_TRY(std::int64_t softFailed, row.int64(13));
  e.softFailed = softFailed != 0;
  return e;
}

Result<std::vector<StoredEvent>> readEvents(const storage::Rows& rows) {
  std::vector<StoredEvent> out;
  out.reserve(rows.size());
  for (auto row : rows) {
    PLEXUS_TRY(StoredEvent e, readEvent(row));
    out.push_back(std::move(e));
  }
  return out;
}


// Snapshot entries are packed as little-endian int64 triples.
void putInt64(std::string& out, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

std::int64_t getInt64(std::string_view in, std::size_t at) {
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= std::uint64_t(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return static_cast<std::int64_t>(u);
}

std::string packEntries(const std::vector<StateEntry>& entries) {
  std::string out;
  out.reserve(entries.size() * 24);
  for (const auto& e : entries) {
    putInt64(out, e.typeNid);
    putInt64(out, e.stateKeyNid);
    putInt64(out, e.eventNid);
  }
  return out;
}

Result<std::vector<StateEntry>> unpackEntries(std::string_view bytes) {
  if (bytes.size() % 24 != 0) return fail(ErrorCode::kInternal, "roomserver: corrupt state snapshot");
  std::vector<StateEntry> out;
  out.reserve(bytes.size() / 24);
  for (std::size_t at = 0; at < bytes.size(); at += 24) {
    out.push_back({getInt64(bytes, at), getInt64(bytes, at + 8), getInt64(bytes, at + 16)});
  }
  return out;
}

bool entryKeyLess(const StateEntry& a, const StateEntry& b) {
  return std::pair(a.typeNid, a.stateKeyNid) < std::pair(b.typeNid, b.stateKeyNid);
}

}  // namespace

Status SqlRoomserverStore::migrate() {
  PLEXUS_TRY_VOID(storage::migrate(db_, "roomserver", roomserverMigrations()));
  return {};
}

// --- Numeric IDs ---

Result<std::int64_t> SqlRoomserverStore::intern(
    std::string_view table, std::string_view idColumn, std::string_view column,
    std::string_view value, std::map<std::string, std::int64_t, std::less<>>& cache) {
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = cache.find(value); it != cache.end()) return it->second;
  }
  std::string select = "SELECT " + std::string(idColumn) + " FROM " + std::string(table) +
                       " WHERE " + std::string(column) + " = $1";
  PLEXUS_TRY(auto rows, db_.query(select, {Value(value)}));
  if (rows.empty()) {
    std::string insert = "INSERT INTO " + std::string(table) + " (" + std::string(column) +
                         ") VALUES ($1) ON CONFLICT DO NOTHING";
    PLEXUS_TRY_VOID(db_.execute(insert, {Value(value)}));
    PLEXUS_TRY(rows, db_.query(select, {Value(value)}));
    if (rows.empty()) return fail(ErrorCode::kInternal, "roomserver: interning failed");
  }
  PLEXUS_TRY(std::int64_t nid, rows.front().int64(0));
  std::lock_guard lock(cacheMutex_);
  cache.emplace(std::string(value), nid);
  return nid;
}

Result<std::string> SqlRoomserverStore::lookupName(std::string_view table,
                                                   std::string_view idColumn,
                                                   std::string_view column, std::int64_t nid,
                                                   std::map<std::int64_t, std::string>& cache) {
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = cache.find(nid); it != cache.end()) return it->second;
  }
  PLEXUS_TRY(auto rows, db_.query("SELECT " + std::string(column) + " FROM " + std::string(table) +
                                      " WHERE " + std::string(idColumn) + " = $1",
                                  {Value(nid)}));
  if (rows.empty()) return fail(ErrorCode::kNotFound, "roomserver: unknown nid");
  PLEXUS_TRY(std::string name, rows.front().text(0));
  std::lock_guard lock(cacheMutex_);
  cache.emplace(nid, name);
  return name;
}

Result<std::int64_t> SqlRoomserverStore::eventTypeNid(std::string_view type) {
  return intern("roomserver_event_types", "type_nid", "event_type", type, typeNids_);
}
Result<std::int64_t> SqlRoomserverStore::stateKeyNid(std::string_view stateKey) {
  return intern("roomserver_state_keys", "state_key_nid", "state_key", stateKey, stateKeyNids_);
}
bool SqlRoomserverStore::typeAndKeyInterned(std::string_view type,
                                            std::optional<std::string_view> stateKey) const {
  std::lock_guard lock(cacheMutex_);
  return typeNids_.contains(type) && (!stateKey || stateKeyNids_.contains(*stateKey));
}
Result<std::string> SqlRoomserverStore::eventType(std::int64_t typeNid) {
  return lookupName("roomserver_event_types", "type_nid", "event_type", typeNid, typeNames_);
}
Result<std::string> SqlRoomserverStore::stateKey(std::int64_t stateKeyNid) {
  return lookupName("roomserver_state_keys", "state_key_nid", "state_key", stateKeyNid,
                    stateKeyNames_);
}

// --- Rooms ---

Result<std::int64_t> SqlRoomserverStore::insertRoom(Executor& ex, std::string_view roomId,
                                                    std::string_view roomVersion) {
  PLEXUS_TRY(auto rows, ex.query("INSERT INTO roomserver_rooms (room_id, room_version) VALUES "
                                 "($1, $2) RETURNING room_nid",
                                 {Value(roomId), Value(roomVersion)}));
  if (rows.empty()) return fail(ErrorCode::kInternal, "roomserver: insertRoom returned no row");
  return rows.front().int64(0);
}

Result<std::optional<StoredRoom>> SqlRoomserverStore::room(Executor& ex, std::string_view roomId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT room_nid, room_id, room_version, snapshot_nid, published "
                                 "FROM roomserver_rooms WHERE room_id = $1",
                                 {Value(roomId)}));
  if (rows.empty()) return std::optional<StoredRoom>();
  StoredRoom r;
  auto row = rows.front();
  PLEXUS_TRY(r.roomNid, row.int64(0));
  PLEXUS_TRY(r.roomId, row.text(1));
  PLEXUS_TRY(r.roomVersion, row.text(2));
  PLEXUS_TRY(r.snapshotNid, row.int64(3));
  PLEXUS_TRY(std::int64_t published, row.int64(4));
  r.published = published != 0;
  return std::optional<StoredRoom>(std::move(r));
}

Result<std::string> SqlRoomserverStore::roomVersion(Executor& ex, std::int64_t roomNid) {
  PLEXUS_TRY(auto rows, ex.query("SELECT room_version FROM roomserver_rooms WHERE room_nid = $1",
                                 {Value(roomNid)}));
  if (rows.empty()) return fail(ErrorCode::kNotFound, "unknown room nid");
  return rows.front().text(0);
}

Status SqlRoomserverStore::setRoomSnapshot(Executor& ex, std::int64_t roomNid,
                                           std::int64_t snapshotNid) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex, "UPDATE roomserver_rooms SET snapshot_nid = $2 WHERE room_nid = $1",
      {Value(roomNid), Value(snapshotNid)}));
  return {};
}

Status SqlRoomserverStore::setPublished(Executor& ex, std::int64_t roomNid, bool published) {
  PLEXUS_TRY_VOID(
      storage::executeDeferred(ex, "UPDATE roomserver_rooms SET published = $2 WHERE room_nid = $1",
                               {Value(roomNid), Value(published ? 1 : 0)}));
  return {};
}

Result<std::vector<StoredRoom>> SqlRoomserverStore::publishedRooms(Executor& ex) {
  PLEXUS_TRY(auto rows, ex.query("SELECT room_nid, room_id, room_version, snapshot_nid FROM "
                                 "roomserver_rooms WHERE published = 1 ORDER BY room_id"));
  std::vector<StoredRoom> out;
  for (auto row : rows) {
    StoredRoom r;
    PLEXUS_TRY(r.roomNid, row.int64(0));
    PLEXUS_TRY(r.roomId, row.text(1));
    PLEXUS_TRY(r.roomVersion, row.text(2));
    PLEXUS_TRY(r.snapshotNid, row.int64(3));
    r.published = true;
    out.push_back(std::move(r));
  }
  return out;
}

// --- Events ---

Result<std::int64_t> SqlRoomserverStore::insertEvent(Executor& ex, const NewEvent& e) {
  PLEXUS_TRY(auto rows,
             ex.query("INSERT INTO roomserver_events (room_nid, event_id, type_nid, state_key_nid, "
                      "sender, depth, origin_server_ts, state_before_nid, event_json, rejected, outlier, "
                      "soft_failed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                      "RETURNING event_nid",
                      {Value(e.roomNid), Value(e.eventId), Value(e.typeNid), Value(e.stateKeyNid),
                       Value(e.sender), Value(e.depth), Value(e.originServerTs),
                       Value(e.stateBeforeNid), Value::blob(e.json), Value(e.rejected ? 1 : 0),
                       Value(e.outlier ? 1 : 0), Value(e.softFailed ? 1 : 0)}));
  if (rows.empty()) return fail(ErrorCode::kInternal, "roomserver: insertEvent returned no row");
  return rows.front().int64(0);
}

Status SqlRoomserverStore::promoteOutlier(Executor& ex, std::int64_t eventNid,
                                          std::int64_t stateBeforeNid, bool rejected,
                                          bool softFailed) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex,
      "UPDATE roomserver_events SET outlier = 0, state_before_nid = $2, rejected = $3, "
      "soft_failed = $4 WHERE event_nid = $1",
      {Value(eventNid), Value(stateBeforeNid), Value(rejected ? 1 : 0),
       Value(softFailed ? 1 : 0)}));
  return {};
}

Status SqlRoomserverStore::markRedacted(Executor& ex, std::int64_t eventNid,
                                        std::string_view redactedJson,
                                        std::string_view redactedBy) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex, "UPDATE roomserver_events SET event_json = $2, redacted_by = $3 WHERE event_nid = $1",
      {Value(eventNid), Value::blob(redactedJson), Value(redactedBy)}));
  return {};
}

namespace {

// Runs `select ... IN (chunk)` over `keys` in chunks: one statement with tens of thousands of
// parameters costs SQLite time quadratic in their number (a large room's members).
template <typename Key>
Result<std::vector<StoredEvent>> eventsIn(Executor& ex, const std::vector<Key>& keys,
                                          std::string_view column) {
  constexpr std::size_t kChunk = 500;
  std::vector<StoredEvent> out;
  out.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); i += kChunk) {
    const std::size_t n = std::min(kChunk, keys.size() - i);
    Params params(keys.begin() + static_cast<std::ptrdiff_t>(i),
                  keys.begin() + static_cast<std::ptrdiff_t>(i + n));
    std::string sql = "SELECT " + std::string(kEventColumns) + std::string(kEventJoins) +
                      " WHERE e." + std::string(column) + " IN (" + sqlPlaceholders(n) + ")";
    PLEXUS_TRY(auto rows, ex.query(sql, params));
    PLEXUS_TRY(auto events, readEvents(rows));
    for (auto& e : events) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<std::vector<StoredEvent>> SqlRoomserverStore::eventsByIds(
    Executor& ex, const std::vector<std::string>& ids) {
  return eventsIn(ex, ids, "event_id");
}

Result<std::vector<StoredEvent>> SqlRoomserverStore::eventsByNids(
    Executor& ex, const std::vector<std::int64_t>& nids) {
  return eventsIn(ex, nids, "event_nid");
}

// --- State ---

Result<StoredSnapshot> SqlRoomserverStore::insertSnapshot(Executor& ex, std::int64_t roomNid,
                                                          std::optional<StoredSnapshot> parent,
                                                          const std::vector<StateEntry>& entries) {
  std::vector<StateEntry> sorted = entries;
  std::sort(sorted.begin(), sorted.end(), entryKeyLess);
  int chain = parent ? parent->chainLength + 1 : 0;
  PLEXUS_TRY(auto rows,
             ex.query("INSERT INTO roomserver_state_snapshots (room_nid, parent_nid, chain_length, "
                      "entries) VALUES ($1, $2, $3, $4) RETURNING snapshot_nid",
                      {Value(roomNid),
                       parent ? Value(parent->snapshotNid) : Value(),
                       Value(chain), Value::blob(packEntries(sorted))}));
  if (rows.empty()) return fail(ErrorCode::kInternal, "roomserver: insertSnapshot returned no row");
  PLEXUS_TRY(std::int64_t nid, rows.front().int64(0));
  return StoredSnapshot{nid, chain};
}

Result<StoredSnapshot> SqlRoomserverStore::snapshotInfo(Executor& ex, std::int64_t snapshotNid) {
  PLEXUS_TRY(auto rows, ex.query("SELECT chain_length FROM roomserver_state_snapshots WHERE "
                                 "snapshot_nid = $1",
                                 {Value(snapshotNid)}));
  if (rows.empty()) return fail(ErrorCode::kNotFound, "roomserver: unknown state snapshot");
  PLEXUS_TRY(std::int64_t chain, rows.front().int64(0));
  return StoredSnapshot{snapshotNid, static_cast<int>(chain)};
}

Result<std::vector<StateEntry>> SqlRoomserverStore::loadSnapshot(Executor& ex,
                                                                 std::int64_t snapshotNid) {
  // Walk from the snapshot to its full ancestor; nearer snapshots win for the same key.
  std::vector<StateEntry> merged;
  std::optional<std::int64_t> next = snapshotNid == 0 ? std::nullopt : std::optional(snapshotNid);
  int guard = 0;
  while (next) {
    if (++guard > kMaxSnapshotChain * 4) {
      return fail(ErrorCode::kInternal, "roomserver: state snapshot chain too long");
    }
    PLEXUS_TRY(auto rows, ex.query("SELECT parent_nid, entries FROM roomserver_state_snapshots "
                                   "WHERE snapshot_nid = $1",
                                   {Value(*next)}));
    if (rows.empty()) return fail(ErrorCode::kNotFound, "roomserver: unknown state snapshot");
    PLEXUS_TRY(next, rows.front().optionalInt64(0));
    PLEXUS_TRY(std::string bytes, rows.front().blob(1));
    PLEXUS_TRY(auto entries, unpackEntries(bytes));
    for (const auto& e : entries) {
      auto it = std::lower_bound(merged.begin(), merged.end(), e, entryKeyLess);
      if (it == merged.end() || entryKeyLess(e, *it)) merged.insert(it, e);
    }
  }
  return merged;
}

Status SqlRoomserverStore::setCurrentState(Executor& ex, std::int64_t roomNid,
                                           const StateEntry& entry) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex,
      "INSERT INTO roomserver_current_state (room_nid, type_nid, state_key_nid, event_nid) VALUES "
      "($1, $2, $3, $4) ON CONFLICT (room_nid, type_nid, state_key_nid) DO UPDATE SET "
      "event_nid = excluded.event_nid",
      {Value(roomNid), Value(entry.typeNid), Value(entry.stateKeyNid), Value(entry.eventNid)}));
  return {};
}

Status SqlRoomserverStore::removeCurrentState(Executor& ex, std::int64_t roomNid,
                                              std::int64_t typeNid, std::int64_t stateKeyNid) {
  PLEXUS_TRY_VOID(storage::executeDeferred(ex,
                                           "DELETE FROM roomserver_current_state WHERE room_nid = "
                                           "$1 AND type_nid = $2 AND state_key_nid = $3",
                                           {Value(roomNid), Value(typeNid), Value(stateKeyNid)}));
  return {};
}

Result<std::vector<StateEntry>> SqlRoomserverStore::currentState(Executor& ex,
                                                                 std::int64_t roomNid) {
  PLEXUS_TRY(auto rows, ex.query("SELECT type_nid, state_key_nid, event_nid FROM "
                                 "roomserver_current_state WHERE room_nid = $1 ORDER BY type_nid, "
                                 "state_key_nid",
                                 {Value(roomNid)}));
  std::vector<StateEntry> out;
  for (auto row : rows) {
    StateEntry e;
    PLEXUS_TRY(e.typeNid, row.int64(0));
    PLEXUS_TRY(e.stateKeyNid, row.int64(1));
    PLEXUS_TRY(e.eventNid, row.int64(2));
    out.push_back(e);
  }
  return out;
}

std::string sqlPlaceholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 1; i <= n; ++i) {
    if (i > 1) out.append(", ");
    out.push_back('$');
    out.append(std::to_string(i));
  }
  return out;
}

}  // namespace plexus::roomserver
