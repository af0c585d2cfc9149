// Login and tokens: GET/POST /login (m.login.password, m.login.token), POST /refresh,
// POST /logout and /logout/all (which also delete the devices' end-to-end keys).
#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/login_response.h"
#include "keyserver/api/keyserver_api.h"

namespace plexus::clientapi {

json::Object loginResponseBody(const ClientApiDeps& deps, const accountsync::LoginResult& result) {
  json::Object body{{"user_id", json::Value(result.userId)}};
  if (result.accessToken.empty()) return body;  // inhibit_login
  body.set("access_token", json::Value(result.accessToken));
  body.set("device_id", json::Value(result.deviceId));
  body.set("home_server", json::Value(deps.config.serverName));  // deprecated, still read by old clients
  if (result.refreshToken) body.set("refresh_token", json::Value(*result.refreshToken));
  if (result.expiresInMs) body.set("expires_in_ms", json::Value(*result.expiresInMs));
  if (!deps.config.publicBaseUrl.empty()) {
    body.set("well_known", json::Object{{"m.homeserver", json::Object{{"base_url", json::Value(deps.config.publicBaseUrl)}}}});
  }
  return body;
}

namespace {

// SPEC: client-server-api "Identifier types" — m.id.user, or the deprecated top-level `user`.
Result<std::string> loginUser(const json::Object& body) {
  PLEXUS_TRY(const json::Object* identifier, optionalObject(body, "identifier"));
  if (identifier) {
    PLEXUS_TRY(std::string type, requireString(*identifier, "type"));
    if (type != "m.id.user") {
      return fail(ErrorCode::kForbidden, "Only m.id.user identifiers are supported");
    }
    return requireString(*identifier, "user");
  }
  PLEXUS_TRY(auto user, optionalString(body, "user"));
  if (user) return *user;
  if (body.contains("medium") || body.contains("address")) {
    return fail(ErrorCode::kForbidden, "Third-party identifiers are not supported");
  }
  return fail(ErrorCode::kMissingParam, "Missing identifier");
}

// m.login.token: a token from POST /login/get_token, valid once (SPEC: "Token-based login").
http::Response doTokenLogin(ClientApiDeps& deps, const http::Request& request,
                            const json::Object& body) {
  accountsync::TokenLoginRequest login;
  auto token = requireString(body, "token");
  if (!token.ok()) return errorResponse(token.error());
  login.token = std::move(*token);
  auto deviceId = optionalString(body, "device_id");
  if (!deviceId.ok()) return errorResponse(deviceId.error());
  login.deviceId = std::move(*deviceId);
  auto displayName = optionalString(body, "initial_device_display_name");
  if (!displayName.ok()) return errorResponse(displayName.error());
  login.initialDeviceDisplayName = std::move(*displayName);
  auto refresh = optionalBool(body, "refresh_token");
  if (!refresh.ok()) return errorResponse(refresh.error());
  login.refreshToken = refresh->value_or(false);
  const CallContext ctx = callContext(request);
  auto result = deps.accounts->performTokenLogin(ctx, login);
  if (!result.ok()) return errorResponse(result.error());
  if (login.initialDeviceDisplayName && deps.keys) {
    (void)deps.keys->performSetDeviceDisplayName(ctx, result->userId, result->deviceId,
                                                 *login.initialDeviceDisplayName);
  }
  return jsonOk(loginResponseBody(deps, *result));
}

http::Response doLogin(ClientApiDeps& deps, const http::Request& request) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto type = requireString(*body, "type");
  if (!type.ok()) return errorResponse(type.error());
  if (*type == "m.login.token") return doTokenLogin(deps, request, *body);
  if (*type != "m.login.password") {
    return http::Response::matrixError(400, "M_UNKNOWN", "Unknown login type");
  }
  accountsync::PasswordLoginRequest login;
  auto user = loginUser(*body);
  if (!user.ok()) return errorResponse(user.error());
  login.user = std::move(*user);
  auto password = requireString(*body, "password");
  if (!password.ok()) return errorResponse(password.error());
  login.password = std::move(*password);
  auto deviceId = optionalString(*body, "device_id");
  if (!deviceId.ok()) return errorResponse(deviceId.error());
  login.deviceId = std::move(*deviceId);
  auto displayName = optionalString(*body, "initial_device_display_name");
  if (!displayName.ok()) return errorResponse(displayName.error());
  login.initialDeviceDisplayName = std::move(*displayName);
  auto refresh = optionalBool(*body, "refresh_token");
  if (!refresh.ok()) return errorResponse(refresh.error());
  login.refreshToken = refresh->value_or(false);

  const CallContext ctx = callContext(request);
  auto result = deps.accounts->performPasswordLogin(ctx, login);
  if (!result.ok()) return errorResponse(result.error());
  if (login.initialDeviceDisplayName && deps.keys) {
    (void)deps.keys->performSetDeviceDisplayName(ctx, result->userId, result->deviceId,
                                                 *login.initialDeviceDisplayName);
  }
  return jsonOk(loginResponseBody(deps, *result));
}

}  // namespace

void registerLoginRoutes(http::Router& router, ClientApiDeps& deps) {
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/login", [](const http::Request&) {
    // SPEC: get_login_token tells unauthenticated clients that POST /login/get_token exists.
    json::Array flows{json::Value(json::Object{{"type", json::Value("m.login.password")}}),
                      json::Value(json::Object{{"type", json::Value("m.login.token")},
                                               {"get_login_token", json::Value(true)}})};
    return jsonOk(json::Object{{"flows", std::move(flows)}});
  }, {.allowGuests = true, .rateLimited = false});

  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/login",
               [&deps](const http::Request& request) { return doLogin(deps, request); });

  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/refresh", [&deps](const http::Request& request) {
    auto body = parseJsonObjectBody(request);
    if (!body.ok()) return errorResponse(body.error());
    auto token = requireString(*body, "refresh_token");
    if (!token.ok()) return errorResponse(token.error());
    auto result = deps.accounts->performRefresh(callContext(request), *token);
    if (!result.ok()) return errorResponse(result.error());
    json::Object out{{"access_token", json::Value(result->accessToken)}};
    if (result->refreshToken) out.set("refresh_token", json::Value(*result->refreshToken));
    if (result->expiresInMs) out.set("expires_in_ms", json::Value(*result->expiresInMs));
    return jsonOk(std::move(out));
  });

  // SPEC: client-server "Account locking" — a locked account may still log out.
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/logout",
                 [&deps](const http::Request& request, const Requester& who) {
                   const CallContext ctx = callContext(request);
                   Status out = deps.accounts->performLogout(ctx, who.accessToken);
                   if (!out.ok()) return errorResponse(out.error());
                   // SPEC: the device goes with its token, and its keys with the device.
                   if (deps.keys && !who.deviceId.empty()) {
                     (void)deps.keys->performDeleteDeviceKeys(ctx, who.userId, {who.deviceId});
                   }
                   return jsonOk(json::Object{});
                 },
                 {.allowGuests = true, .rateLimited = false, .allowLocked = true});

  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/logout/all",
                 [&deps](const http::Request& request, const Requester& who) {
                   const CallContext ctx = callContext(request);
                   auto devices = deps.accounts->queryDevices(ctx, who.userId);
                   if (!devices.ok()) return errorResponse(devices.error());
                   Status out = deps.accounts->performLogoutAll(ctx, who.userId);
                   if (!out.ok()) return errorResponse(out.error());
                   std::vector<std::string> ids;
                   for (const auto& d : *devices) ids.push_back(d.deviceId);
                   if (deps.keys && !ids.empty()) (void)deps.keys->performDeleteDeviceKeys(ctx, who.userId, ids);
                   return jsonOk(json::Object{});
                 },
                 {.allowGuests = true, .rateLimited = false, .allowLocked = true});
}

}  // namespace plexus::clientapi
