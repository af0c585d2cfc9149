// Endpoints whose correct answer on this server is the spec's "not available" answer:
// /.well-known/matrix/support and /.well-known/matrix/policy_server (404: nothing configured),
// GET /v1/auth_metadata (404 M_UNRECOGNIZED: legacy authentication is in use, no OAuth 2.0),
// single sign-on redirects (no identity providers) and the application-service endpoints
// (no application services are registered, so no caller is one: 403 M_FORBIDDEN).
#include <string>

#include "clientapi/impl/gap_routes.h"

namespace plexus::clientapi::gaps {
namespace {

http::Response notFound(std::string_view message) {
  return errorResponse(makeError(ErrorCode::kNotFound, std::string(message)));
}

}  // namespace

void registerDiscoveryGapRoutes(http::Router& router, ClientApiDeps& deps) {
  const RouteOptions unlimited{.allowGuests = true, .rateLimited = false};

  // SPEC: client-server "GET /.well-known/matrix/support" — 404 when no support information is
  // available. No contact is configured on this server yet.
  addOpenRoute(
      router, deps, "GET", "/.well-known/matrix/support",
      [](const http::Request&) { return notFound("No server support information is available"); },
      unlimited);

  // SPEC: "GET /.well-known/matrix/policy_server" — 404 when there is no policy server.
  addOpenRoute(
      router, deps, "GET", "/.well-known/matrix/policy_server",
      [](const http::Request&) { return notFound("No policy server information is available"); },
      unlimited);

  // SPEC: "GET /_matrix/client/v1/auth_metadata" — 404 M_UNRECOGNIZED means the homeserver does
  // not support the OAuth 2.0 API; clients then use the legacy /login API.
  addOpenRoute(
      router, deps, "GET", "/_matrix/client/v1/auth_metadata",
      [](const http::Request&) {
        return http::Response::matrixError(404, "M_UNRECOGNIZED",
                                           "Legacy authentication is in use on this homeserver");
      },
      unlimited);

  // GET /login offers no m.login.sso flow, so browsers only land here by mistake. SPEC: the
  // IdP-specific redirect answers 404 for an unknown IdP (every IdP is unknown here); the plain
  // redirect has no error answer in the spec, so it says the same.
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/login/sso/redirect",
               [](const http::Request&) {
                 return http::Response::matrixError(
                     404, "M_UNRECOGNIZED", "Single sign-on is not configured on this homeserver");
               });
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/login/sso/redirect/{idpId}",
               [](const http::Request&) { return notFound("Unknown identity provider"); });

  // SPEC: both require an application service's as_token; "This API cannot be invoked by users
  // who are not identified as application services" (ping: 403 M_FORBIDDEN). None is registered.
  addAuthedRoute(
      router, deps, "PUT",
      "/_matrix/client/{version}/directory/list/appservice/{networkId}/{roomId}",
      [](const http::Request&, const Requester&) {
        return errorResponse(makeError(
            ErrorCode::kForbidden, "Only application services can update their room directory"));
      });
  addAuthedRoute(
      router, deps, "POST", "/_matrix/client/v1/appservice/{appserviceId}/ping",
      [](const http::Request&, const Requester&) {
        return errorResponse(makeError(ErrorCode::kForbidden,
                                       "Provided access token is not the appservice's as_token"));
      });
}

}  // namespace plexus::clientapi::gaps
