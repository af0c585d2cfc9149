// SqlFederationSenderStore: queue rows, transaction claims and destination state.
#include "federationsender/storage/sql_federation_sender_store.h"

#include "federationsender/storage/migrations.h"

namespace plexus::federationsender {

using storage::Params;

namespace {

Result<std::vector<QueuedPdu>> pdusOf(Executor& ex, std::string_view destination,
                                      std::string_view txnId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT id, room_id, event_id, pdu_json, enqueued_ts "
                                 "FROM federationsender_pdus WHERE destination = $1 AND "
                                 "txn_id = $2 ORDER BY id",
                                 Params{destination, txnId}));
  std::vector<QueuedPdu> out;
  for (auto row : rows) {
    QueuedPdu p;
    PLEXUS_TRY(p.id, row.int64(0));
    PLEXUS_TRY(p.roomId, row.text(1));
    PLEXUS_TRY(p.eventId, row.text(2));
    PLEXUS_TRY(p.pduJson, row.text(3));
    PLEXUS_TRY(p.enqueuedMs, row.int64(4));
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<QueuedEdu>> edusOf(Executor& ex, std::string_view destination,
                                      std::string_view txnId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT id, edu_type, content_json, enqueued_ts "
                                 "FROM federationsender_edus WHERE destination = $1 AND "
                                 "txn_id = $2 ORDER BY id",
                                 Params{destination, txnId}));
  std::vector<QueuedEdu> out;
  for (auto row : rows) {
    QueuedEdu e;
    PLEXUS_TRY(e.id, row.int64(0));
    PLEXUS_TRY(e.type, row.text(1));
    PLEXUS_TRY(e.contentJson, row.text(2));
    PLEXUS_TRY(e.enqueuedMs, row.int64(3));
    out.push_back(std::move(e));
  }
  return out;
}

Result<DestinationState> readState(const storage::Row& row) {
  DestinationState s;
  PLEXUS_TRY(s.destination, row.text(0));
  PLEXUS_TRY(s.failures, row.int64(1));
  PLEXUS_TRY(s.backoffUntilMs, row.int64(2));
  PLEXUS_TRY(s.lastSuccessMs, row.int64(3));
  return s;
}

}  // namespace

Status SqlFederationSenderStore::migrate(storage::Database& db) {
  PLEXUS_TRY_VOID(storage::migrate(db, "federationsender", federationSenderMigrations()));
  return {};
}

Status SqlFederationSenderStore::enqueuePdu(Executor& ex, std::string_view destination,
                                            std::string_view roomId, std::string_view eventId,
                                            std::string_view pduJson, std::int64_t nowMs) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO federationsender_pdus (destination, room_id, event_id, pdu_json, enqueued_ts) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (destination, event_id) DO NOTHING",
      Params{destination, roomId, eventId, pduJson, nowMs}));
  return {};
}

Status SqlFederationSenderStore::enqueueEdu(Executor& ex, std::string_view destination,
                                            std::string_view type, std::string_view contentJson,
                                            std::int64_t nowMs) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO federationsender_edus (destination, edu_type, content_json, enqueued_ts) "
      "VALUES ($1, $2, $3, $4)",
      Params{destination, type, contentJson, nowMs}));
  return {};
}

Result<std::vector<std::string>> SqlFederationSenderStore::destinationsWithWork(Executor& ex) {
  PLEXUS_TRY(auto rows, ex.query("SELECT destination FROM federationsender_pdus UNION "
                                 "SELECT destination FROM federationsender_edus ORDER BY 1"));
  std::vector<std::string> out;
  for (auto row : rows) {
    PLEXUS_TRY(auto d, row.text(0));
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::optional<StoredTransaction>> SqlFederationSenderStore::openTransaction(
    Executor& ex, std::string_view destination) {
  PLEXUS_TRY(auto rows, ex.query("SELECT txn_id, txn_ts FROM federationsender_destinations "
                                 "WHERE destination = $1 AND txn_id IS NOT NULL",
                                 Params{destination}));
  if (rows.empty()) return std::optional<StoredTransaction>{};
  StoredTransaction txn;
  PLEXUS_TRY(txn.txnId, rows.front().text(0));
  PLEXUS_TRY(txn.originServerTs, rows.front().int64(1));
  PLEXUS_TRY(txn.pdus, pdusOf(ex, destination, txn.txnId));
  PLEXUS_TRY(txn.edus, edusOf(ex, destination, txn.txnId));
  return std::optional<StoredTransaction>(std::move(txn));
}

Result<StoredTransaction> SqlFederationSenderStore::claimTransaction(
    Executor& ex, std::string_view destination, std::string_view txnId, std::int64_t originServerTs,
    std::size_t maxPdus, std::size_t maxEdus) {
  PLEXUS_TRY(auto pdus, ex.execute("UPDATE federationsender_pdus SET txn_id = $1 WHERE id IN "
                                   "(SELECT id FROM federationsender_pdus WHERE destination = "
                                   "$2 AND txn_id IS NULL ORDER BY id LIMIT $3)",
                                   Params{txnId, destination, static_cast<std::int64_t>(maxPdus)}));
  PLEXUS_TRY(auto edus, ex.execute("UPDATE federationsender_edus SET txn_id = $1 WHERE id IN "
                                   "(SELECT id FROM federationsender_edus WHERE destination = "
                                   "$2 AND txn_id IS NULL ORDER BY id LIMIT $3)",
                                   Params{txnId, destination, static_cast<std::int64_t>(maxEdus)}));
  StoredTransaction txn;
  txn.txnId = std::string(txnId);
  txn.originServerTs = originServerTs;
  if (pdus == 0 && edus == 0) return txn;
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO federationsender_destinations (destination, txn_id, txn_ts) "
      "VALUES ($1, $2, $3) ON CONFLICT (destination) DO UPDATE SET txn_id = excluded.txn_id, "
      "txn_ts = excluded.txn_ts",
      Params{destination, txnId, originServerTs}));
  PLEXUS_TRY(txn.pdus, pdusOf(ex, destination, txnId));
  PLEXUS_TRY(txn.edus, edusOf(ex, destination, txnId));
  return txn;
}

Status SqlFederationSenderStore::ackTransaction(Executor& ex, std::string_view destination,
                                                std::string_view txnId) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM federationsender_pdus WHERE destination = $1 AND txn_id = $2",
                 Params{destination, txnId}));
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM federationsender_edus WHERE destination = $1 AND txn_id = $2",
                 Params{destination, txnId}));
  PLEXUS_TRY_VOID(
      ex.execute("UPDATE federationsender_destinations SET txn_id = NULL, txn_ts = 0 "
                 "WHERE destination = $1 AND txn_id = $2",
                 Params{destination, txnId}));
  return {};
}

Result<QueueDepth> SqlFederationSenderStore::queueDepth(Executor& ex,
                                                        std::string_view destination) {
  QueueDepth depth;
  PLEXUS_TRY(auto pdus,
             ex.query("SELECT COUNT(*) FROM federationsender_pdus WHERE destination = $1",
                      Params{destination}));
  PLEXUS_TRY(depth.pdus, pdus.front().int64(0));
  PLEXUS_TRY(auto edus,
             ex.query("SELECT COUNT(*) FROM federationsender_edus WHERE destination = $1",
                      Params{destination}));
  PLEXUS_TRY(depth.edus, edus.front().int64(0));
  return depth;
}

Result<std::vector<RoomBacklog>> SqlFederationSenderStore::roomBacklogs(
    Executor& ex, std::string_view destination) {
  PLEXUS_TRY(auto rows, ex.query("SELECT room_id, COUNT(*), MIN(enqueued_ts) FROM "
                                 "federationsender_pdus WHERE destination = $1 AND txn_id IS "
                                 "NULL GROUP BY room_id ORDER BY room_id",
                                 Params{destination}));
  std::vector<RoomBacklog> out;
  for (auto row : rows) {
    RoomBacklog b;
    PLEXUS_TRY(b.roomId, row.text(0));
    PLEXUS_TRY(b.count, row.int64(1));
    PLEXUS_TRY(b.oldestEnqueuedMs, row.int64(2));
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::int64_t> SqlFederationSenderStore::collapseRoom(Executor& ex,
                                                            std::string_view destination,
                                                            std::string_view roomId,
                                                            std::int64_t keepLatest) {
  return ex.execute(
      "DELETE FROM federationsender_pdus WHERE destination = $1 AND room_id = $2 AND txn_id IS "
      "NULL AND id NOT IN (SELECT id FROM federationsender_pdus WHERE destination = $1 AND "
      "room_id = $2 AND txn_id IS NULL ORDER BY id DESC LIMIT $3)",
      Params{destination, roomId, keepLatest});
}

Result<std::optional<DestinationState>> SqlFederationSenderStore::destinationState(
    Executor& ex, std::string_view destination) {
  PLEXUS_TRY(auto rows, ex.query("SELECT destination, failures, backoff_until_ts, "
                                 "last_success_ts FROM federationsender_destinations "
                                 "WHERE destination = $1",
                                 Params{destination}));
  if (rows.empty()) return std::optional<DestinationState>{};
  PLEXUS_TRY(auto s, readState(rows.front()));
  return std::optional<DestinationState>(std::move(s));
}

Result<std::vector<DestinationState>> SqlFederationSenderStore::destinationStates(Executor& ex) {
  PLEXUS_TRY(auto rows, ex.query("SELECT destination, failures, backoff_until_ts, "
                                 "last_success_ts FROM federationsender_destinations "
                                 "ORDER BY destination"));
  std::vector<DestinationState> out;
  for (auto row : rows) {
    PLEXUS_TRY(auto s, readState(row));
    out.push_back(std::move(s));
  }
  return out;
}

Status SqlFederationSenderStore::setDestinationState(Executor& ex, const DestinationState& state) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO federationsender_destinations (destination, failures, backoff_until_ts, "
      "last_success_ts) VALUES ($1, $2, $3, $4) ON CONFLICT (destination) DO UPDATE SET "
      "failures = excluded.failures, backoff_until_ts = excluded.backoff_until_ts, "
      "last_success_ts = excluded.last_success_ts",
      Params{state.destination, state.failures, state.backoffUntilMs, state.lastSuccessMs}));
  return {};
}

}  // namespace plexus::federationsender
