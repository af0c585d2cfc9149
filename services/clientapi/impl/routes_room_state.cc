// State-reading routes: GET /state, GET /state/{eventType}[/{stateKey}], /members,
// /joined_members and GET /event/{eventId}. Joined users read the current state; users who
// left read the state as it was when they left; everyone else gets 403.
#include <algorithm>
#include <string>
#include <utility>

#include "clientapi/impl/routes_room_helpers.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi::rooms {
namespace {

Result<json::Value> getState(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  CallContext ctx = callContext(http);
  PLEXUS_TRY(RoomAccess access, readableRoomAccess(deps, ctx, roomId, who.userId));
  PLEXUS_TRY(std::vector<roomserver::RoomEvent> state, readableState(deps, ctx, roomId, access));
  PLEXUS_TRY(json::Array events, clientEvents(deps, ctx, state));
  return json::Value(std::move(events));
}

Result<json::Value> getStateEvent(ClientApiDeps& deps, const http::Request& http,
                                  const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  std::string type(http.param("eventType"));
  std::string stateKey(http.param("stateKey"));
  std::string format = queryString(http, "format");
  if (!format.empty() && format != "content" && format != "event") {
    return fail(ErrorCode::kInvalidParam, "format must be 'content' or 'event'");
  }
  CallContext ctx = callContext(http);
  PLEXUS_TRY(RoomAccess access, readableRoomAccess(deps, ctx, roomId, who.userId));
  PLEXUS_TRY(std::vector<roomserver::RoomEvent> state,
             readableState(deps, ctx, roomId, access, type, stateKey));
  if (state.empty()) return fail(ErrorCode::kNotFound, "No such state event");
  if (format == "event") {
    PLEXUS_TRY(json::Array events, clientEvents(deps, ctx, state));
    return std::move(events.front());
  }
  return json::Value(state.front().pdu.content());
}

bool isMembership(std::string_view value) {
  return value == "join" || value == "invite" || value == "knock" || value == "leave" ||
         value == "ban";
}

Result<json::Value> getMembers(ClientApiDeps& deps, const http::Request& http,
                               const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  std::string membership = queryString(http, "membership");
  std::string notMembership = queryString(http, "not_membership");
  if ((!membership.empty() && !isMembership(membership)) ||
      (!notMembership.empty() && !isMembership(notMembership))) {
    return fail(ErrorCode::kInvalidParam, "Unknown membership value");
  }
  // NOTSPEC: `at` (a sync token) is ignored: the members are those of the readable state.
  CallContext ctx = callContext(http);
  PLEXUS_TRY(RoomAccess access, readableRoomAccess(deps, ctx, roomId, who.userId));
  PLEXUS_TRY(std::vector<roomserver::RoomEvent> members,
             readableState(deps, ctx, roomId, access, std::string("m.room.member")));
  std::erase_if(members, [&](const roomserver::RoomEvent& event) {
    std::string_view value = event.pdu.membership().value_or("");
    if (!membership.empty() && value != membership) return true;
    return !notMembership.empty() && value == notMembership;
  });
  PLEXUS_TRY(json::Array chunk, clientEvents(deps, ctx, members));
  json::Object out;
  out.set("chunk", std::move(chunk));
  return json::Value(std::move(out));
}

Result<json::Value> getJoinedMembers(ClientApiDeps& deps, const http::Request& http,
                                     const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(requireJoined(deps, ctx, roomId, who.userId));
  PLEXUS_TRY(std::vector<roomserver::JoinedMember> members,
             deps.roomserver->queryJoinedMembers(ctx, roomId));
  json::Object joined;
  for (const auto& member : members) {
    json::Object profile;
    // Both keys always present (null when unset): matrix-nio 0.20 rejects a response without them.
    profile.set("display_name", member.displayName ? json::Value(*member.displayName) : json::Value());
    profile.set("avatar_url", member.avatarUrl ? json::Value(*member.avatarUrl) : json::Value());
    joined.set(member.userId, std::move(profile));
  }
  json::Object out;
  out.set("joined", std::move(joined));
  return json::Value(std::move(out));
}

Result<json::Value> getEvent(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(std::string eventId, eventIdParam(http));
  PLEXUS_TRY(json::Object event,
             deps.sync->queryEventForUser(callContext(http), who.userId, roomId, eventId));
  return json::Value(std::move(event));
}

}  // namespace

void registerStateReadRoutes(http::Router& router, ClientApiDeps& deps) {
  RouteOptions guests;
  guests.allowGuests = true;
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/state",
                 jsonRoute(deps, getState), guests);
  addAuthedRoute(router, deps, "GET",
                 "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/{stateKey}",
                 jsonRoute(deps, getStateEvent), guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}",
                 jsonRoute(deps, getStateEvent), guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/",
                 jsonRoute(deps, getStateEvent), guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/members",
                 jsonRoute(deps, getMembers), guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/joined_members",
                 jsonRoute(deps, getJoinedMembers), guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/event/{eventId}",
                 jsonRoute(deps, getEvent), guests);
}

}  // namespace plexus::clientapi::rooms
