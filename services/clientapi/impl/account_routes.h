// The account-side Client-Server routes, one registration function per area (each implemented
// in the routes_<area>.cc of the same name). registerClientRoutes (client_api_server.h) calls
// them all, then registerRoomRoutes (room_routes.h).
#pragma once

#include "clientapi/impl/route_context.h"

namespace plexus::clientapi {

void registerDiscoveryRoutes(http::Router& router, ClientApiDeps& deps);     // versions, capabilities, ...
void registerRegisterRoutes(http::Router& router, ClientApiDeps& deps);      // /register
void registerLoginRoutes(http::Router& router, ClientApiDeps& deps);         // login, logout, tokens
void registerAccountRoutes(http::Router& router, ClientApiDeps& deps);       // password, deactivate, 3pid, whoami
void registerDeviceRoutes(http::Router& router, ClientApiDeps& deps);        // /devices
void registerProfileRoutes(http::Router& router, ClientApiDeps& deps);       // profiles, user directory
void registerAccountDataRoutes(http::Router& router, ClientApiDeps& deps);   // account data, tags, filters
void registerSyncRoutes(http::Router& router, ClientApiDeps& deps);          // sync, to-device, presence
void registerKeyRoutes(http::Router& router, ClientApiDeps& deps);           // /keys
void registerKeyBackupRoutes(http::Router& router, ClientApiDeps& deps);     // /room_keys
void registerPushRoutes(http::Router& router, ClientApiDeps& deps);          // push rules, pushers, notifications

}  // namespace plexus::clientapi
