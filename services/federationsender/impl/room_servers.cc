// RoomserverRoomServers and the user-ID helper.
#include "federationsender/impl/room_servers.h"

#include <set>

namespace plexus::federationsender {

std::string_view serverOfUserId(std::string_view userId) {
  if (userId.size() < 3 || userId.front() != '@') return {};
  const auto colon = userId.find(':');
  if (colon == std::string_view::npos || colon + 1 >= userId.size()) return {};
  return userId.substr(colon + 1);
}

Result<std::vector<std::string>> RoomserverRoomServers::queryJoinedServers(
    const CallContext& ctx, const std::string& roomId) {
  PLEXUS_TRY(auto members, roomserver_.queryJoinedMembers(ctx, roomId));
  std::set<std::string, std::less<>> servers;
  for (const auto& m : members) {
    const std::string_view server = serverOfUserId(m.userId);
    if (!server.empty()) servers.emplace(server);
  }
  return std::vector<std::string>(servers.begin(), servers.end());
}

}  // namespace plexus::federationsender
