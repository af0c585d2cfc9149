// Shared pieces of the room-side routes (routes_rooms*.cc, routes_room_*.cc, routes_directory*.cc,
// routes_search*.cc): the sub-registrations registerRoomRoutes calls, the client event format
// for roomserver events, the "may this user read the room" gate, power-level checks the client
// API makes itself, and small parameter parsers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clientapi/impl/route_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::clientapi::rooms {

// ---- Sub-registrations (one per file) ---------------------------------------------------------

void registerCreateRoomRoutes(http::Router& router, ClientApiDeps& deps);  // routes_rooms_create.cc
void registerMembershipRoutes(http::Router& router,
                              ClientApiDeps& deps);                  // routes_room_membership.cc
void registerSendRoutes(http::Router& router, ClientApiDeps& deps);  // routes_room_send.cc
void registerStateReadRoutes(http::Router& router, ClientApiDeps& deps);  // routes_room_state.cc
void registerHistoryRoutes(http::Router& router, ClientApiDeps& deps);    // routes_room_history.cc
void registerEphemeralRoutes(http::Router& router,
                             ClientApiDeps& deps);                     // routes_room_ephemeral.cc
void registerReportRoutes(http::Router& router, ClientApiDeps& deps);  // routes_room_report.cc
void registerDirectoryRoutes(http::Router& router, ClientApiDeps& deps);  // routes_directory.cc
void registerSearchRoutes(http::Router& router, ClientApiDeps& deps);     // routes_search.cc

// ---- Handler plumbing -------------------------------------------------------------------------

// A route body that answers a JSON value (object or array) or an error.
using JsonHandler =
    std::function<Result<json::Value>(ClientApiDeps&, const http::Request&, const Requester&)>;
// Wraps a JsonHandler as an AuthedRoute: jsonOk for values, errorResponse for errors.
AuthedRoute jsonRoute(ClientApiDeps& deps, JsonHandler handler);
// Same for a route without authentication (the Requester is empty).
OpenRoute openJsonRoute(ClientApiDeps& deps, JsonHandler handler);
http::Response respond(const Result<json::Value>& result);

// kUnavailable (503) when the service is not wired.
Status needRoomserver(const ClientApiDeps& deps);
Status needSync(const ClientApiDeps& deps);
Status needAccounts(const ClientApiDeps& deps);

// ---- Parameters -------------------------------------------------------------------------------

// The {roomId} path parameter. Errors: kInvalidParam when it is not a room ID.
Result<std::string> roomIdParam(const http::Request& request);
// A path parameter that must be an event ID ('$...'). Errors: kInvalidParam.
Result<std::string> eventIdParam(const http::Request& request, std::string_view name = "eventId");
// `limit` from the query: default when absent, at most `max`. Errors: kInvalidParam (negative or
// not a number).
Result<int> queryLimit(const http::Request& request, int defaultLimit, int max);
// `dir` from the query: 'b' or 'f'; `defaultDir` when absent. Errors: kInvalidParam.
Result<char> queryDir(const http::Request& request, char defaultDir);
// A query parameter holding a JSON object (the `filter` of /messages and /context); nullopt when
// absent. Errors: kInvalidParam (not a JSON object).
Result<std::optional<json::Object>> queryJsonObject(const http::Request& request,
                                                    std::string_view key);
// A string query parameter, empty when absent.
std::string queryString(const http::Request& request, std::string_view key);

// ---- Room access ------------------------------------------------------------------------------

// Which room state a user may read.
struct RoomAccess {
  // The user's membership ("join", "leave", "ban", ...).
  std::string membership;
  // For users who left or were banned: their membership event. SPEC: client-server "GET
  // /rooms/{roomId}/state" — a user who left sees the state as it was when they left.
  std::optional<std::string> leaveEventId;
};
// Joined users, and users who left or were banned (who see the room as it was then).
// Errors: kNotFound (no such room), kForbidden (never joined, only invited or knocking, or the
// room was forgotten).
Result<RoomAccess> readableRoomAccess(ClientApiDeps& deps, const CallContext& ctx,
                                      const std::string& roomId, const std::string& userId);
// The user must be joined now. Errors: kNotFound (no such room), kForbidden.
Status requireJoined(ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
                     const std::string& userId);
// The readable state: the current state for joined users, the state at their leave otherwise.
// Filters by `type` (and `stateKey`) when given.
Result<std::vector<roomserver::RoomEvent>> readableState(
    ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
    const RoomAccess& access, const std::optional<std::string>& type = std::nullopt,
    const std::optional<std::string>& stateKey = std::nullopt);

// The event `eventId` when it belongs to `roomId`. Errors: kNotFound.
Result<roomserver::RoomEvent> eventInRoom(ClientApiDeps& deps, const CallContext& ctx,
                                          const std::string& roomId, const std::string& eventId);

// True when `userId` may send a state event of `type` in the room by its current power levels
// (room creators of v12 rooms always may). Errors: kNotFound (no such room).
Result<bool> maySendState(ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
                          const std::string& userId, const std::string& type);

// ---- Formats ----------------------------------------------------------------------------------

// The client event format (SPEC: client-server "ClientEvent"): content, event_id,
// origin_server_ts, room_id, sender, type, state_key, redacts and unsigned. `redactedBecause` is
// the redaction event in client format when the event was redacted.
json::Object clientEvent(const roomserver::RoomEvent& event,
                         const json::Object* redactedBecause = nullptr);
// clientEvent for each event, with unsigned.redacted_because filled from the roomserver.
Result<json::Array> clientEvents(ClientApiDeps& deps, const CallContext& ctx,
                                 const std::vector<roomserver::RoomEvent>& events);

// True for "#localpart:server" with a non-empty localpart and server, at most 255 bytes.
bool isValidRoomAlias(std::string_view alias);

}  // namespace plexus::clientapi::rooms
