// SqlSyncStore, part 1: positions, room events, state, memberships, relations and the
// notifications list.
#include "syncapi/storage/sql_syncapi_store.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "plexus/json/parse.h"
#include "plexus/storage/deferred.h"
#include "syncapi/storage/migrations.h"

namespace plexus::syncapi {

using storage::Params;
using storage::Row;
using storage::Rows;

const std::string_view kSyncEventColumns =
    "pos, room_id, event_id, depth, type, sender, state_key, json, origin_ts, redacted_because, "
    "txn_user, txn_device, txn_id, relates_to, rel_type, body";

Result<StoredEvent> readSyncEvent(const Row& r) {
  StoredEvent e;
  PLEXUS_TRY(e.pos, r.int64(0));
  PLEXUS_TRY(e.roomId, r.text(1));
  PLEXUS_TRY(e.eventId, r.text(2));
  PLEXUS_TRY(e.depth, r.int64(3));
  PLEXUS_TRY(e.type, r.text(4));
  PLEXUS_TRY(e.sender, r.text(5));
  PLEXUS_TRY(e.stateKey, r.optionalText(6));
  PLEXUS_TRY(e.json, r.text(7));
  PLEXUS_TRY(e.originTs, r.int64(8));
  PLEXUS_TRY(e.redactedBecause, r.optionalText(9));
  PLEXUS_TRY(e.txnUser, r.optionalText(10));
  PLEXUS_TRY(e.txnDevice, r.optionalText(11));
  PLEXUS_TRY(e.txnId, r.optionalText(12));
  PLEXUS_TRY(e.relatesTo, r.optionalText(13));
  PLEXUS_TRY(e.relType, r.optionalText(14));
  PLEXUS_TRY(e.body, r.optionalText(15));
  return e;
}

namespace {

std::string eventSelect(std::string_view tail) {
  std::string s = "SELECT ";
  s += kSyncEventColumns;
  s += " FROM syncapi_events ";
  s += tail;
  return s;
}

// Appends "$<n>" (kept out of operator+ chains, which trip GCC 12's -Wrestrict).
void appendPlaceholder(std::string& sql, std::size_t n) {
  sql.push_back('$');
  sql.append(std::to_string(n));
}

Result<StoredEvent> readEvent(const Row& r) { return readSyncEvent(r); }

Result<std::vector<StoredEvent>> readEvents(const Rows& rows) {
  std::vector<StoredEvent> out;
  out.reserve(rows.size());
  for (const Row r : rows) {
    PLEXUS_TRY(auto e, readEvent(r));
    out.push_back(std::move(e));
  }
  return out;
}

// Applies one added state event (already stored) to current state, deltas and memberships.
Status applyAdd(storage::Executor& tx, const std::string& roomId, const std::string& eventId,
                std::int64_t pos) {
  PLEXUS_TRY(Rows rows, tx.query("SELECT type, state_key, json, pos FROM syncapi_events "
                                 "WHERE event_id = $1 AND state_key IS NOT NULL",
                                 {eventId}));
  if (rows.empty()) return {};  // not a state event we know: nothing to apply
  PLEXUS_TRY(std::string type, rows.front().text(0));
  PLEXUS_TRY(std::string stateKey, rows.front().text(1));
  PLEXUS_TRY(std::int64_t eventPos, rows.front().int64(3));
  // State that arrived without a timeline (a remote join's, see storeOutlierEvents) is state
  // from before the write that names it: keep it at its own negative position.
  if (eventPos < 0) pos = eventPos;
  PLEXUS_TRY_VOID(
      tx.execute("INSERT INTO syncapi_current_state (room_id, type, state_key, event_id, pos) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (room_id, type, state_key) "
                 "DO UPDATE SET event_id = excluded.event_id, pos = excluded.pos",
                 {roomId, type, stateKey, eventId, pos}));
  PLEXUS_TRY_VOID(
      tx.execute("INSERT INTO syncapi_state_deltas (room_id, pos, type, state_key, event_id) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (room_id, pos, type, state_key) "
                 "DO UPDATE SET event_id = excluded.event_id",
                 {roomId, pos, type, stateKey, eventId}));
  if (type == "m.room.member") {
    PLEXUS_TRY(std::string json, rows.front().text(2));
    std::string membership = "leave";
    auto parsed = json::parseObject(json, json::ParseOptions{false, 64});
    if (parsed.ok()) {
      if (const json::Value* content = parsed->find("content")) {
        if (auto m = content->getStringAt("membership")) membership = std::string(*m);
      }
    }
    PLEXUS_TRY_VOID(
        tx.execute("INSERT INTO syncapi_memberships (user_id, room_id, membership, event_id, pos) "
                   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, room_id) "
                   "DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id, "
                   "pos = excluded.pos",
                   {stateKey, roomId, membership, eventId, pos}));
  }
  return {};
}

Status applyRemove(storage::Executor& tx, const std::string& roomId, const std::string& eventId,
                   std::int64_t pos) {
  PLEXUS_TRY(Rows rows, tx.query("SELECT type, state_key FROM syncapi_current_state "
                                 "WHERE room_id = $1 AND event_id = $2",
                                 {roomId, eventId}));
  if (rows.empty()) return {};  // already replaced by an add in the same output
  PLEXUS_TRY(std::string type, rows.front().text(0));
  PLEXUS_TRY(std::string stateKey, rows.front().text(1));
  PLEXUS_TRY_VOID(tx.execute(
      "DELETE FROM syncapi_current_state WHERE room_id = $1 AND type = $2 AND state_key = $3",
      {roomId, type, stateKey}));
  PLEXUS_TRY_VOID(tx.execute(
      "INSERT INTO syncapi_state_deltas (room_id, pos, type, state_key, event_id) "
      "VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (room_id, pos, type, state_key) DO NOTHING",
      {roomId, pos, type, stateKey}));
  if (type == "m.room.member") {
    PLEXUS_TRY_VOID(
        tx.execute("UPDATE syncapi_memberships SET membership = 'leave', pos = $3 "
                   "WHERE user_id = $1 AND room_id = $2",
                   {stateKey, roomId, pos}));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<SyncStore>> makeSqlSyncStore(storage::Database& db) {
  PLEXUS_TRY_VOID(storage::migrate(db, "syncapi", syncMigrations()));
  return std::unique_ptr<SyncStore>(new SqlSyncStore(db));
}

Result<std::int64_t> allocatePosition(storage::Executor& tx) {
  PLEXUS_TRY(Rows rows,
             tx.query("UPDATE syncapi_stream SET pos = pos + 1 WHERE id = 1 RETURNING pos"));
  if (rows.empty()) return fail(ErrorCode::kInternal, "syncapi: stream counter row missing");
  return rows.front().int64(0);
}

Result<std::int64_t> SqlSyncStore::queryCurrentPosition() {
  PLEXUS_TRY(Rows rows, db_.query("SELECT pos FROM syncapi_stream WHERE id = 1"));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().int64(0);
}

namespace {

// Hands out `count` consecutive positions at once; returns the first.
Result<std::int64_t> allocatePositions(storage::Executor& tx, std::int64_t count) {
  PLEXUS_TRY(
      Rows rows,
      tx.query("UPDATE syncapi_stream SET pos = pos + $1 WHERE id = 1 RETURNING pos", {count}));
  if (rows.empty()) return fail(ErrorCode::kInternal, "syncapi: stream counter row missing");
  PLEXUS_TRY(std::int64_t last, rows.front().int64(0));
  return last - count + 1;
}

// The IDs among `writes` that are stored already (redeliveries), a few queries per batch.
Result<std::set<std::string>> storedEventIds(storage::Executor& tx,
                                             const std::vector<RoomEventWrite>& writes) {
  constexpr std::size_t kChunk = 200;
  std::set<std::string> out;
  for (std::size_t begin = 0; begin < writes.size(); begin += kChunk) {
    const std::size_t end = std::min(writes.size(), begin + kChunk);
    std::string sql = "SELECT event_id FROM syncapi_events WHERE event_id IN (";
    Params params;
    for (std::size_t i = begin; i < end; ++i) {
      if (i > begin) sql += ", ";
      appendPlaceholder(sql, i - begin + 1);
      params.push_back(writes[i].event.eventId);
    }
    sql += ")";
    PLEXUS_TRY(Rows rows, tx.query(sql, params));
    for (const Row r : rows) {
      PLEXUS_TRY(std::string id, r.text(0));
      out.insert(std::move(id));
    }
  }
  return out;
}

// New events and notifications of one storeRoomEvents call, written as multi-row inserts (on
// PostgreSQL deferred: they go out in one pipeline with the commit). Event rows are flushed
// before a state change, which reads the event row it applies.
class PendingInserts {
 public:
  PendingInserts(storage::Transaction& tx, storage::Dialect dialect) : tx_(tx), dialect_(dialect) {}

  void addEvent(const StoredEvent& e, std::int64_t pos) { events_.push_back({&e, pos}); }
  void addNotification(const NotificationWrite& n, const std::string& roomId, std::int64_t pos) {
    notifications_.push_back({&n, &roomId, pos});
  }

  Status flushEvents() {
    // 16 parameters a row: 100 rows stay far below both dialects' parameter limits.
    constexpr std::size_t kRows = 100;
    for (std::size_t at = 0; at < events_.size(); at += kRows) {
      const std::size_t n = std::min(kRows, events_.size() - at);
      std::string sql =
          "INSERT INTO syncapi_events (pos, room_id, event_id, depth, type, sender, state_key, "
          "json, origin_ts, redacted_because, txn_user, txn_device, txn_id, relates_to, rel_type, "
          "body) VALUES ";
      Params params;
      params.reserve(n * 16);
      for (std::size_t i = 0; i < n; ++i) {
        const auto& [e, pos] = events_[at + i];
        appendRow(sql, i, 16);
        for (storage::Value v :
             {storage::Value(pos), storage::Value(e->roomId), storage::Value(e->eventId),
              storage::Value(e->depth), storage::Value(e->type), storage::Value(e->sender),
              storage::Value(e->stateKey), storage::Value(e->json), storage::Value(e->originTs),
              storage::Value(e->redactedBecause), storage::Value(e->txnUser),
              storage::Value(e->txnDevice), storage::Value(e->txnId), storage::Value(e->relatesTo),
              storage::Value(e->relType), storage::Value(e->body)}) {
          params.push_back(std::move(v));
        }
      }
      PLEXUS_TRY_VOID(storage::executeDeferred(tx_, sql, params));
    }
    if (dialect_ == storage::Dialect::kSqlite) {
      // The FTS5 table has external content: the writer indexes each body itself.
      for (const auto& [e, pos] : events_) {
        if (!e->body) continue;
        PLEXUS_TRY_VOID(tx_.execute("INSERT INTO syncapi_events_fts (rowid, body) VALUES ($1, $2)",
                                    {pos, e->body}));
      }
    }
    events_.clear();
    return {};
  }

  Status flushAll() {
    PLEXUS_TRY_VOID(flushEvents());
    constexpr std::size_t kRows = 500;  // 7 parameters a row
    for (std::size_t at = 0; at < notifications_.size(); at += kRows) {
      const std::size_t n = std::min(kRows, notifications_.size() - at);
      std::string sql =
          "INSERT INTO syncapi_notifications (user_id, room_id, pos, highlight, thread_id, "
          "actions, ts, is_read) VALUES ";
      Params params;
      params.reserve(n * 7);
      for (std::size_t i = 0; i < n; ++i) {
        const auto& [note, roomId, pos] = notifications_[at + i];
        appendRow(sql, i, 7, ", 0");
        params.emplace_back(note->userId);
        params.emplace_back(*roomId);
        params.emplace_back(pos);
        params.emplace_back(note->highlight ? 1 : 0);
        params.emplace_back(note->threadId);
        params.emplace_back(note->actions);
        params.emplace_back(note->ts);
      }
      sql += " ON CONFLICT (user_id, room_id, pos) DO NOTHING";
      PLEXUS_TRY_VOID(storage::executeDeferred(tx_, sql, params));
    }
    notifications_.clear();
    return {};
  }

 private:
  // Appends row `row` of `columns` placeholders ("($1, $2)", numbered on from earlier rows),
  // with `suffix` (literal columns) before its closing parenthesis.
  static void appendRow(std::string& sql, std::size_t row, std::size_t columns,
                        std::string_view suffix = {}) {
    sql += row == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < columns; ++c) {
      if (c > 0) sql += ", ";
      appendPlaceholder(sql, row * columns + c + 1);
    }
    sql += suffix;
    sql += ")";
  }

  storage::Transaction& tx_;
  storage::Dialect dialect_;
  std::vector<std::pair<const StoredEvent*, std::int64_t>> events_;
  std::vector<std::tuple<const NotificationWrite*, const std::string*, std::int64_t>>
      notifications_;
};

// One new event at `pos` inside the caller's transaction.
Status insertRoomEvent(PendingInserts& pending, storage::Transaction& tx,
                       const RoomEventWrite& write, std::int64_t pos) {
  const StoredEvent& e = write.event;
  pending.addEvent(e, pos);
  if (!write.removesStateEventIds.empty() || !write.addsStateEventIds.empty()) {
    PLEXUS_TRY_VOID(pending.flushEvents());
  }
  for (const auto& id : write.removesStateEventIds) {
    PLEXUS_TRY_VOID(applyRemove(tx, e.roomId, id, pos));
  }
  for (const auto& id : write.addsStateEventIds) {
    PLEXUS_TRY_VOID(applyAdd(tx, e.roomId, id, pos));
  }
  for (const auto& n : write.notifications) pending.addNotification(n, e.roomId, pos);
  return {};
}

}  // namespace

Result<std::optional<std::int64_t>> SqlSyncStore::storeRoomEvent(const RoomEventWrite& write) {
  PLEXUS_TRY(auto positions, storeRoomEvents({write}));
  return positions.front();
}

Result<std::vector<std::optional<std::int64_t>>> SqlSyncStore::storeRoomEvents(
    const std::vector<RoomEventWrite>& writes) {
  std::vector<std::optional<std::int64_t>> positions;
  Status s = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    positions.assign(writes.size(), std::nullopt);
    PLEXUS_TRY(std::set<std::string> seen, storedEventIds(tx, writes));
    std::vector<std::size_t> fresh;  // indexes of the writes to store, in order
    for (std::size_t i = 0; i < writes.size(); ++i) {
      if (seen.insert(writes[i].event.eventId).second) fresh.push_back(i);
    }
    if (fresh.empty()) return {};
    PLEXUS_TRY(std::int64_t pos, allocatePositions(tx, static_cast<std::int64_t>(fresh.size())));
    PendingInserts pending(tx, db_.dialect());
    for (std::size_t i : fresh) {
      PLEXUS_TRY_VOID(insertRoomEvent(pending, tx, writes[i], pos));
      positions[i] = pos++;
    }
    return pending.flushAll();
  });
  if (!s.ok()) return std::move(s).takeError();
  return positions;
}

namespace {

// Inserts `events` at positions counting down from below `lowestQuery`'s answer (capped at
// `ceiling`), skipping known IDs; with `promoteOutliers`, known outliers (below the floor) move
// to the next position instead.
Status insertBelow(storage::Transaction& tx, const std::vector<StoredEvent>& events,
                   std::string_view lowestQuery, std::int64_t ceiling, bool promoteOutliers) {
  PLEXUS_TRY(Rows lowest, tx.query(lowestQuery));
  PLEXUS_TRY(std::int64_t lowestPos, lowest.front().int64(0));
  std::int64_t next = std::min(lowestPos, ceiling) - 1;
  for (const auto& e : events) {
    PLEXUS_TRY(Rows existing,
               tx.query("SELECT pos FROM syncapi_events WHERE event_id = $1", {e.eventId}));
    if (!existing.empty()) {
      // State that came without a timeline (a remote join's) and now turns up as history moves
      // into the timeline; anything else stays where it is.
      PLEXUS_TRY(std::int64_t pos, existing.front().int64(0));
      if (promoteOutliers && pos < kTimelineFloor) {
        PLEXUS_TRY_VOID(
            tx.execute("UPDATE syncapi_events SET pos = $1 WHERE event_id = $2", {next, e.eventId}));
        --next;
      }
      continue;
    }
    PLEXUS_TRY_VOID(tx.execute(
        "INSERT INTO syncapi_events (pos, room_id, event_id, depth, type, sender, state_key, "
        "json, origin_ts, relates_to, rel_type) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11)",
        {next, e.roomId, e.eventId, e.depth, e.type, e.sender, e.stateKey, e.json, e.originTs,
         e.relatesTo, e.relType}));
    --next;
  }
  return {};
}

}  // namespace

Status SqlSyncStore::storeOutlierEvents(const std::vector<StoredEvent>& events) {
  if (events.empty()) return {};
  return db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    return insertBelow(tx, events, "SELECT COALESCE(MIN(pos), 0) FROM syncapi_events",
                       kTimelineFloor, /*promoteOutliers=*/false);
  });
}

Status SqlSyncStore::storeBackfilledEvents(const std::vector<StoredEvent>& events) {
  if (events.empty()) return {};
  const std::string lowest = "SELECT COALESCE(MIN(pos), 0) FROM syncapi_events WHERE pos > " +
                             std::to_string(kTimelineFloor);
  return db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    return insertBelow(tx, events, lowest, 0, /*promoteOutliers=*/true);
  });
}

Status SqlSyncStore::redactEvent(const std::string& eventId, const std::string& redactedJson,
                                 const std::string& redactionJson) {
  return db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    if (db_.dialect() == storage::Dialect::kSqlite) {
      // An external-content FTS5 row is removed by repeating the indexed values.
      PLEXUS_TRY(Rows rows, tx.query("SELECT pos, body FROM syncapi_events WHERE event_id = $1 "
                                     "AND body IS NOT NULL",
                                     {eventId}));
      if (!rows.empty()) {
        PLEXUS_TRY(std::int64_t pos, rows.front().int64(0));
        PLEXUS_TRY(std::string body, rows.front().text(1));
        PLEXUS_TRY_VOID(
            tx.execute("INSERT INTO syncapi_events_fts (syncapi_events_fts, rowid, "
                       "body) VALUES ('delete', $1, $2)",
                       {pos, body}));
      }
    }
    PLEXUS_TRY_VOID(
        tx.execute("UPDATE syncapi_events SET json = $2, redacted_because = $3, body = NULL "
                   "WHERE event_id = $1",
                   {eventId, redactedJson, redactionJson}));
    return {};
  });
}

Result<std::optional<StoredEvent>> SqlSyncStore::queryEvent(const std::string& eventId) {
  PLEXUS_TRY(Rows rows, db_.query(eventSelect("WHERE event_id = $1"), {eventId}));
  if (rows.empty()) return std::optional<StoredEvent>{};
  PLEXUS_TRY(auto e, readEvent(rows.front()));
  return std::optional<StoredEvent>(std::move(e));
}

Result<std::vector<StoredEvent>> SqlSyncStore::queryEvents(const std::vector<std::string>& ids) {
  std::vector<StoredEvent> out;
  for (std::size_t i = 0; i < ids.size(); i += 100) {
    std::string sql = eventSelect("WHERE event_id IN (");
    Params params;
    for (std::size_t j = i; j < ids.size() && j < i + 100; ++j) {
      if (j > i) sql += ", ";
      params.emplace_back(ids[j]);
      appendPlaceholder(sql, params.size());
    }
    sql += ") ORDER BY pos";
    PLEXUS_TRY(Rows rows, db_.query(sql, params));
    PLEXUS_TRY(auto events, readEvents(rows));
    for (auto& e : events) out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<StoredEvent>> SqlSyncStore::queryRoomEvents(const std::string& roomId,
                                                               std::int64_t afterPos,
                                                               std::int64_t upToPos, int limit,
                                                               bool backwards) {
  PLEXUS_TRY(Rows rows,
             db_.query(eventSelect(backwards ? "WHERE room_id = $1 AND pos > $2 AND pos <= $3 "
                                               "ORDER BY pos DESC LIMIT $4"
                                             : "WHERE room_id = $1 AND pos > $2 AND pos <= $3 "
                                               "ORDER BY pos ASC LIMIT $4"),
                       {roomId, afterPos, upToPos, limit}));
  return readEvents(rows);
}

Result<std::map<StateKeyRef, std::string>> SqlSyncStore::queryCurrentState(
    const std::string& roomId) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT type, state_key, event_id FROM syncapi_current_state "
                                  "WHERE room_id = $1",
                                  {roomId}));
  std::map<StateKeyRef, std::string> out;
  for (const Row r : rows) {
    PLEXUS_TRY(auto type, r.text(0));
    PLEXUS_TRY(auto key, r.text(1));
    PLEXUS_TRY(auto id, r.text(2));
    out[StateKeyRef{std::move(type), std::move(key)}] = std::move(id);
  }
  return out;
}

Result<std::vector<StateDelta>> SqlSyncStore::queryStateDeltas(const std::string& roomId,
                                                               std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT pos, type, state_key, event_id FROM "
                                  "syncapi_state_deltas WHERE room_id = $1 AND pos <= $2 "
                                  "ORDER BY pos",
                                  {roomId, upToPos}));
  std::vector<StateDelta> out;
  out.reserve(rows.size());
  for (const Row r : rows) {
    StateDelta d;
    PLEXUS_TRY(d.pos, r.int64(0));
    PLEXUS_TRY(d.key.type, r.text(1));
    PLEXUS_TRY(d.key.stateKey, r.text(2));
    PLEXUS_TRY(d.eventId, r.optionalText(3));
    out.push_back(std::move(d));
  }
  return out;
}

namespace {
Result<std::vector<Membership>> readMemberships(const Rows& rows) {
  std::vector<Membership> out;
  for (const Row r : rows) {
    Membership m;
    PLEXUS_TRY(m.userId, r.text(0));
    PLEXUS_TRY(m.roomId, r.text(1));
    PLEXUS_TRY(m.membership, r.text(2));
    PLEXUS_TRY(m.eventId, r.text(3));
    PLEXUS_TRY(m.pos, r.int64(4));
    out.push_back(std::move(m));
  }
  return out;
}
}  // namespace

Result<std::vector<Membership>> SqlSyncStore::queryMembershipsOfUser(const std::string& userId) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT user_id, room_id, membership, event_id, pos FROM "
                                  "syncapi_memberships WHERE user_id = $1",
                                  {userId}));
  return readMemberships(rows);
}

Result<std::vector<Membership>> SqlSyncStore::queryActiveMemberships() {
  PLEXUS_TRY(Rows rows, db_.query("SELECT user_id, room_id, membership, event_id, pos FROM "
                                  "syncapi_memberships WHERE membership IN ('join', 'invite')"));
  return readMemberships(rows);
}

Result<std::vector<StoredEvent>> SqlSyncStore::queryRelations(
    const std::string& roomId, const std::string& eventId, const std::string& relType,
    const std::string& eventType, std::int64_t afterPos, std::int64_t beforePos, int limit,
    bool backwards) {
  std::string tail =
      "WHERE room_id = $1 AND relates_to = $2 AND pos > $3 AND pos < $4 "
      "AND ($5 = '' OR rel_type = $5) AND ($6 = '' OR type = $6) ORDER BY pos ";
  tail += backwards ? "DESC" : "ASC";
  tail += " LIMIT $7";
  PLEXUS_TRY(Rows rows, db_.query(eventSelect(tail), {roomId, eventId, afterPos, beforePos, relType,
                                                      eventType, limit}));
  return readEvents(rows);
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SqlSyncStore::queryThreadRoots(
    const std::string& roomId, std::int64_t beforePos, int limit) {
  // A client may send rel_type m.thread without an event_id: no thread root, no row.
  PLEXUS_TRY(Rows rows, db_.query("SELECT relates_to, MAX(pos) AS latest FROM syncapi_events "
                                  "WHERE room_id = $1 AND rel_type = 'm.thread' "
                                  "AND relates_to IS NOT NULL "
                                  "GROUP BY relates_to HAVING MAX(pos) < $2 "
                                  "ORDER BY latest DESC LIMIT $3",
                                  {roomId, beforePos, limit}));
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const Row r : rows) {
    PLEXUS_TRY(auto id, r.text(0));
    PLEXUS_TRY(auto pos, r.int64(1));
    out.emplace_back(std::move(id), pos);
  }
  return out;
}

Result<std::vector<SyncStore::NotificationRow>> SqlSyncStore::queryNotificationEvents(
    const std::string& userId, std::int64_t beforePos, bool highlightsOnly, int limit) {
  std::string sql =
      "SELECT e.pos, e.room_id, e.event_id, e.depth, e.type, e.sender, e.state_key, "
      "e.json, e.origin_ts, e.redacted_because, e.txn_user, e.txn_device, e.txn_id, "
      "e.relates_to, e.rel_type, e.body, n.highlight, n.is_read, n.actions, n.ts "
      "FROM syncapi_notifications n "
      "JOIN syncapi_events e ON e.pos = n.pos WHERE n.user_id = $1 AND n.pos < $2 "
      "AND ($3 = 0 OR n.highlight = 1) ORDER BY n.pos DESC LIMIT $4";
  PLEXUS_TRY(Rows rows, db_.query(sql, {userId, beforePos, highlightsOnly ? 1 : 0, limit}));
  std::vector<NotificationRow> out;
  for (const Row r : rows) {
    NotificationRow n;
    PLEXUS_TRY(n.event, readEvent(r));
    PLEXUS_TRY(std::int64_t h, r.int64(16));
    n.highlight = h != 0;
    PLEXUS_TRY(std::int64_t read, r.int64(17));
    n.read = read != 0;
    PLEXUS_TRY(n.actions, r.text(18));
    PLEXUS_TRY(n.ts, r.int64(19));
    out.push_back(std::move(n));
  }
  return out;
}

Result<std::vector<StoredEvent>> SqlSyncStore::queryEventsByTimestamp(const std::string& roomId,
                                                                      std::int64_t ts, bool forward,
                                                                      int limit) {
  PLEXUS_TRY(Rows rows,
             db_.query(eventSelect(forward ? "WHERE room_id = $1 AND origin_ts >= $2 "
                                             "ORDER BY origin_ts ASC, pos ASC LIMIT $3"
                                           : "WHERE room_id = $1 AND origin_ts <= $2 "
                                             "ORDER BY origin_ts DESC, pos DESC LIMIT $3"),
                       {roomId, ts, limit}));
  return readEvents(rows);
}

}  // namespace plexus::syncapi
