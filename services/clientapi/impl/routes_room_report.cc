// Content reporting: POST /rooms/{roomId}/report/{eventId} and POST /rooms/{roomId}/report.
// TODO(#3): reports go to the server log (stderr) until an admin API stores and lists them.
#include <cstdio>
#include <string>
#include <utility>

#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi::rooms {
namespace {

void logReport(const Requester& who, const std::string& roomId, const std::string& eventId,
               const std::optional<std::string>& reason) {
  std::fprintf(stderr, "client-api: content report by %s in %s%s%s: %s\n", who.userId.c_str(),
               roomId.c_str(), eventId.empty() ? "" : " of ", eventId.c_str(),
               reason.value_or("(no reason)").c_str());
}

Result<json::Value> reportEvent(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(std::string eventId, eventIdParam(http));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  PLEXUS_TRY(std::optional<std::string> reason, optionalString(body, "reason"));
  PLEXUS_TRY(std::optional<std::int64_t> score, optionalInt(body, "score"));
  if (score && (*score < -100 || *score > 0)) {
    return fail(ErrorCode::kInvalidParam, "score must be between -100 and 0");
  }
  CallContext ctx = callContext(http);
  // SPEC: report — 404 both when the event is unknown and when the reporter is not joined, so
  // the answer does not reveal which.
  Status joined = requireJoined(deps, ctx, roomId, who.userId);
  if (!joined.ok()) return fail(ErrorCode::kNotFound, "Event not found");
  PLEXUS_TRY(roomserver::RoomEvent event, eventInRoom(deps, ctx, roomId, eventId));
  (void)event;
  logReport(who, roomId, eventId, reason);
  return json::Value(json::Object());
}

Result<json::Value> reportRoom(ClientApiDeps& deps, const http::Request& http,
                               const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  PLEXUS_TRY(std::optional<std::string> reason, optionalString(body, "reason"));
  PLEXUS_TRY(bool exists, deps.roomserver->queryRoomExists(callContext(http), roomId));
  if (!exists) return fail(ErrorCode::kNotFound, "Room not found");
  logReport(who, roomId, "", reason);
  return json::Value(json::Object());
}

}  // namespace

void registerReportRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/report/{eventId}",
                 jsonRoute(deps, reportEvent));
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/report",
                 jsonRoute(deps, reportRoom));
}

}  // namespace plexus::clientapi::rooms
