// History routes served by the sync API: GET /messages, /context/{eventId},
// /relations/{eventId}[/{relType}[/{eventType}]] and /threads. The client API checks the query
// parameters and that the user is (or was) in the room; history visibility is the sync API's.
#include <string>
#include <utility>

#include "clientapi/impl/routes_room_helpers.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi::rooms {
namespace {

// SPEC: a user who never joined the room (or only holds an invite) cannot page its history.
Status checkHistoryAccess(ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
                          const Requester& who) {
  PLEXUS_TRY(RoomAccess access, readableRoomAccess(deps, ctx, roomId, who.userId));
  (void)access;
  return {};
}

Result<json::Value> getMessages(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY_VOID(needRoomserver(deps));
  syncapi::MessagesRequest request;
  PLEXUS_TRY(request.roomId, roomIdParam(http));
  request.userId = who.userId;
  request.deviceId = who.deviceId;
  request.from = queryString(http, "from");
  request.to = queryString(http, "to");
  // SPEC: `dir` is required, but clients of r0 days omit it; backwards is what they meant.
  PLEXUS_TRY(request.dir, queryDir(http, 'b'));
  PLEXUS_TRY(request.limit, queryLimit(http, 10, 1000));
  PLEXUS_TRY(request.filter, queryJsonObject(http, "filter"));
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(checkHistoryAccess(deps, ctx, request.roomId, who));
  PLEXUS_TRY(json::Object body, deps.sync->queryMessages(ctx, request));
  return json::Value(std::move(body));
}

Result<json::Value> getContext(ClientApiDeps& deps, const http::Request& http,
                               const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY_VOID(needRoomserver(deps));
  syncapi::ContextRequest request;
  PLEXUS_TRY(request.roomId, roomIdParam(http));
  PLEXUS_TRY(request.eventId, eventIdParam(http));
  request.userId = who.userId;
  PLEXUS_TRY(request.limit, queryLimit(http, 10, 100));
  PLEXUS_TRY(request.filter, queryJsonObject(http, "filter"));
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(checkHistoryAccess(deps, ctx, request.roomId, who));
  PLEXUS_TRY(json::Object body, deps.sync->queryContext(ctx, request));
  return json::Value(std::move(body));
}

Result<json::Value> getRelations(ClientApiDeps& deps, const http::Request& http,
                                 const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY_VOID(needRoomserver(deps));
  syncapi::RelationsRequest request;
  PLEXUS_TRY(request.roomId, roomIdParam(http));
  PLEXUS_TRY(request.eventId, eventIdParam(http));
  request.userId = who.userId;
  request.relType = std::string(http.param("relType"));
  request.eventType = std::string(http.param("eventType"));
  request.from = queryString(http, "from");
  request.to = queryString(http, "to");
  PLEXUS_TRY(request.dir, queryDir(http, 'b'));
  PLEXUS_TRY(request.limit, queryLimit(http, 50, 1000));
  PLEXUS_TRY(std::optional<bool> recurse, queryBool(http, "recurse"));
  request.recurse = recurse.value_or(false);
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(checkHistoryAccess(deps, ctx, request.roomId, who));
  // SPEC: relations — 404 when the parent event is unknown or not visible.
  PLEXUS_TRY(json::Object parent,
             deps.sync->queryEventForUser(ctx, who.userId, request.roomId, request.eventId));
  (void)parent;
  PLEXUS_TRY(json::Object body, deps.sync->queryRelations(ctx, request));
  return json::Value(std::move(body));
}

Result<json::Value> getThreads(ClientApiDeps& deps, const http::Request& http,
                               const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY_VOID(needRoomserver(deps));
  syncapi::ThreadsRequest request;
  PLEXUS_TRY(request.roomId, roomIdParam(http));
  request.userId = who.userId;
  std::string include = queryString(http, "include");
  if (!include.empty()) {
    if (include != "all" && include != "participated") {
      return fail(ErrorCode::kInvalidParam, "include must be 'all' or 'participated'");
    }
    request.include = include;
  }
  request.from = queryString(http, "from");
  PLEXUS_TRY(request.limit, queryLimit(http, 50, 1000));
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(checkHistoryAccess(deps, ctx, request.roomId, who));
  PLEXUS_TRY(json::Object body, deps.sync->queryThreads(ctx, request));
  return json::Value(std::move(body));
}

}  // namespace

void registerHistoryRoutes(http::Router& router, ClientApiDeps& deps) {
  RouteOptions reads;
  reads.allowGuests = true;
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/messages",
                 jsonRoute(deps, getMessages), reads);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/context/{eventId}",
                 jsonRoute(deps, getContext), reads);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}",
                 jsonRoute(deps, getRelations), reads);
  addAuthedRoute(router, deps, "GET",
                 "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}",
                 jsonRoute(deps, getRelations), reads);
  addAuthedRoute(router, deps, "GET",
                 "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}",
                 jsonRoute(deps, getRelations), reads);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/rooms/{roomId}/threads",
                 jsonRoute(deps, getThreads), reads);
}

}  // namespace plexus::clientapi::rooms
