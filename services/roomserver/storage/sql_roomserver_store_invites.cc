// SqlRoomserverStore, part 3: invites of local users to rooms this server is not in.
#include "roomserver/storage/sql_roomserver_store.h"

namespace plexus::roomserver {
namespace {

using storage::Executor;
using storage::Value;

constexpr std::string_view kInviteSelect =
    "SELECT room_id, user_id, event_id, room_version, origin, event_json FROM "
    "roomserver_remote_invites ";

Result<RemoteInviteRow> readInvite(const storage::Row& row) {
  RemoteInviteRow r;
  PLEXUS_TRY(r.roomId, row.text(0));
  PLEXUS_TRY(r.userId, row.text(1));
  PLEXUS_TRY(r.eventId, row.text(2));
  PLEXUS_TRY(r.roomVersion, row.text(3));
  PLEXUS_TRY(r.origin, row.text(4));
  PLEXUS_TRY(r.json, row.blob(5));
  return r;
}

}  // namespace

Status SqlRoomserverStore::upsertRemoteInvite(Executor& ex, const RemoteInviteRow& invite) {
  PLEXUS_TRY_VOID(ex.execute(
      "INSERT INTO roomserver_remote_invites (room_id, user_id, event_id, room_version, origin, "
      "event_json) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (room_id, user_id) DO UPDATE SET "
      "event_id = excluded.event_id, room_version = excluded.room_version, origin = "
      "excluded.origin, event_json = excluded.event_json",
      {Value(invite.roomId), Value(invite.userId), Value(invite.eventId), Value(invite.roomVersion),
       Value(invite.origin), Value::blob(invite.json)}));
  return {};
}

Result<std::optional<RemoteInviteRow>> SqlRoomserverStore::remoteInvite(Executor& ex,
                                                                        std::string_view roomId,
                                                                        std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query(std::string(kInviteSelect) + "WHERE room_id = $1 AND user_id = $2",
                                 {Value(roomId), Value(userId)}));
  if (rows.empty()) return std::optional<RemoteInviteRow>();
  PLEXUS_TRY(RemoteInviteRow r, readInvite(rows.front()));
  return std::optional<RemoteInviteRow>(std::move(r));
}

Status SqlRoomserverStore::deleteRemoteInvite(Executor& ex, std::string_view roomId,
                                              std::string_view userId) {
  PLEXUS_TRY_VOID(
      ex.execute("DELETE FROM roomserver_remote_invites WHERE room_id = $1 AND user_id = $2",
                 {Value(roomId), Value(userId)}));
  return {};
}

Result<std::vector<RemoteInviteRow>> SqlRoomserverStore::remoteInvitesForUser(
    Executor& ex, std::string_view userId) {
  PLEXUS_TRY(auto rows, ex.query(std::string(kInviteSelect) + "WHERE user_id = $1 ORDER BY room_id",
                                 {Value(userId)}));
  std::vector<RemoteInviteRow> out;
  for (auto row : rows) {
    PLEXUS_TRY(RemoteInviteRow r, readInvite(row));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace plexus::roomserver
