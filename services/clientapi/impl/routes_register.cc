// Registration: POST /register (user-interactive auth with m.login.dummy; guests without),
// GET /register/available, the registration-token validity check, and the 3PID token requests
// (not supported: 403 M_THREEPID_DENIED).
#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/login_response.h"
#include "clientapi/impl/uia.h"
#include "keyserver/api/keyserver_api.h"

namespace plexus::clientapi {
namespace {

struct RegisterBody {
  accountsync::RegisterRequest request;
};

Result<RegisterBody> parseRegisterBody(const json::Object& body) {
  RegisterBody out;
  PLEXUS_TRY(out.request.localpart, optionalString(body, "username"));
  PLEXUS_TRY(out.request.password, optionalString(body, "password"));
  PLEXUS_TRY(out.request.deviceId, optionalString(body, "device_id"));
  PLEXUS_TRY(out.request.initialDeviceDisplayName, optionalString(body, "initial_device_display_name"));
  PLEXUS_TRY(auto inhibit, optionalBool(body, "inhibit_login"));
  PLEXUS_TRY(auto refresh, optionalBool(body, "refresh_token"));
  PLEXUS_TRY(const json::Object* auth, optionalObject(body, "auth"));
  (void)auth;
  out.request.inhibitLogin = inhibit.value_or(false);
  out.request.refreshToken = refresh.value_or(false);
  if (out.request.localpart && out.request.localpart->empty()) out.request.localpart.reset();
  return out;
}

http::Response doRegister(ClientApiDeps& deps, const http::Request& request) {
  auto kind = request.query.get("kind").value_or("user");
  if (kind != "user" && kind != "guest") {
    return errorResponse(makeError(ErrorCode::kInvalidParam, "kind must be user or guest"));
  }
  const bool guest = kind == "guest";
  if (guest && !deps.config.guestAccessEnabled) {
    return errorResponse(makeError(ErrorCode::kGuestAccessForbidden, "Guest registration is disabled"));
  }
  if (!guest && !deps.config.registrationEnabled) {
    return errorResponse(makeError(ErrorCode::kForbidden, "Registration is disabled"));
  }
  auto body = parseOptionalJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto parsed = parseRegisterBody(*body);
  if (!parsed.ok()) return errorResponse(parsed.error());
  accountsync::RegisterRequest& reg = parsed->request;
  const CallContext ctx = callContext(request);

  if (guest) {
    // SPEC: guests get a generated name and no user-interactive auth.
    reg.kind = accountsync::AccountKind::kGuest;
    reg.localpart.reset();
    reg.password.reset();
  } else {
    // Refuse a bad or taken name before asking for auth, so clients learn it at once.
    if (reg.localpart) {
      if (Status available = deps.accounts->queryUsernameAvailable(ctx, *reg.localpart); !available.ok()) {
        return errorResponse(available.error());
      }
    }
    // matrix-nio sends the dummy stage in its first request; that completes the flow too.
    std::vector<UiaFlow> flows{{"m.login.dummy", [](const json::Object&) -> Status { return {}; }}};
    if (auto challenge = runUia(*body, flows)) return *challenge;
  }

  auto result = deps.accounts->performRegister(ctx, reg);
  if (!result.ok()) return errorResponse(result.error());
  if (reg.initialDeviceDisplayName && !result->deviceId.empty() && deps.keys) {
    (void)deps.keys->performSetDeviceDisplayName(ctx, result->userId, result->deviceId,
                                                 *reg.initialDeviceDisplayName);
  }
  return jsonOk(loginResponseBody(deps, *result));
}

}  // namespace

void registerRegisterRoutes(http::Router& router, ClientApiDeps& deps) {
  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/register",
               [&deps](const http::Request& request) { return doRegister(deps, request); });

  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/register/available",
               [&deps](const http::Request& request) {
                 auto username = request.query.get("username");
                 if (!username || username->empty()) {
                   return errorResponse(makeError(ErrorCode::kMissingParam, "Missing username"));
                 }
                 if (!deps.config.registrationEnabled) {
                   return errorResponse(makeError(ErrorCode::kForbidden, "Registration is disabled"));
                 }
                 Status available = deps.accounts->queryUsernameAvailable(callContext(request), *username);
                 if (!available.ok()) return errorResponse(available.error());
                 return jsonOk(json::Object{{"available", json::Value(true)}});
               });

  // Registration tokens are not used by this server: no token is valid.
  addOpenRoute(router, deps, "GET", "/_matrix/client/v1/register/m.login.registration_token/validity",
               [](const http::Request& request) {
                 if (!request.query.get("token")) {
                   return errorResponse(makeError(ErrorCode::kMissingParam, "Missing token"));
                 }
                 return jsonOk(json::Object{{"valid", json::Value(false)}});
               });

  // 3PIDs and identity servers are out of scope for this server.
  auto threepidDenied = [](const http::Request&) {
    return errorResponse(makeError(ErrorCode::kThreepidDenied, "Third-party identifiers are not supported"));
  };
  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/register/email/requestToken", threepidDenied);
  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/register/msisdn/requestToken", threepidDenied);
  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/account/password/email/requestToken", threepidDenied);
  addOpenRoute(router, deps, "POST", "/_matrix/client/{version}/account/password/msisdn/requestToken", threepidDenied);
}

}  // namespace plexus::clientapi
