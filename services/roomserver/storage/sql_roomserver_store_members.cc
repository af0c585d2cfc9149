// SqlRoomserverStore, part 2: forward extremities, memberships, transaction IDs and aliases.
#include "plexus/storage/deferred.h"
#include "roomserver/storage/sql_roomserver_store.h"

namespace plexus::roomserver {
namespace {

using storage::Executor;
using storage::Value;

Result<MembershipRow> readMembership(const storage::Row& row) {
  MembershipRow m;
  PLEXUS_TRY(m.roomId, row.text(0));
  PLEXUS_TRY(m.userId, row.text(1));
  PLEXUS_TRY(m.membership, row.text(2));
  PLEXUS_TRY(m.eventNid, row.int64(3));
  PLEXUS_TRY(m.eventId, row.text(4));
  PLEXUS_TRY(std::int64_t forgotten, row.int64(5));
  m.forgotten = forgotten != 0;
  return m;
}

constexpr std::string_view kMembershipSelect =
    "SELECT r.room_id, m.user_id, m.membership, m.event_nid, e.event_id, m.forgotten FROM "
    "roomserver_memberships m JOIN roomserver_rooms r ON r.room_nid = m.room_nid JOIN "
    "roomserver_events e ON e.event_nid = m.event_nid ";

}  // namespace

// --- Forward extremities ---

Status SqlRoomserverStore::replaceExtremities(Executor& ex, std::int64_t roomNid,
                                              const std::vector<std::int64_t>& removed,
                                              std::int64_t added) {
  if (!removed.empty()) {
    // One statement: the removed extremities are an event's prev_events, a few at most.
    storage::Params params{Value(roomNid)};
    for (std::int64_t nid : removed) params.emplace_back(nid);
    std::string in;
    for (std::size_t i = 0; i < removed.size(); ++i) {
      in.append(i == 0 ? "$" : ", $").append(std::to_string(i + 2));
    }
    PLEXUS_TRY_VOID(storage::executeDeferred(
        ex, "DELETE FROM roomserver_extremities WHERE room_nid = $1 AND event_nid IN (" + in + ")",
        params));
  }
  PLEXUS_TRY_VOID(storage::executeDeferred(ex,
                                           "INSERT INTO roomserver_extremities (room_nid, "
                                           "event_nid) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                           {Value(roomNid), Value(added)}));
  return {};
}

Result<std::vector<ExtremityRow>> SqlRoomserverStore::extremities(Executor& ex,
                                                                  std::int64_t roomNid) {
  PLEXUS_TRY(auto rows, ex.query("SELECT x.event_nid, e.event_id, e.depth FROM "
                                 "roomserver_extremities x JOIN roomserver_events e ON "
                                 "e.event_nid = x.event_nid WHERE x.room_nid = $1 ORDER BY "
                                 "e.depth DESC, x.event_nid DESC",
                                 {Value(roomNid)}));
  std::vector<ExtremityRow> out;
  for (auto row : rows) {
    ExtremityRow x;
    PLEXUS_TRY(x.eventNid, row.int64(0));
    PLEXUS_TRY(x.eventId, row.text(1));
    PLEXUS_TRY(x.depth, row.int64(2));
    out.push_back(std::move(x));
  }
  return out;
}

// --- Memberships ---

Status SqlRoomserverStore::setMembership(Executor& ex, std::int64_t roomNid,
                                         std::string_view userId, std::string_view membership,
                                         std::int64_t eventNid) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex,
      "INSERT INTO roomserver_memberships (room_nid, user_id, membership, event_nid, forgotten) "
      "VALUES ($1, $2, $3, $4, 0) ON CONFLICT (room_nid, user_id) DO UPDATE SET membership = "
      "excluded.membership, event_nid = excluded.event_nid, forgotten = 0",
      {Value(roomNid), Value(userId), Value(membership), Value(eventNid)}));
  return {};
}

Result<std::optional<MembershipRow>> SqlRoomserverStore::membership(Executor& ex,
                                                                    std::int64_t roomNid,
                                                                    std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query(std::string(kMembershipSelect) +
                                     "WHERE m.room_nid = $1 AND m.user_id = $2",
                                 {Value(roomNid), Value(userId)}));
  if (rows.empty()) return std::optional<MembershipRow>();
  PLEXUS_TRY(MembershipRow m, readMembership(rows.front()));
  return std::optional<MembershipRow>(std::move(m));
}

Status SqlRoomserverStore::setForgotten(Executor& ex, std::int64_t roomNid,
                                        std::string_view userId) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex, "UPDATE roomserver_memberships SET forgotten = 1 WHERE room_nid = $1 AND user_id = $2",
      {Value(roomNid), Value(userId)}));
  return {};
}

Result<std::vector<std::string>> SqlRoomserverStore::roomsForUser(Executor& ex,
                                                                  std::string_view userId,
                                                                  std::string_view membership) {
  PLEXUS_TRY(auto rows, ex.query("SELECT r.room_id FROM roomserver_memberships m JOIN "
                                 "roomserver_rooms r ON r.room_nid = m.room_nid WHERE m.user_id = "
                                 "$1 AND m.membership = $2 AND m.forgotten = 0 ORDER BY r.room_id",
                                 {Value(userId), Value(membership)}));
  std::vector<std::string> out;
  for (auto row : rows) {
    PLEXUS_TRY(std::string id, row.text(0));
    out.push_back(std::move(id));
  }
  return out;
}

Result<std::vector<MembershipRow>> SqlRoomserverStore::membersWith(Executor& ex,
                                                                   std::int64_t roomNid,
                                                                   std::string_view membership) {
  PLEXUS_TRY(auto rows, ex.query(std::string(kMembershipSelect) +
                                     "WHERE m.room_nid = $1 AND m.membership = $2 ORDER BY "
                                     "m.user_id",
                                 {Value(roomNid), Value(membership)}));
  std::vector<MembershipRow> out;
  for (auto row : rows) {
    PLEXUS_TRY(MembershipRow m, readMembership(row));
    out.push_back(std::move(m));
  }
  return out;
}

// --- Transaction IDs ---

Status SqlRoomserverStore::insertTransaction(Executor& ex, std::string_view userId,
                                             std::string_view deviceId,
                                             std::string_view transactionId,
                                             std::string_view eventId) {
  PLEXUS_TRY_VOID(storage::executeDeferred(
      ex,
      "INSERT INTO roomserver_transactions (user_id, device_id, transaction_id, event_id) "
      "VALUES ($1, $2, $3, $4)",
      {Value(userId), Value(deviceId), Value(transactionId), Value(eventId)}));
  return {};
}

Result<std::optional<std::string>> SqlRoomserverStore::transactionEvent(
    Executor& ex, std::string_view userId, std::string_view deviceId,
    std::string_view transactionId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT event_id FROM roomserver_transactions WHERE user_id = $1 "
                                 "AND device_id = $2 AND transaction_id = $3",
                                 {Value(userId), Value(deviceId), Value(transactionId)}));
  if (rows.empty()) return std::optional<std::string>();
  PLEXUS_TRY(std::string id, rows.front().text(0));
  return std::optional<std::string>(std::move(id));
}

// --- Aliases ---

Status SqlRoomserverStore::insertAlias(Executor& ex, const AliasRow& alias) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO roomserver_aliases (alias, room_id, creator) VALUES ($1, $2, $3)",
      {Value(alias.alias), Value(alias.roomId), Value(alias.creator)}));
  return {};
}

Result<bool> SqlRoomserverStore::removeAlias(Executor& ex, std::string_view alias) {
  PLEXUS_TRY(std::int64_t changed,
             ex.execute("DELETE FROM roomserver_aliases WHERE alias = $1", {Value(alias)}));
  return changed > 0;
}

Result<std::optional<AliasRow>> SqlRoomserverStore::alias(Executor& ex, std::string_view alias) {
  PLEXUS_TRY(auto rows, ex.query("SELECT alias, room_id, creator FROM roomserver_aliases WHERE "
                                 "alias = $1",
                                 {Value(alias)}));
  if (rows.empty()) return std::optional<AliasRow>();
  AliasRow a;
  PLEXUS_TRY(a.alias, rows.front().text(0));
  PLEXUS_TRY(a.roomId, rows.front().text(1));
  PLEXUS_TRY(a.creator, rows.front().text(2));
  return std::optional<AliasRow>(std::move(a));
}

Result<std::vector<std::string>> SqlRoomserverStore::aliasesForRoom(Executor& ex,
                                                                    std::string_view roomId) {
  PLEXUS_TRY(auto rows, ex.query("SELECT alias FROM roomserver_aliases WHERE room_id = $1 ORDER "
                                 "BY alias",
                                 {Value(roomId)}));
  std::vector<std::string> out;
  for (auto row : rows) {
    PLEXUS_TRY(std::string a, row.text(0));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace plexus::roomserver
