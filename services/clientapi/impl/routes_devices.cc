// Device management: list, read, rename and delete devices (deletion behind m.login.password
// user-interactive auth; it also deletes the devices' end-to-end keys).
#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/uia.h"
#include "keyserver/api/keyserver_api.h"

namespace plexus::clientapi {
namespace {

json::Object deviceJson(const accountsync::Device& d) {
  json::Object o{{"device_id", json::Value(d.deviceId)}};
  if (d.displayName) o.set("display_name", json::Value(*d.displayName));
  if (d.lastSeenIp) o.set("last_seen_ip", json::Value(*d.lastSeenIp));
  if (d.lastSeenTs) o.set("last_seen_ts", json::Value(*d.lastSeenTs));
  return o;
}

// Validates, asks for auth, then deletes the devices and their keys.
http::Response deleteDevices(ClientApiDeps& deps, const http::Request& request, const Requester& who,
                             const json::Object& body, const std::vector<std::string>& deviceIds) {
  if (auto challenge = runUia(body, {passwordStage(deps, request, who)})) return *challenge;
  const CallContext ctx = callContext(request);
  Status deleted = deps.accounts->performDeleteDevices(ctx, who.userId, deviceIds);
  if (!deleted.ok()) return errorResponse(deleted.error());
  if (deps.keys) (void)deps.keys->performDeleteDeviceKeys(ctx, who.userId, deviceIds);
  return jsonOk(json::Object{});
}

}  // namespace

void registerDeviceRoutes(http::Router& router, ClientApiDeps& deps) {
  const RouteOptions guests{.allowGuests = true};

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/devices",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto devices = deps.accounts->queryDevices(callContext(request), who.userId);
                   if (!devices.ok()) return errorResponse(devices.error());
                   json::Array list;
                   for (const auto& d : *devices) list.push_back(deviceJson(d));
                   return jsonOk(json::Object{{"devices", std::move(list)}});
                 },
                 guests);

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/devices/{deviceId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto device = deps.accounts->queryDevice(callContext(request), who.userId, request.param("deviceId"));
                   if (!device.ok()) return errorResponse(device.error());
                   return jsonOk(deviceJson(*device));
                 },
                 guests);

  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/devices/{deviceId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseOptionalJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto name = optionalString(*body, "display_name");
                   if (!name.ok()) return errorResponse(name.error());
                   const CallContext ctx = callContext(request);
                   std::string deviceId(request.param("deviceId"));
                   if (auto device = deps.accounts->queryDevice(ctx, who.userId, deviceId); !device.ok()) {
                     return errorResponse(device.error());
                   }
                   // SPEC: an absent display_name leaves the name as it is.
                   if (!body->contains("display_name")) return jsonOk(json::Object{});
                   Status updated = deps.accounts->performUpdateDevice(ctx, who.userId, deviceId, *name);
                   if (!updated.ok()) return errorResponse(updated.error());
                   if (deps.keys) (void)deps.keys->performSetDeviceDisplayName(ctx, who.userId, deviceId, name->value_or(""));
                   return jsonOk(json::Object{});
                 },
                 guests);

  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/devices/{deviceId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseOptionalJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   std::string deviceId(request.param("deviceId"));
                   if (auto device = deps.accounts->queryDevice(callContext(request), who.userId, deviceId); !device.ok()) {
                     return errorResponse(device.error());
                   }
                   return deleteDevices(deps, request, who, *body, {deviceId});
                 });

  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/delete_devices",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto ids = requireStringArray(*body, "devices");
                   if (!ids.ok()) return errorResponse(ids.error());
                   return deleteDevices(deps, request, who, *body, *ids);
                 });
}

}  // namespace plexus::clientapi
