// The room-side Client-Server routes (rooms, membership, messages, state, directory, search,
// relations, ...). Implemented in routes_rooms*.cc / routes_room_*.cc / routes_directory*.cc /
// routes_search*.cc; ClientApiServer calls registerRoomRoutes once while building its Router.
#pragma once

#include "clientapi/impl/route_context.h"

namespace plexus::clientapi {

// Adds every room-side route to `router` with the add*Route helpers of route_context.h.
// `deps` outlives the router.
void registerRoomRoutes(http::Router& router, ClientApiDeps& deps);

}  // namespace plexus::clientapi
