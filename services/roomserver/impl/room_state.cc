// Loading a room's head (current state, extremities) from the store.
#include "roomserver/impl/room_state.h"

#include <algorithm>

namespace plexus::roomserver {

std::string RoomState::stateMapKey(std::string_view type, std::string_view stateKey) {
  std::string key;
  key.reserve(type.size() + 1 + stateKey.size());
  key.append(type);
  key.push_back('\0');  // cannot occur inside a JSON-derived type
  key.append(stateKey);
  return key;
}

const StateSlot* RoomState::slot(std::string_view type, std::string_view stateKey) const {
  auto it = state.find(stateMapKey(type, stateKey));
  return it == state.end() ? nullptr : &it->second;
}

const events::Pdu* RoomState::find(std::string_view type, std::string_view stateKey) const {
  const StateSlot* s = slot(type, stateKey);
  return s ? s->pdu.get() : nullptr;
}

std::optional<std::string> RoomState::membershipOf(std::string_view userId) const {
  const events::Pdu* member = find("m.room.member", userId);
  if (!member) return std::nullopt;
  auto m = member->membership();
  if (!m) return std::nullopt;
  return std::string(*m);
}

Result<RoomState> loadRoomState(RoomserverStore& store, storage::Executor& ex,
                                std::string_view roomId) {
  PLEXUS_TRY(auto room, store.room(ex, roomId));
  if (!room) return fail(ErrorCode::kNotFound, "unknown room " + std::string(roomId));
  RoomState rs;
  rs.roomId = room->roomId;
  rs.roomNid = room->roomNid;
  rs.version = events::findRoomVersion(room->roomVersion);
  if (!rs.version) {
    return fail(ErrorCode::kUnsupportedRoomVersion, "room version " + room->roomVersion);
  }
  if (room->snapshotNid != 0) {
    PLEXUS_TRY(rs.snapshot, store.snapshotInfo(ex, room->snapshotNid));
  }
  PLEXUS_TRY(auto entries, store.currentState(ex, room->roomNid));
  std::vector<std::int64_t> nids;
  nids.reserve(entries.size());
  for (const auto& e : entries) nids.push_back(e.eventNid);
  PLEXUS_TRY(auto stored, store.eventsByNids(ex, nids));
  std::map<std::int64_t, const StoredEvent*> byNid;
  for (const auto& e : stored) byNid[e.eventNid] = &e;
  for (const auto& entry : entries) {
    auto it = byNid.find(entry.eventNid);
    if (it == byNid.end()) return fail(ErrorCode::kInternal, "current state names a missing event");
    const StoredEvent& ev = *it->second;
    PLEXUS_TRY(events::Pdu pdu, events::Pdu::parse(ev.json, *rs.version));
    StateSlot slot{ev.eventId, ev.eventNid, entry.typeNid, entry.stateKeyNid,
                   std::make_shared<const events::Pdu>(std::move(pdu))};
    rs.state.emplace(RoomState::stateMapKey(ev.type, ev.stateKey.value_or("")), std::move(slot));
  }
  PLEXUS_TRY(auto extremities, store.extremities(ex, room->roomNid));
  for (const auto& x : extremities) rs.extremities.push_back({x.eventId, x.eventNid, x.depth});
  return rs;
}

}  // namespace plexus::roomserver
