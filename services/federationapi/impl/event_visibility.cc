// History visibility for servers.
#include "federationapi/impl/event_visibility.h"

namespace plexus::federationapi {

Result<bool> serverInRoom(const CallContext& ctx, roomserver::RoomserverApi& rooms,
                          const std::string& roomId, std::string_view server) {
  PLEXUS_TRY(auto members, rooms.queryJoinedMembers(ctx, roomId));
  for (const auto& m : members)
    if (serverOfUser(m.userId) == server) return true;
  return false;
}

std::string historyVisibilityOf(const std::vector<roomserver::RoomEvent>& state) {
  for (const auto& e : state) {
    if (e.pdu.type() == "m.room.history_visibility" && e.pdu.stateKey() == "") {
      const json::Value* v = e.pdu.content().find("history_visibility");
      if (v && v->getString()) return *v->getString();
    }
  }
  return "shared";
}

bool visibleInState(const std::vector<roomserver::RoomEvent>& state, std::string_view server) {
  std::string visibility = historyVisibilityOf(state);
  bool joined = false, invited = false;
  for (const auto& e : state) {
    if (e.pdu.type() == "m.room.member" && e.pdu.stateKey() &&
        serverOfUser(*e.pdu.stateKey()) == server) {
      auto membership = e.pdu.membership();
      if (membership == "join") joined = true;
      if (membership == "invite") invited = true;
    }
  }
  if (joined) return true;
  if (visibility == "invited") return invited;
  if (visibility == "joined") return false;
  // SPEC: world_readable and shared history may be given to any server asking; unknown values
  // are treated as shared (the spec's default).
  return true;
}

Result<bool> serverCanSeeEvent(const CallContext& ctx, roomserver::RoomserverApi& rooms,
                               const std::string& eventId, std::string_view server) {
  PLEXUS_TRY(auto event, rooms.queryEvent(ctx, eventId));
  PLEXUS_TRY(auto state, rooms.queryStateAtEvent(ctx, eventId, roomserver::StatePoint::kAfter));
  if (historyVisibilityOf(state) == "world_readable") return true;
  PLEXUS_TRY(bool inRoom, serverInRoom(ctx, rooms, std::string(event.pdu.roomId()), server));
  return inRoom && visibleInState(state, server);
}

namespace {

Result<bool> visibleToMember(const CallContext& ctx, roomserver::RoomserverApi& rooms,
                             const std::string& eventId, std::string_view server) {
  PLEXUS_TRY(auto state, rooms.queryStateAtEvent(ctx, eventId, roomserver::StatePoint::kAfter));
  return visibleInState(state, server);
}

}  // namespace

Result<std::vector<roomserver::RoomEvent>> filterVisible(const CallContext& ctx,
                                                         roomserver::RoomserverApi& rooms,
                                                         std::vector<roomserver::RoomEvent> events,
                                                         std::string_view server) {
  std::vector<roomserver::RoomEvent> out;
  out.reserve(events.size());
  for (auto& e : events) {
    auto visible = visibleToMember(ctx, rooms, e.pdu.eventId(), server);
    if (!visible) {
      if (visible.error().code == ErrorCode::kNotFound) continue;
      return Unexpected{visible.error()};
    }
    if (*visible) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace plexus::federationapi
