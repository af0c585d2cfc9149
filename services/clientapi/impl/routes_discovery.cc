// Discovery and small server-wide endpoints: /versions, /.well-known/matrix/client,
// /capabilities, third-party protocols, TURN servers, OpenID tokens and admin whois.
#include <string>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"

namespace plexus::clientapi {
namespace {

// SPEC: client-server-api "GET /_matrix/client/versions": every spec version this server
// speaks. r0 endpoints are served under the same routes as v3.
json::Object versionsBody() {
  json::Array versions;
  for (const char* v : {"r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0",
                        "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8",
                        "v1.9", "v1.10", "v1.11"}) {
    versions.push_back(json::Value(v));
  }
  return json::Object{{"versions", std::move(versions)}, {"unstable_features", json::Object{}}};
}

json::Object capabilitiesBody(bool isAdmin) {
  json::Object available;
  for (int v = 1; v <= 12; ++v) available.set(std::to_string(v), json::Value("stable"));
  auto enabled = [](bool on) { return json::Object{{"enabled", json::Value(on)}}; };
  json::Object caps{
      {"m.change_password", enabled(true)},
      {"m.room_versions", json::Object{{"default", json::Value("12")}, {"available", std::move(available)}}},
      {"m.set_displayname", enabled(true)},
      {"m.set_avatar_url", enabled(true)},
      {"m.3pid_changes", enabled(false)},
      {"m.get_login_token", enabled(true)},
      // SPEC: client-server "m.account_moderation capability" — what this user may do to other
      // accounts through /admin/lock and /admin/suspend.
      {"m.account_moderation",
       json::Object{{"lock", json::Value(isAdmin)}, {"suspend", json::Value(isAdmin)}}},
  };
  return json::Object{{"capabilities", std::move(caps)}};
}

}  // namespace

void registerDiscoveryRoutes(http::Router& router, ClientApiDeps& deps) {
  const RouteOptions unlimited{.allowGuests = true, .rateLimited = false};
  addOpenRoute(router, deps, "GET", "/_matrix/client/versions",
               [](const http::Request&) { return jsonOk(versionsBody()); }, unlimited);

  addOpenRoute(router, deps, "GET", "/.well-known/matrix/client", [&deps](const http::Request&) {
    if (deps.config.publicBaseUrl.empty()) {
      return errorResponse(makeError(ErrorCode::kNotFound, "No client well-known configured"));
    }
    return jsonOk(json::Object{{"m.homeserver", json::Object{{"base_url", json::Value(deps.config.publicBaseUrl)}}}});
  }, unlimited);

  // SPEC: server-server-api "Resolving server names": delegation of the server name to the
  // host and port that serve federation.
  addOpenRoute(
      router, deps, "GET", "/.well-known/matrix/server",
      [&deps](const http::Request&) {
        if (deps.config.wellKnownServer.empty())
          return errorResponse(makeError(ErrorCode::kNotFound, "No server well-known configured"));
        return jsonOk(json::Object{{"m.server", json::Value(deps.config.wellKnownServer)}});
      },
      unlimited);

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/capabilities",
                 [](const http::Request&, const Requester& who) {
                   return jsonOk(capabilitiesBody(who.isAdmin));
                 },
                 {.allowGuests = true});

  // Application-service bridges are not supported: no protocols, no lookups.
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/thirdparty/protocols",
                 [](const http::Request&, const Requester&) { return jsonOk(json::Object{}); });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/thirdparty/protocol/{protocol}",
                 [](const http::Request&, const Requester&) {
                   return errorResponse(makeError(ErrorCode::kNotFound, "Unknown protocol"));
                 });
  for (const char* pattern : {"/_matrix/client/{version}/thirdparty/location/{protocol}",
                              "/_matrix/client/{version}/thirdparty/user/{protocol}",
                              "/_matrix/client/{version}/thirdparty/location",
                              "/_matrix/client/{version}/thirdparty/user"}) {
    addAuthedRoute(router, deps, "GET", pattern, [](const http::Request&, const Requester&) {
      return errorResponse(makeError(ErrorCode::kNotFound, "No third-party lookups"));
    });
  }
  // coverage: GET /_matrix/client/v3/thirdparty/location/{protocol}
  // coverage: GET /_matrix/client/v3/thirdparty/user/{protocol}
  // coverage: GET /_matrix/client/v3/thirdparty/location
  // coverage: GET /_matrix/client/v3/thirdparty/user

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/voip/turnServer",
                 [&deps](const http::Request&, const Requester&) {
                   const TurnConfig& turn = deps.config.turn;
                   if (turn.uris.empty()) return jsonOk(json::Object{});
                   json::Array uris;
                   for (const auto& u : turn.uris) uris.push_back(json::Value(u));
                   return jsonOk(json::Object{{"username", json::Value(turn.username)},
                                              {"password", json::Value(turn.password)},
                                              {"uris", std::move(uris)},
                                              {"ttl", json::Value(turn.ttlSeconds)}});
                 },
                 {.allowGuests = true});

  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/user/{userId}/openid/request_token",
                 [&deps](const http::Request& request, const Requester& who) {
                   if (Status self = requireSelf(who, request.param("userId")); !self.ok()) {
                     return errorResponse(self.error());
                   }
                   if (auto body = parseOptionalJsonObjectBody(request); !body.ok()) {
                     return errorResponse(body.error());
                   }
                   // SPEC: client-server "OpenID": account-sync keeps the token so
                   // GET /_matrix/federation/v1/openid/userinfo resolves it to the user.
                   const std::int64_t lifetimeMs = deps.config.openIdTokenLifetimeMs;
                   auto token = deps.accounts->performCreateOpenIdToken(callContext(request),
                                                                        who.userId, lifetimeMs);
                   if (!token.ok()) return errorResponse(token.error());
                   return jsonOk(
                       json::Object{{"access_token", json::Value(std::move(*token))},
                                    {"token_type", json::Value("Bearer")},
                                    {"matrix_server_name", json::Value(deps.config.serverName)},
                                    {"expires_in", json::Value(lifetimeMs / 1000)}});
                 });

  // SPEC: admins may ask about anyone, users about themselves.
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/admin/whois/{userId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   std::string userId(request.param("userId"));
                   if (!who.isAdmin && who.userId != userId) {
                     return errorResponse(makeError(ErrorCode::kForbidden, "Admins only"));
                   }
                   auto devices = deps.accounts->queryDevices(callContext(request), userId);
                   if (!devices.ok()) return errorResponse(devices.error());
                   json::Object byDevice;
                   for (const auto& d : *devices) {
                     json::Object connection;
                     if (d.lastSeenIp) connection.set("ip", json::Value(*d.lastSeenIp));
                     if (d.lastSeenTs) connection.set("last_seen", json::Value(*d.lastSeenTs));
                     json::Object session{{"connections", json::Array{json::Value(std::move(connection))}}};
                     byDevice.set(d.deviceId, json::Object{{"sessions", json::Array{json::Value(std::move(session))}}});
                   }
                   return jsonOk(json::Object{{"user_id", json::Value(userId)}, {"devices", std::move(byDevice)}});
                 });
}

}  // namespace plexus::clientapi
