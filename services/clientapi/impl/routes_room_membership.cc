// Membership routes: join (by room ID or alias), knock, invite, leave, forget, kick, ban, unban
// and GET /joined_rooms. The roomserver applies the auth rules; these routes validate input.
#include <string>
#include <utility>

#include "clientapi/impl/overlay_directory.h"
#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi::rooms {
namespace {

json::Value emptyObject() { return json::Value(json::Object()); }

json::Value roomIdObject(const std::string& roomId) {
  json::Object out;
  out.set("room_id", roomId);
  return json::Value(std::move(out));
}

// The {roomIdOrAlias} path parameter of /join and /knock.
Result<std::string> roomIdOrAliasParam(const http::Request& request) {
  std::string target(request.param("roomIdOrAlias"));
  if (isValidRoomId(target) || isValidRoomAlias(target)) return target;
  return fail(ErrorCode::kInvalidParam, "Not a room ID or alias: " + target);
}

// `server_name` (older) and `via` (v1.12) query parameters: the servers to join through.
std::vector<std::string> viaServers(const http::Request& request) {
  std::vector<std::string> out;
  for (std::string_view key : {std::string_view("via"), std::string_view("server_name")}) {
    for (std::string_view server : request.query.getAll(key)) out.emplace_back(server);
  }
  return out;
}

Result<json::Value> joinOrKnock(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who, std::string target, bool knock) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  roomserver::JoinRequest request;
  request.roomIdOrAlias = std::move(target);
  request.userId = who.userId;
  PLEXUS_TRY(request.reason, optionalString(body, "reason"));
  request.serverNames = viaServers(http);
  if (request.serverNames.empty() && deps.overlayDirectory &&
      isValidRoomId(request.roomIdOrAlias)) {
    // A room found in the overlay's directory: its announcers are resident servers to join
    // through, so a client can join it by room ID alone.
    request.serverNames = deps.overlayDirectory->roomServers(request.roomIdOrAlias);
  }
  CallContext ctx = callContext(http);
  PLEXUS_TRY(roomserver::JoinResponse joined, knock ? deps.roomserver->performKnock(ctx, request)
                                                    : deps.roomserver->performJoin(ctx, request));
  return roomIdObject(joined.roomId);
}

Result<json::Value> joinRoomById(ClientApiDeps& deps, const http::Request& http,
                                 const Requester& who) {
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  return joinOrKnock(deps, http, who, std::move(roomId), false);
}

Result<json::Value> joinRoomByIdOrAlias(ClientApiDeps& deps, const http::Request& http,
                                        const Requester& who) {
  PLEXUS_TRY(std::string target, roomIdOrAliasParam(http));
  return joinOrKnock(deps, http, who, std::move(target), false);
}

Result<json::Value> knockRoom(ClientApiDeps& deps, const http::Request& http,
                              const Requester& who) {
  PLEXUS_TRY(std::string target, roomIdOrAliasParam(http));
  return joinOrKnock(deps, http, who, std::move(target), true);
}

// Body of invite/kick/ban/unban: {user_id, reason?}.
Result<roomserver::MembershipChangeRequest> membershipChange(const http::Request& http,
                                                             const Requester& who) {
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  roomserver::MembershipChangeRequest request;
  request.roomId = std::move(roomId);
  request.sender = who.userId;
  PLEXUS_TRY(request.target, requireString(body, "user_id"));
  if (!isValidUserId(request.target)) {
    return fail(ErrorCode::kInvalidParam, "Invalid user ID: " + request.target);
  }
  PLEXUS_TRY(request.reason, optionalString(body, "reason"));
  return request;
}

using MembershipAction = Result<roomserver::SendEventResponse> (roomserver::RoomserverApi::*)(
    const CallContext&, const roomserver::MembershipChangeRequest&);

JsonHandler membershipHandler(MembershipAction action) {
  return [action](ClientApiDeps& deps, const http::Request& http,
                  const Requester& who) -> Result<json::Value> {
    PLEXUS_TRY_VOID(needRoomserver(deps));
    PLEXUS_TRY(roomserver::MembershipChangeRequest request, membershipChange(http, who));
    PLEXUS_TRY_VOID((deps.roomserver->*action)(callContext(http), request));
    return emptyObject();
  };
}

Result<json::Value> invite(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  Result<json::Object> body = parseJsonObjectBody(http);
  if (body.ok() && !body->contains("user_id") && body->contains("medium")) {
    // NOTSPEC: no identity server is configured, so invites by third-party ID cannot be made.
    return fail(ErrorCode::kThreepidDenied, "Third-party invites are not supported");
  }
  PLEXUS_TRY(roomserver::MembershipChangeRequest request, membershipChange(http, who));
  PLEXUS_TRY_VOID(deps.roomserver->performInvite(callContext(http), request));
  return emptyObject();
}

Result<json::Value> leave(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  PLEXUS_TRY(std::optional<std::string> reason, optionalString(body, "reason"));
  PLEXUS_TRY_VOID(deps.roomserver->performLeave(callContext(http), roomId, who.userId, reason));
  return emptyObject();
}

Result<json::Value> forget(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY_VOID(deps.roomserver->performForget(callContext(http), roomId, who.userId));
  return emptyObject();
}

Result<json::Value> joinedRooms(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::vector<std::string> rooms,
             deps.roomserver->queryRoomsForUser(callContext(http), who.userId, "join"));
  json::Array list;
  list.reserve(rooms.size());
  for (auto& room : rooms) list.emplace_back(std::move(room));
  json::Object out;
  out.set("joined_rooms", std::move(list));
  return json::Value(std::move(out));
}

}  // namespace

void registerMembershipRoutes(http::Router& router, ClientApiDeps& deps) {
  RouteOptions guests;
  guests.allowGuests = true;
  // SPEC: client-server "Account suspension" — no joins, knocks, invites or moderation of
  // others while suspended; leaving (and rejecting invites) stays possible.
  const RouteOptions guestWrites{.allowGuests = true, .refusedWhileSuspended = true};
  const RouteOptions writes{.refusedWhileSuspended = true};
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/join",
                 jsonRoute(deps, joinRoomById), guestWrites);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/join/{roomIdOrAlias}",
                 jsonRoute(deps, joinRoomByIdOrAlias), guestWrites);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/knock/{roomIdOrAlias}",
                 jsonRoute(deps, knockRoom), writes);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/invite",
                 jsonRoute(deps, invite), writes);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/leave",
                 jsonRoute(deps, leave), guests);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/forget",
                 jsonRoute(deps, forget));
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/kick",
                 jsonRoute(deps, membershipHandler(&roomserver::RoomserverApi::performKick)),
                 writes);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/ban",
                 jsonRoute(deps, membershipHandler(&roomserver::RoomserverApi::performBan)),
                 writes);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/unban",
                 jsonRoute(deps, membershipHandler(&roomserver::RoomserverApi::performUnban)),
                 writes);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/joined_rooms",
                 jsonRoute(deps, joinedRooms), guests);
}

}  // namespace plexus::clientapi::rooms
