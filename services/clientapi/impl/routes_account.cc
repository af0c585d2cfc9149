// Account management: whoami, password change and deactivation (both behind m.login.password
// user-interactive auth), and the 3PID endpoints (no third-party identifiers on this server).
#include <cstdio>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/uia.h"
#include "keyserver/api/keyserver_api.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::clientapi {
namespace {

http::Response changePassword(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto newPassword = requireString(*body, "new_password");
  if (!newPassword.ok()) return errorResponse(newPassword.error());
  if (newPassword->empty()) return errorResponse(makeError(ErrorCode::kInvalidParam, "Empty password"));
  auto logoutDevices = optionalBool(*body, "logout_devices");
  if (!logoutDevices.ok()) return errorResponse(logoutDevices.error());
  if (auto challenge = runUia(*body, {passwordStage(deps, request, who)})) return *challenge;

  const CallContext ctx = callContext(request);
  const bool logout = logoutDevices->value_or(true);  // SPEC: defaults to true
  std::vector<std::string> dropped;
  if (logout) {
    auto devices = deps.accounts->queryDevices(ctx, who.userId);
    if (!devices.ok()) return errorResponse(devices.error());
    for (const auto& d : *devices) {
      if (d.deviceId != who.deviceId) dropped.push_back(d.deviceId);
    }
  }
  Status changed = deps.accounts->performChangePassword(ctx, who.userId, *newPassword, logout,
                                                        who.deviceId.empty() ? std::nullopt
                                                                             : std::optional<std::string>(who.deviceId));
  if (!changed.ok()) return errorResponse(changed.error());
  if (deps.keys && !dropped.empty()) (void)deps.keys->performDeleteDeviceKeys(ctx, who.userId, dropped);
  return jsonOk(json::Object{});
}

http::Response deactivate(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto body = parseOptionalJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  if (auto erase = optionalBool(*body, "erase"); !erase.ok()) return errorResponse(erase.error());
  if (auto idServer = optionalString(*body, "id_server"); !idServer.ok()) return errorResponse(idServer.error());
  if (auto challenge = runUia(*body, {passwordStage(deps, request, who)})) return *challenge;

  const CallContext ctx = callContext(request);
  // Collect the rooms first: after deactivation the account's data is gone.
  std::vector<std::string> rooms;
  if (deps.roomserver) {
    for (const char* membership : {"join", "invite", "knock"}) {
      auto list = deps.roomserver->queryRoomsForUser(ctx, who.userId, membership);
      if (list.ok()) rooms.insert(rooms.end(), list->begin(), list->end());
    }
  }
  Status done = deps.accounts->performDeactivate(ctx, who.userId);
  if (!done.ok()) return errorResponse(done.error());
  if (deps.keys) (void)deps.keys->performDeleteUserKeys(ctx, who.userId);
  // SPEC: the server makes a deactivated user leave every room; best effort after the fact.
  for (const auto& roomId : rooms) (void)deps.roomserver->performLeave(ctx, roomId, who.userId, std::nullopt);
  return jsonOk(json::Object{{"id_server_unbind_result", json::Value("no-support")}});
}

// Bodies of 3PID removals name one identifier; there is none to remove.
http::Response unbind3pid(const http::Request& request) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  if (auto medium = requireString(*body, "medium"); !medium.ok()) return errorResponse(medium.error());
  if (auto address = requireString(*body, "address"); !address.ok()) return errorResponse(address.error());
  return jsonOk(json::Object{{"id_server_unbind_result", json::Value("no-support")}});
}

http::Response threepidDenied() {
  return errorResponse(makeError(ErrorCode::kThreepidDenied, "Third-party identifiers are not supported"));
}

}  // namespace

void registerAccountRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/account/whoami",
                 [](const http::Request&, const Requester& who) {
                   json::Object body{{"user_id", json::Value(who.userId)}, {"is_guest", json::Value(who.isGuest)}};
                   if (!who.deviceId.empty()) body.set("device_id", json::Value(who.deviceId));
                   return jsonOk(std::move(body));
                 },
                 {.allowGuests = true, .rateLimited = false});

  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/password",
                 [&deps](const http::Request& request, const Requester& who) {
                   return changePassword(deps, request, who);
                 });
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/deactivate",
                 [&deps](const http::Request& request, const Requester& who) {
                   return deactivate(deps, request, who);
                 });

  // SPEC: v1.13 user reports. TODO(#3): reports go to the server log (stderr) until an admin
  // API stores and lists them, as room reports do.
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/users/{userId}/report",
                 [](const http::Request& request, const Requester& who) {
                   std::string target(request.param("userId"));
                   if (!isValidUserId(target)) return errorResponse(makeError(ErrorCode::kInvalidParam, "Invalid user ID"));
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto reason = requireString(*body, "reason");
                   if (!reason.ok()) return errorResponse(reason.error());
                   std::fprintf(stderr, "client-api: user report by %s about %s: %s\n", who.userId.c_str(),
                                target.c_str(), reason->c_str());
                   return jsonOk(json::Object{});
                 });

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/account/3pid",
                 [](const http::Request&, const Requester&) {
                   return jsonOk(json::Object{{"threepids", json::Array{}}});
                 });
  auto denied = [](const http::Request&, const Requester&) { return threepidDenied(); };
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid", denied);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid/add", denied);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid/bind", denied);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid/email/requestToken", denied);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid/msisdn/requestToken", denied);
  auto unbind = [](const http::Request& request, const Requester&) { return unbind3pid(request); };
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid/delete", unbind);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/account/3pid/unbind", unbind);
}

}  // namespace plexus::clientapi
