// SqlSyncStore, part 4: queryStreamChanges, the keys of everything written in a position range
// (sync-api replicas catching up with each other's writes; see impl/replica_tail.cc).
#include "syncapi/storage/sql_syncapi_store.h"

namespace plexus::syncapi {

using storage::Row;
using storage::Rows;

namespace {

// `sql` selects (key, newest position) pairs for the range ($1, $2].
Result<std::map<std::string, std::int64_t>> newestByKey(storage::Database& db, std::string_view sql,
                                                        std::int64_t afterPos,
                                                        std::int64_t upToPos) {
  PLEXUS_TRY(Rows rows, db.query(sql, {afterPos, upToPos}));
  std::map<std::string, std::int64_t> out;
  for (const Row row : rows) {
    PLEXUS_TRY(auto key, row.text(0));
    PLEXUS_TRY(auto pos, row.int64(1));
    out[std::move(key)] = pos;
  }
  return out;
}

}  // namespace

Result<StreamChanges> SqlSyncStore::queryStreamChanges(std::int64_t afterPos,
                                                       std::int64_t upToPos) {
  StreamChanges out;
  if (upToPos <= afterPos) return out;
  PLEXUS_TRY(out.roomEvents, newestByKey(db_,
                                         "SELECT room_id, MAX(pos) FROM syncapi_events "
                                         "WHERE pos > $1 AND pos <= $2 GROUP BY room_id",
                                         afterPos, upToPos));
  PLEXUS_TRY(Rows deltas, db_.query("SELECT DISTINCT room_id, type, state_key "
                                    "FROM syncapi_state_deltas WHERE pos > $1 AND pos <= $2",
                                    {afterPos, upToPos}));
  for (const Row row : deltas) {
    StreamChanges::StateChange change;
    PLEXUS_TRY(change.roomId, row.text(0));
    PLEXUS_TRY(change.key.type, row.text(1));
    PLEXUS_TRY(change.key.stateKey, row.text(2));
    out.stateChanges.push_back(std::move(change));
  }
  PLEXUS_TRY(Rows receipts, db_.query("SELECT room_id, user_id, receipt_type, thread_id, pos "
                                      "FROM syncapi_receipts WHERE pos > $1 AND pos <= $2",
                                      {afterPos, upToPos}));
  for (const Row row : receipts) {
    Receipt r;
    PLEXUS_TRY(r.roomId, row.text(0));
    PLEXUS_TRY(r.userId, row.text(1));
    PLEXUS_TRY(r.receiptType, row.text(2));
    PLEXUS_TRY(r.threadId, row.text(3));
    PLEXUS_TRY(r.pos, row.int64(4));
    out.receipts.push_back(std::move(r));
  }
  PLEXUS_TRY(out.accountData, newestByKey(db_,
                                          "SELECT user_id, MAX(pos) FROM syncapi_account_data "
                                          "WHERE pos > $1 AND pos <= $2 GROUP BY user_id",
                                          afterPos, upToPos));
  PLEXUS_TRY(out.toDevice, newestByKey(db_,
                                       "SELECT user_id, MAX(pos) FROM syncapi_to_device "
                                       "WHERE pos > $1 AND pos <= $2 GROUP BY user_id",
                                       afterPos, upToPos));
  PLEXUS_TRY(out.presence, queryPresenceChanges(afterPos, upToPos));
  PLEXUS_TRY(out.deviceLists, queryDeviceListChanges(afterPos, upToPos));
  return out;
}

}  // namespace plexus::syncapi
