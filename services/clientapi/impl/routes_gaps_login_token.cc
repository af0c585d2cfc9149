// POST /_matrix/client/v1/login/get_token (SPEC: client-server "POST /login/get_token",
// MSC3882): a logged-in user, after re-entering their password, gets a single-use login token
// that another client redeems with POST /login {type: m.login.token}. Account-sync makes and
// keeps the tokens (in its memory: see accountsync/impl/login_tokens.cc).
#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/gap_routes.h"
#include "clientapi/impl/uia.h"

namespace plexus::clientapi::gaps {
namespace {

// SPEC: "120000 (2 minutes) is recommended as a default".
constexpr std::int64_t kLoginTokenTtlMs = 120'000;

http::Response getLoginToken(ClientApiDeps& deps, const http::Request& request,
                             const Requester& who) {
  auto body = parseOptionalJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  // SPEC: servers MUST always re-prompt for this endpoint; every UIA here completes within one
  // request, so no earlier authentication is ever reused.
  if (auto challenge = runUia(*body, {passwordStage(deps, request, who)})) return *challenge;
  auto token =
      deps.accounts->performCreateLoginToken(callContext(request), who.userId, kLoginTokenTtlMs);
  if (!token.ok()) return errorResponse(token.error());
  return jsonOk(json::Object{{"login_token", json::Value(*token)},
                             {"expires_in_ms", json::Value(kLoginTokenTtlMs)}});
}

}  // namespace

void registerLoginTokenRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "POST", "/_matrix/client/v1/login/get_token",
                 [&deps](const http::Request& request, const Requester& who) {
                   return getLoginToken(deps, request, who);
                 });
}

}  // namespace plexus::clientapi::gaps
