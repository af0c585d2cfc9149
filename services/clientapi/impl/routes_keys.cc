// End-to-end encryption keys: /keys/upload, /keys/query, /keys/claim, /keys/changes,
// cross-signing uploads (behind user-interactive auth once a master key exists) and signature
// uploads. The keyserver does the work; these routes validate shapes and map errors.

#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/uia.h"
#include "keyserver/api/keyserver_api.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi {
namespace {

json::Object countsJson(const keyserver::OneTimeKeyCounts& counts) {
  json::Object o;
  for (const auto& [algorithm, n] : counts) o.set(algorithm, json::Value(n));
  return o;
}

http::Response uploadKeys(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto deviceKeys = optionalObject(*body, "device_keys");
  if (!deviceKeys.ok()) return errorResponse(deviceKeys.error());
  auto oneTime = optionalObject(*body, "one_time_keys");
  if (!oneTime.ok()) return errorResponse(oneTime.error());
  auto fallback = optionalObject(*body, "fallback_keys");
  if (!fallback.ok()) return errorResponse(fallback.error());
  // Older clients use the unstable name of fallback keys (MSC2732).
  auto unstableFallback = optionalObject(*body, "org.matrix.msc2732.fallback_keys");
  if (!unstableFallback.ok()) return errorResponse(unstableFallback.error());
  const json::Object* fallbackKeys = *fallback ? *fallback : *unstableFallback;

  std::optional<json::Object> device;
  if (*deviceKeys) device = **deviceKeys;
  auto counts = deps.keys->performUploadKeys(callContext(request), who.userId, who.deviceId, device,
                                             *oneTime ? **oneTime : json::Object{},
                                             fallbackKeys ? *fallbackKeys : json::Object{});
  if (!counts.ok()) return errorResponse(counts.error());
  return jsonOk(json::Object{{"one_time_key_counts", countsJson(*counts)}});
}

http::Response queryKeys(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto wanted = requireObject(*body, "device_keys");
  if (!wanted.ok()) return errorResponse(wanted.error());
  if (auto timeout = optionalInt(*body, "timeout"); !timeout.ok()) return errorResponse(timeout.error());
  keyserver::DeviceKeysQuery query;
  for (const auto& [userId, devices] : **wanted) {
    const json::Array* list = devices.getArray();
    if (!list) return errorResponse(makeError(ErrorCode::kBadJson, "device_keys values must be arrays"));
    auto& ids = query[userId];
    for (const json::Value& id : *list) {
      if (!id.isString()) return errorResponse(makeError(ErrorCode::kBadJson, "Device IDs must be strings"));
      ids.push_back(*id.getString());
    }
  }
  auto result = deps.keys->queryKeys(callContext(request), who.userId, query);
  if (!result.ok()) return errorResponse(result.error());
  return jsonOk(result->toJson());
}

http::Response claimKeys(ClientApiDeps& deps, const http::Request& request) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  auto wanted = requireObject(*body, "one_time_keys");
  if (!wanted.ok()) return errorResponse(wanted.error());
  if (auto timeout = optionalInt(*body, "timeout"); !timeout.ok()) return errorResponse(timeout.error());
  keyserver::ClaimKeysRequest claim;
  for (const auto& [userId, devices] : **wanted) {
    const json::Object* byDevice = devices.getObject();
    if (!byDevice) return errorResponse(makeError(ErrorCode::kBadJson, "one_time_keys values must be objects"));
    for (const auto& [deviceId, algorithm] : *byDevice) {
      if (!algorithm.isString()) return errorResponse(makeError(ErrorCode::kBadJson, "Algorithms must be strings"));
      claim[userId][deviceId] = *algorithm.getString();
    }
  }
  auto result = deps.keys->performClaimKeys(callContext(request), claim);
  if (!result.ok()) return errorResponse(result.error());
  return jsonOk(result->toJson());
}

// SPEC: GET /keys/changes — sync-api answers from its device-list change log and the
// memberships at both sync tokens: exactly the users whose devices changed (or who came to
// share a room) between the tokens, and those who share no room any more.
http::Response keyChanges(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto from = request.query.get("from");
  auto to = request.query.get("to");
  if (!from || !to) {
    return errorResponse(makeError(ErrorCode::kMissingParam, "from and to are required"));
  }
  auto changes = deps.sync->queryKeyChanges(callContext(request), who.userId, std::string(*from),
                                            std::string(*to));
  if (!changes.ok()) return errorResponse(changes.error());
  return jsonOk(changes->toJson());
}

http::Response uploadCrossSigning(ClientApiDeps& deps, const http::Request& request, const Requester& who) {
  auto body = parseJsonObjectBody(request);
  if (!body.ok()) return errorResponse(body.error());
  keyserver::CrossSigningKeys keys;
  for (auto [name, slot] : {std::pair{"master_key", &keys.master},
                            std::pair{"self_signing_key", &keys.selfSigning},
                            std::pair{"user_signing_key", &keys.userSigning}}) {
    auto key = optionalObject(*body, name);
    if (!key.ok()) return errorResponse(key.error());
    if (*key) *slot = **key;
  }
  const CallContext ctx = callContext(request);
  // SPEC: uploading the first master key needs no auth; replacing keys does (MSC3967), unless
  // the request only repeats what is stored.
  auto mine = deps.keys->queryKeys(ctx, who.userId, {{who.userId, {}}});
  if (!mine.ok()) return errorResponse(mine.error());
  const bool hasMaster = mine->masterKeys.contains(who.userId);
  if (hasMaster) {
    auto noOp = deps.keys->queryCrossSigningUploadIsNoOp(ctx, who.userId, keys);
    if (!noOp.ok()) return errorResponse(noOp.error());
    if (*noOp) return jsonOk(json::Object{});
    if (auto challenge = runUia(*body, {passwordStage(deps, request, who)})) return *challenge;
  }
  Status stored = deps.keys->performUploadCrossSigningKeys(ctx, who.userId, keys);
  if (!stored.ok()) return errorResponse(stored.error());
  return jsonOk(json::Object{});
}

}  // namespace

void registerKeyRoutes(http::Router& router, ClientApiDeps& deps) {
  const RouteOptions guests{.allowGuests = true};
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/keys/upload",
                 [&deps](const http::Request& r, const Requester& who) { return uploadKeys(deps, r, who); }, guests);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/keys/query",
                 [&deps](const http::Request& r, const Requester& who) { return queryKeys(deps, r, who); }, guests);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/keys/claim",
                 [&deps](const http::Request& r, const Requester&) { return claimKeys(deps, r); }, guests);
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/keys/changes",
                 [&deps](const http::Request& r, const Requester& who) { return keyChanges(deps, r, who); }, guests);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/keys/device_signing/upload",
                 [&deps](const http::Request& r, const Requester& who) { return uploadCrossSigning(deps, r, who); });
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/keys/signatures/upload",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto result = deps.keys->performUploadSignatures(callContext(request), who.userId, *body);
                   if (!result.ok()) return errorResponse(result.error());
                   return jsonOk(result->toJson());
                 });
}

}  // namespace plexus::clientapi
