// SqlSyncStore, part 2: receipts, account data, to-device, filters, presence, device lists,
// unread counts and lazy-loaded member tracking.
#include <limits>

#include "syncapi/storage/sql_syncapi_store.h"

namespace plexus::syncapi {

using storage::Row;
using storage::Rows;

Result<std::int64_t> SqlSyncStore::storeReceipt(const Receipt& r, bool clearsNotifications) {
  std::int64_t pos = 0;
  Status s = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(pos, allocatePosition(tx));
    PLEXUS_TRY_VOID(tx.execute(
        "INSERT INTO syncapi_receipts (room_id, user_id, receipt_type, thread_id, event_id, ts, "
        "pos) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (room_id, user_id, receipt_type, thread_id) DO UPDATE SET "
        "event_id = excluded.event_id, ts = excluded.ts, pos = excluded.pos",
        {r.roomId, r.userId, r.receiptType, r.threadId, r.eventId, r.ts, pos}));
    if (clearsNotifications) {
      PLEXUS_TRY(Rows ev,
                 tx.query("SELECT pos FROM syncapi_events WHERE event_id = $1", {r.eventId}));
      if (!ev.empty()) {
        PLEXUS_TRY(std::int64_t eventPos, ev.front().int64(0));
        // SPEC: push.md "Receiving notifications" — a read receipt marks the event and every
        // earlier one as read; a threaded receipt only clears its own thread.
        if (r.threadId.empty()) {
          PLEXUS_TRY_VOID(
              tx.execute("UPDATE syncapi_notifications SET is_read = 1 WHERE "
                         "user_id = $1 AND room_id = $2 AND pos <= $3 AND "
                         "is_read = 0",
                         {r.userId, r.roomId, eventPos}));
        } else {
          std::string thread = r.threadId == "main" ? "" : r.threadId;
          PLEXUS_TRY_VOID(
              tx.execute("UPDATE syncapi_notifications SET is_read = 1 WHERE "
                         "user_id = $1 AND room_id = $2 AND pos <= $3 AND "
                         "thread_id = $4 AND is_read = 0",
                         {r.userId, r.roomId, eventPos, thread}));
        }
      }
    }
    return {};
  });
  if (!s.ok()) return std::move(s).takeError();
  return pos;
}

Result<std::vector<Receipt>> SqlSyncStore::queryReceipts(const std::string& roomId,
                                                         std::int64_t afterPos,
                                                         std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT room_id, user_id, receipt_type, thread_id, event_id, "
                                  "ts, pos FROM syncapi_receipts WHERE room_id = $1 AND "
                                  "pos > $2 AND pos <= $3 ORDER BY pos",
                                  {roomId, afterPos, upToPos}));
  std::vector<Receipt> out;
  for (const Row row : rows) {
    Receipt r;
    PLEXUS_TRY(r.roomId, row.text(0));
    PLEXUS_TRY(r.userId, row.text(1));
    PLEXUS_TRY(r.receiptType, row.text(2));
    PLEXUS_TRY(r.threadId, row.text(3));
    PLEXUS_TRY(r.eventId, row.text(4));
    PLEXUS_TRY(r.ts, row.int64(5));
    PLEXUS_TRY(r.pos, row.int64(6));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::int64_t> SqlSyncStore::storeAccountData(const std::string& userId,
                                                    const std::string& roomId,
                                                    const std::string& type,
                                                    const std::string& content) {
  std::int64_t pos = 0;
  Status s = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(pos, allocatePosition(tx));
    PLEXUS_TRY_VOID(
        tx.execute("INSERT INTO syncapi_account_data (user_id, room_id, type, content, pos) VALUES "
                   "($1, $2, $3, $4, $5) ON CONFLICT (user_id, room_id, type) DO UPDATE SET "
                   "content = excluded.content, pos = excluded.pos",
                   {userId, roomId, type, content, pos}));
    return {};
  });
  if (!s.ok()) return std::move(s).takeError();
  return pos;
}

Result<std::vector<AccountDataItem>> SqlSyncStore::queryAccountData(const std::string& userId,
                                                                    std::int64_t afterPos,
                                                                    std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT room_id, type, content, pos FROM syncapi_account_data "
                                  "WHERE user_id = $1 AND pos > $2 AND pos <= $3 ORDER BY pos",
                                  {userId, afterPos, upToPos}));
  std::vector<AccountDataItem> out;
  for (const Row row : rows) {
    AccountDataItem a;
    PLEXUS_TRY(a.roomId, row.text(0));
    PLEXUS_TRY(a.type, row.text(1));
    PLEXUS_TRY(a.content, row.text(2));
    PLEXUS_TRY(a.pos, row.int64(3));
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::optional<std::int64_t>> SqlSyncStore::storeToDevice(
    const std::string& sender, const std::string& senderDevice, const std::string& txnId,
    const std::vector<ToDeviceMessage>& messages) {
  std::optional<std::int64_t> result;
  Status s = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    result.reset();
    PLEXUS_TRY(std::int64_t inserted,
               tx.execute("INSERT INTO syncapi_to_device_txns (sender, sender_device, txn_id) "
                          "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                          {sender, senderDevice, txnId}));
    if (inserted == 0) return {};  // SPEC: transaction IDs make the request idempotent
    PLEXUS_TRY(std::int64_t pos, allocatePosition(tx));
    int seq = 0;
    for (const auto& m : messages) {
      PLEXUS_TRY_VOID(tx.execute(
          "INSERT INTO syncapi_to_device (pos, seq, user_id, device_id, sender, type, content) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {pos, seq++, m.userId, m.deviceId, sender, m.type, m.content}));
    }
    result = pos;
    return {};
  });
  if (!s.ok()) return std::move(s).takeError();
  return result;
}

Result<std::vector<ToDeviceMessage>> SqlSyncStore::queryToDevice(const std::string& userId,
                                                                 const std::string& deviceId,
                                                                 std::int64_t upToPos, int limit) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT pos, sender, type, content FROM syncapi_to_device "
                                  "WHERE user_id = $1 AND device_id = $2 AND pos <= $3 "
                                  "ORDER BY pos, seq LIMIT $4",
                                  {userId, deviceId, upToPos, limit}));
  std::vector<ToDeviceMessage> out;
  for (const Row row : rows) {
    ToDeviceMessage m;
    m.userId = userId;
    m.deviceId = deviceId;
    PLEXUS_TRY(m.pos, row.int64(0));
    PLEXUS_TRY(m.sender, row.text(1));
    PLEXUS_TRY(m.type, row.text(2));
    PLEXUS_TRY(m.content, row.text(3));
    out.push_back(std::move(m));
  }
  return out;
}

Status SqlSyncStore::deleteToDevice(const std::string& userId, const std::string& deviceId,
                                    std::int64_t upToPos) {
  PLEXUS_TRY_VOID(
      db_.execute("DELETE FROM syncapi_to_device WHERE user_id = $1 AND "
                  "device_id = $2 AND pos <= $3",
                  {userId, deviceId, upToPos}));
  return {};
}

Result<std::int64_t> SqlSyncStore::storeFilter(const std::string& userId,
                                               const std::string& filterJson) {
  PLEXUS_TRY(Rows rows, db_.query("INSERT INTO syncapi_filters (user_id, filter) VALUES ($1, $2) "
                                  "RETURNING id",
                                  {userId, filterJson}));
  if (rows.empty()) return fail(ErrorCode::kInternal, "syncapi: filter insert returned no id");
  return rows.front().int64(0);
}

Result<std::optional<std::string>> SqlSyncStore::queryFilter(const std::string& userId,
                                                             std::int64_t id) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT filter FROM syncapi_filters WHERE id = $1 AND "
                                  "user_id = $2",
                                  {id, userId}));
  if (rows.empty()) return std::optional<std::string>{};
  PLEXUS_TRY(auto f, rows.front().text(0));
  return std::optional<std::string>(std::move(f));
}

namespace {
Result<PresenceRow> readPresence(const Row& row) {
  PresenceRow p;
  PLEXUS_TRY(p.userId, row.text(0));
  PLEXUS_TRY(p.presence, row.text(1));
  PLEXUS_TRY(p.statusMsg, row.optionalText(2));
  PLEXUS_TRY(p.lastActiveTs, row.int64(3));
  PLEXUS_TRY(p.pos, row.int64(4));
  return p;
}
}  // namespace

Result<std::int64_t> SqlSyncStore::storePresence(const PresenceRow& p) {
  std::int64_t pos = 0;
  Status s = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(pos, allocatePosition(tx));
    PLEXUS_TRY_VOID(tx.execute(
        "INSERT INTO syncapi_presence (user_id, presence, status_msg, last_active_ts, pos) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET "
        "presence = excluded.presence, status_msg = excluded.status_msg, "
        "last_active_ts = excluded.last_active_ts, pos = excluded.pos",
        {p.userId, p.presence, p.statusMsg, p.lastActiveTs, pos}));
    return {};
  });
  if (!s.ok()) return std::move(s).takeError();
  return pos;
}

Result<std::optional<PresenceRow>> SqlSyncStore::queryPresence(const std::string& userId) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT user_id, presence, status_msg, last_active_ts, pos "
                                  "FROM syncapi_presence WHERE user_id = $1",
                                  {userId}));
  if (rows.empty()) return std::optional<PresenceRow>{};
  PLEXUS_TRY(auto p, readPresence(rows.front()));
  return std::optional<PresenceRow>(std::move(p));
}

Result<std::vector<PresenceRow>> SqlSyncStore::queryPresenceChanges(std::int64_t afterPos,
                                                                    std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT user_id, presence, status_msg, last_active_ts, pos "
                                  "FROM syncapi_presence WHERE pos > $1 AND pos <= $2 "
                                  "ORDER BY pos",
                                  {afterPos, upToPos}));
  std::vector<PresenceRow> out;
  for (const Row row : rows) {
    PLEXUS_TRY(auto p, readPresence(row));
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::int64_t> SqlSyncStore::storeDeviceListChange(const std::string& userId) {
  std::int64_t pos = 0;
  Status s = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(pos, allocatePosition(tx));
    PLEXUS_TRY_VOID(tx.execute("INSERT INTO syncapi_device_list_log (pos, user_id) VALUES ($1, $2)",
                               {pos, userId}));
    return {};
  });
  if (!s.ok()) return std::move(s).takeError();
  return pos;
}

Result<std::map<std::string, std::int64_t>> SqlSyncStore::queryDeviceListChanges(
    std::int64_t afterPos, std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT user_id, MAX(pos) FROM syncapi_device_list_log "
                                  "WHERE pos > $1 AND pos <= $2 GROUP BY user_id",
                                  {afterPos, upToPos}));
  std::map<std::string, std::int64_t> out;
  for (const Row row : rows) {
    PLEXUS_TRY(auto user, row.text(0));
    PLEXUS_TRY(auto pos, row.int64(1));
    out[std::move(user)] = pos;
  }
  return out;
}

Result<UnreadCounts> SqlSyncStore::queryUnreadCounts(const std::string& userId,
                                                     const std::string& roomId) {
  return queryUnreadCountsBetween(userId, roomId, 0, std::numeric_limits<std::int64_t>::max());
}

Result<UnreadCounts> SqlSyncStore::queryUnreadCountsBetween(const std::string& userId,
                                                            const std::string& roomId,
                                                            std::int64_t afterPos,
                                                            std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT COUNT(*), COALESCE(SUM(highlight), 0) FROM "
                                  "syncapi_notifications WHERE user_id = $1 AND room_id = $2 "
                                  "AND is_read = 0 AND pos > $3 AND pos <= $4",
                                  {userId, roomId, afterPos, upToPos}));
  UnreadCounts c;
  if (rows.empty()) return c;
  PLEXUS_TRY(c.notifications, rows.front().int64(0));
  PLEXUS_TRY(c.highlights, rows.front().int64(1));
  return c;
}

Result<std::map<std::string, UnreadCounts>> SqlSyncStore::queryThreadUnreadCounts(
    const std::string& userId, const std::string& roomId) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT thread_id, COUNT(*), COALESCE(SUM(highlight), 0) "
                                  "FROM syncapi_notifications WHERE user_id = $1 AND "
                                  "room_id = $2 AND is_read = 0 GROUP BY thread_id",
                                  {userId, roomId}));
  std::map<std::string, UnreadCounts> out;
  for (const Row row : rows) {
    PLEXUS_TRY(auto thread, row.text(0));
    UnreadCounts c;
    PLEXUS_TRY(c.notifications, row.int64(1));
    PLEXUS_TRY(c.highlights, row.int64(2));
    out[std::move(thread)] = c;
  }
  return out;
}

Result<std::set<std::string>> SqlSyncStore::queryLazyMembersSent(const std::string& userId,
                                                                 const std::string& deviceId,
                                                                 const std::string& roomId) {
  PLEXUS_TRY(Rows rows, db_.query("SELECT member_id FROM syncapi_lazy_members WHERE "
                                  "user_id = $1 AND device_id = $2 AND room_id = $3",
                                  {userId, deviceId, roomId}));
  std::set<std::string> out;
  for (const Row row : rows) {
    PLEXUS_TRY(auto m, row.text(0));
    out.insert(std::move(m));
  }
  return out;
}

Status SqlSyncStore::storeLazyMembersSent(const std::string& userId, const std::string& deviceId,
                                          const std::string& roomId,
                                          const std::set<std::string>& members) {
  if (members.empty()) return {};
  return db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    for (const auto& m : members) {
      PLEXUS_TRY_VOID(
          tx.execute("INSERT INTO syncapi_lazy_members (user_id, device_id, "
                     "room_id, member_id) VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT DO NOTHING",
                     {userId, deviceId, roomId, m}));
    }
    return {};
  });
}

Result<std::int64_t> SqlSyncStore::clearLazyMembersSent(const std::string& userId,
                                                        const std::string& deviceId) {
  std::int64_t pos = 0;
  Status cleared = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(
        tx.execute("DELETE FROM syncapi_lazy_members WHERE user_id = $1 AND device_id = $2",
                   {userId, deviceId}));
    PLEXUS_TRY(pos, allocatePosition(tx));
    return {};
  });
  if (!cleared.ok()) return cleared.error();
  return pos;
}

}  // namespace plexus::syncapi
