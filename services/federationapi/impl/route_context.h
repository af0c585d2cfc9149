// What every federation route file shares: the routes' state (dependencies and the transaction
// cache), the authenticated request a handler receives, addFederationRoute (X-Matrix
// authentication off the io threads, exceptions turned into 500), and small helpers for errors,
// user IDs, server ACLs and event JSON.
//
// Conventions for route files (routes_*.cc): register with addFederationRoute, writing method
// and pattern as literals; answer with http::Response::json or errorResponse; never throw
// across the handler.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "federationapi/impl/federation_routes.h"
#include "federationapi/impl/transaction_cache.h"
#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/http/request.h"
#include "plexus/http/response.h"
#include "plexus/json/value.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::federationapi {

struct FederationRoutes::State {
  explicit State(FederationDeps d);

  FederationDeps deps;
  TransactionCache transactions;

  std::int64_t now() const { return deps.clock(); }
  roomserver::RoomserverApi& rooms() const { return *deps.roomserver; }
  CallContext callContext() const;
};
using RouteState = FederationRoutes::State;

// An authenticated request as handlers see it.
struct FederationRequest {
  const http::Request& http;
  std::string origin;          // the X-Matrix origin (verified)
  const json::Value* content;  // the parsed body; null when there is none
  CallContext ctx;

  std::string param(std::string_view name) const { return std::string(http.param(name)); }
  // The body as an object; null when absent or not an object.
  const json::Object* body() const { return content ? content->getObject() : nullptr; }
};

using FederationHandler = std::function<http::Response(const FederationRequest&)>;

// Adds an authenticated route: the handler runs on state.deps.runBlocking after the X-Matrix
// header verified (401 M_UNAUTHORIZED otherwise) and gets the origin. `maxBodyBytes` defaults
// to limits.maxBodyBytes.
void addFederationRoute(http::Router& router, const RouteState& state, std::string_view method,
                        std::string_view pattern, FederationHandler handler,
                        std::optional<std::size_t> maxBodyBytes = std::nullopt);

http::Response errorResponse(const Error& error);
http::Response errorResponse(ErrorCode code, std::string message);

// The server part of a user ID ("@a:b.c" -> "b.c"); empty when it is not a user ID.
std::string_view serverOfUser(std::string_view userId);
bool isLocalUser(const RouteState& state, std::string_view userId);

// Refuses `origin` when the room's m.room.server_acl denies it. No ACL (or an unknown room)
// allows. Errors: kForbidden.
Status checkServerAcl(const FederationRequest& request, const RouteState& state,
                      const std::string& roomId);
Status checkServerAcl(const CallContext& ctx, const RouteState& state, const std::string& roomId,
                      std::string_view origin);

// The PDU JSON of stored events, in order.
json::Array pduArray(const std::vector<roomserver::RoomEvent>& events);

// The stripped form of a state event ({type, state_key, content, sender}).
json::Object strippedState(const roomserver::RoomEvent& event);

// Registration of each route file.
void registerSendRoutes(http::Router& router, RouteState& state);
void registerMembershipRoutes(http::Router& router, RouteState& state);
void registerEventRoutes(http::Router& router, RouteState& state);
void registerQueryRoutes(http::Router& router, RouteState& state);
void registerMediaRoutes(http::Router& router, RouteState& state);

}  // namespace plexus::federationapi
