// POST /search: full-text search of room messages, served by the sync API (room_events only).
#include <string>
#include <utility>

#include "clientapi/impl/routes_room_helpers.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi::rooms {
namespace {

Result<json::Value> search(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  PLEXUS_TRY(const json::Object* categories, requireObject(body, "search_categories"));
  if (const json::Value* roomEvents = categories->find("room_events")) {
    const json::Object* criteria = roomEvents->getObject();
    if (criteria == nullptr) return fail(ErrorCode::kBadJson, "room_events must be an object");
    PLEXUS_TRY(std::string term, requireString(*criteria, "search_term"));
    (void)term;
  }
  PLEXUS_TRY(json::Object result, deps.sync->performSearch(callContext(http), who.userId, body,
                                                           queryString(http, "next_batch")));
  return json::Value(std::move(result));
}

}  // namespace

void registerSearchRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/search", jsonRoute(deps, search));
}

}  // namespace plexus::clientapi::rooms
