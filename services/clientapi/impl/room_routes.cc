// registerRoomRoutes: the room-side Client-Server routes, one sub-registration per file.
#include "clientapi/impl/room_routes.h"

#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi {

void registerRoomRoutes(http::Router& router, ClientApiDeps& deps) {
  rooms::registerCreateRoomRoutes(router, deps);
  rooms::registerMembershipRoutes(router, deps);
  rooms::registerSendRoutes(router, deps);
  rooms::registerStateReadRoutes(router, deps);
  rooms::registerHistoryRoutes(router, deps);
  rooms::registerEphemeralRoutes(router, deps);
  rooms::registerReportRoutes(router, deps);
  rooms::registerDirectoryRoutes(router, deps);
  rooms::registerSearchRoutes(router, deps);
}

}  // namespace plexus::clientapi
