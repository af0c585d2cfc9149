// Account data (global and per room), room tags and sync filters: per-user storage that only
// the user may read or write.
#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi {
namespace {

// Checks the path's user (and room, when the route has one) against the requester.
Result<std::string> ownRoom(const http::Request& request, const Requester& who, bool withRoom) {
  PLEXUS_TRY_VOID(requireSelf(who, request.param("userId")));
  if (!withRoom) return std::string();
  std::string roomId(request.param("roomId"));
  if (!isValidRoomId(roomId)) return fail(ErrorCode::kInvalidParam, "Invalid room ID");
  return roomId;
}

http::Response getAccountData(ClientApiDeps& deps, const http::Request& request, const Requester& who, bool withRoom) {
  auto roomId = ownRoom(request, who, withRoom);
  if (!roomId.ok()) return errorResponse(roomId.error());
  auto content = deps.accounts->queryAccountDataEntry(callContext(request), who.userId, *roomId, request.param("type"));
  if (!content.ok()) return errorResponse(content.error());
  return jsonOk(std::move(*content));
}

http::Response putAccountData(ClientApiDeps& deps, const http::Request& request, const Requester& who, bool withRoom) {
  auto roomId = ownRoom(request, who, withRoom);
  if (!roomId.ok()) return errorResponse(roomId.error());
  std::string_view type = request.param("type");
  // SPEC: account data the server manages cannot be set this way: 405 M_BAD_JSON.
  if (type == "m.fully_read" || type == "m.push_rules") {
    return http::Response::matrixError(405, "M_BAD_JSON", "This account data type is managed by the server");
  }
  auto body = parseJsonObjectBody(request, /*allowFloats=*/true);
  if (!body.ok()) return errorResponse(body.error());
  auto position = deps.accounts->performSetAccountData(callContext(request), who.userId, *roomId, type, *body);
  if (!position.ok()) return errorResponse(position.error());
  return jsonOk(json::Object{});
}

}  // namespace

void registerAccountDataRoutes(http::Router& router, ClientApiDeps& deps) {
  const RouteOptions guests{.allowGuests = true};
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/user/{userId}/account_data/{type}",
                 [&deps](const http::Request& r, const Requester& who) { return getAccountData(deps, r, who, false); },
                 guests);
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/user/{userId}/account_data/{type}",
                 [&deps](const http::Request& r, const Requester& who) { return putAccountData(deps, r, who, false); },
                 guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/account_data/{type}",
                 [&deps](const http::Request& r, const Requester& who) { return getAccountData(deps, r, who, true); },
                 guests);
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/account_data/{type}",
                 [&deps](const http::Request& r, const Requester& who) { return putAccountData(deps, r, who, true); },
                 guests);

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/tags",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto roomId = ownRoom(request, who, true);
                   if (!roomId.ok()) return errorResponse(roomId.error());
                   auto tags = deps.accounts->queryTags(callContext(request), who.userId, *roomId);
                   if (!tags.ok()) return errorResponse(tags.error());
                   return jsonOk(json::Object{{"tags", std::move(*tags)}});
                 });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/tags/{tag}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto roomId = ownRoom(request, who, true);
                   if (!roomId.ok()) return errorResponse(roomId.error());
                   // Tag order is a float in [0, 1] (SPEC: m.tag), so floats are allowed here.
                   auto body = parseJsonObjectBody(request, /*allowFloats=*/true);
                   if (!body.ok()) return errorResponse(body.error());
                   if (const json::Value* order = body->find("order");
                       order && !order->isInt() && !order->isFloat() && !order->isNull()) {
                     return errorResponse(makeError(ErrorCode::kBadJson, "'order' must be a number"));
                   }
                   auto pos = deps.accounts->performSetTag(callContext(request), who.userId, *roomId,
                                                           request.param("tag"), *body);
                   if (!pos.ok()) return errorResponse(pos.error());
                   return jsonOk(json::Object{});
                 });
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/tags/{tag}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto roomId = ownRoom(request, who, true);
                   if (!roomId.ok()) return errorResponse(roomId.error());
                   auto pos = deps.accounts->performDeleteTag(callContext(request), who.userId, *roomId,
                                                              request.param("tag"));
                   if (!pos.ok()) return errorResponse(pos.error());
                   return jsonOk(json::Object{});
                 });

  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/user/{userId}/filter",
                 [&deps](const http::Request& request, const Requester& who) {
                   if (Status self = requireSelf(who, request.param("userId")); !self.ok()) return errorResponse(self.error());
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto id = deps.sync->performCreateFilter(callContext(request), who.userId, *body);
                   if (!id.ok()) return errorResponse(id.error());
                   return jsonOk(json::Object{{"filter_id", json::Value(*id)}});
                 },
                 guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/user/{userId}/filter/{filterId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   if (Status self = requireSelf(who, request.param("userId")); !self.ok()) return errorResponse(self.error());
                   return toResponse(deps.sync->queryFilter(callContext(request), who.userId,
                                                            std::string(request.param("filterId"))));
                 },
                 guests);
}

}  // namespace plexus::clientapi
