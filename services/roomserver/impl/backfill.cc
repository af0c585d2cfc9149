// RoomserverService::performBackfill: history from before this server joined, asked of the
// room's other servers with /backfill and checked like any received PDU (stored as outliers:
// they carry no state here and change no current state or extremities).
#include <algorithm>
#include <set>

#include "plexus/log/log.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

constexpr int kMaxBackfillLimit = 100;
constexpr std::size_t kMaxServersTried = 5;

std::string serverOf(std::string_view userId) {
  auto colon = userId.find(':');
  return colon == std::string_view::npos ? std::string() : std::string(userId.substr(colon + 1));
}

}  // namespace

Result<std::vector<RoomEvent>> RoomserverService::performBackfill(
    const CallContext& ctx, const std::string& roomId, const std::vector<std::string>& fromEventIds,
    int limit) {
  if (fromEventIds.empty()) return fail(ErrorCode::kInvalidParam, "backfill needs event IDs");
  federationsender::FederationSenderApi* federation = federation_.load();
  PLEXUS_TRY(std::vector<JoinedMember> members, queryJoinedMembers(ctx, roomId));
  if (!federation) return std::vector<RoomEvent>{};
  // The servers of the joined members, most members first (likeliest to hold the history).
  std::map<std::string, int> counts;
  for (const auto& m : members) {
    std::string server = serverOf(m.userId);
    if (!server.empty() && server != identity_.serverName) ++counts[server];
  }
  std::vector<std::pair<int, std::string>> servers;
  for (const auto& [server, n] : counts) servers.emplace_back(-n, server);
  std::sort(servers.begin(), servers.end());

  federationsender::BackfillRequest request;
  request.roomId = roomId;
  request.fromEventIds = fromEventIds;
  request.limit = std::clamp(limit, 1, kMaxBackfillLimit);
  for (std::size_t i = 0; i < servers.size() && i < kMaxServersTried; ++i) {
    const std::string& server = servers[i].second;
    auto answer = federation->queryBackfill(ctx, server, request);
    if (!answer.ok()) {
      log::debug("backfill failed",
                 {{"room_id", roomId}, {"server", server}, {"error", answer.error().message}});
      continue;
    }
    if (answer->empty()) continue;
    std::vector<InputRoomEvent> input;
    input.reserve(answer->size());
    for (auto& pdu : *answer) {
      // Another room's events have no business here (inputEvents would refuse them anyway).
      const json::Value* room = pdu.find("room_id");
      if (!room || !room->getString() || *room->getString() != roomId) continue;
      input.push_back(InputRoomEvent{std::move(pdu), server, InputKind::kBackfill});
    }
    PLEXUS_TRY(std::vector<InputEventResult> results, inputEvents(ctx, roomId, input));
    std::vector<std::string> accepted;
    for (const auto& r : results) {
      if (!r.eventId.empty() && !r.error) accepted.push_back(r.eventId);
    }
    if (accepted.empty()) continue;
    PLEXUS_TRY(std::vector<RoomEvent> events, queryEvents(ctx, accepted));
    // Rejected events are stored too; only accepted ones are history.
    return events;
  }
  return std::vector<RoomEvent>{};
}

}  // namespace plexus::roomserver
