// Server-side key backup (/room_keys): versions and the client-encrypted session keys in them.
#include "clientapi/impl/account_routes.h"
#include "keyserver/api/keyserver_api.h"

namespace plexus::clientapi {
namespace {

// Which keys a /room_keys/keys[/{roomId}[/{sessionId}]] route names.
enum class Scope { kAll, kRoom, kSession };

keyserver::BackupKeySelector selectorOf(const http::Request& request, Scope scope) {
  keyserver::BackupKeySelector selector;
  if (scope != Scope::kAll) selector.roomId = std::string(request.param("roomId"));
  if (scope == Scope::kSession) selector.sessionId = std::string(request.param("sessionId"));
  return selector;
}

Result<std::string> versionParam(const http::Request& request) {
  auto version = request.query.get("version");
  if (!version || version->empty()) return fail(ErrorCode::kMissingParam, "Missing version");
  return std::string(*version);
}

// M_WRONG_ROOM_KEYS_VERSION carries the current version (SPEC: key backup "Storing keys").
http::Response backupError(ClientApiDeps& deps, const http::Request& request, const Requester& who, const Error& error) {
  http::Response response = errorResponse(error);
  if (error.code != ErrorCode::kWrongRoomKeysVersion) return response;
  json::Object body{{"errcode", json::Value(error.errcode())}, {"error", json::Value(error.message)}};
  if (auto current = deps.keys->queryBackupVersion(callContext(request), who.userId, std::nullopt); current.ok()) {
    body.set("current_version", json::Value(current->version));
  }
  return http::Response::json(body, error.httpStatus());
}

Result<keyserver::BackupKeys> parseKeys(const http::Request& request, Scope scope) {
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(request));
  if (scope == Scope::kAll) return keyserver::backupKeysFromJson(body);
  std::string roomId(request.param("roomId"));
  if (scope == Scope::kRoom) {
    return keyserver::backupKeysFromJson(json::Object{{"rooms", json::Object{{roomId, std::move(body)}}}});
  }
  PLEXUS_TRY(keyserver::BackupKeyData data, keyserver::BackupKeyData::fromJson(body));
  keyserver::BackupKeys keys;
  keys[roomId][std::string(request.param("sessionId"))] = std::move(data);
  return keys;
}

http::Response putKeys(ClientApiDeps& deps, const http::Request& request, const Requester& who, Scope scope) {
  auto version = versionParam(request);
  if (!version.ok()) return errorResponse(version.error());
  auto keys = parseKeys(request, scope);
  if (!keys.ok()) return errorResponse(keys.error());
  auto summary = deps.keys->performUploadBackupKeys(callContext(request), who.userId, *version, *keys);
  if (!summary.ok()) return backupError(deps, request, who, summary.error());
  return jsonOk(summary->toJson());
}

http::Response getKeys(ClientApiDeps& deps, const http::Request& request, const Requester& who, Scope scope) {
  auto version = versionParam(request);
  if (!version.ok()) return errorResponse(version.error());
  auto keys = deps.keys->queryBackupKeys(callContext(request), who.userId, *version, selectorOf(request, scope));
  if (!keys.ok()) return errorResponse(keys.error());
  if (scope == Scope::kAll) return jsonOk(keyserver::backupKeysToJson(*keys));
  std::string roomId(request.param("roomId"));
  auto room = keys->find(roomId);
  if (scope == Scope::kRoom) {
    return jsonOk(keyserver::roomSessionsToJson(room == keys->end() ? std::map<std::string, keyserver::BackupKeyData>{}
                                                                    : room->second));
  }
  if (room != keys->end()) {
    if (auto session = room->second.find(std::string(request.param("sessionId"))); session != room->second.end()) {
      return jsonOk(session->second.toJson());
    }
  }
  return errorResponse(makeError(ErrorCode::kNotFound, "No key for that session"));
}

http::Response deleteKeys(ClientApiDeps& deps, const http::Request& request, const Requester& who, Scope scope) {
  auto version = versionParam(request);
  if (!version.ok()) return errorResponse(version.error());
  auto summary = deps.keys->performDeleteBackupKeys(callContext(request), who.userId, *version, selectorOf(request, scope));
  if (!summary.ok()) return backupError(deps, request, who, summary.error());
  return jsonOk(summary->toJson());
}

Result<std::pair<std::string, json::Object>> parseVersionBody(const http::Request& request) {
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(request));
  PLEXUS_TRY(std::string algorithm, requireString(body, "algorithm"));
  PLEXUS_TRY(const json::Object* authData, requireObject(body, "auth_data"));
  return std::pair{std::move(algorithm), *authData};
}

}  // namespace

void registerKeyBackupRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/room_keys/version",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto parsed = parseVersionBody(request);
                   if (!parsed.ok()) return errorResponse(parsed.error());
                   auto version = deps.keys->performCreateBackupVersion(callContext(request), who.userId,
                                                                        parsed->first, parsed->second);
                   if (!version.ok()) return errorResponse(version.error());
                   return jsonOk(json::Object{{"version", json::Value(*version)}});
                 });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/room_keys/version",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto v = deps.keys->queryBackupVersion(callContext(request), who.userId, std::nullopt);
                   if (!v.ok()) return errorResponse(v.error());
                   return jsonOk(v->toJson());
                 });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/room_keys/version/{backupVersion}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto v = deps.keys->queryBackupVersion(callContext(request), who.userId,
                                                          std::string(request.param("backupVersion")));
                   if (!v.ok()) return errorResponse(v.error());
                   return jsonOk(v->toJson());
                 });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/room_keys/version/{backupVersion}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto parsed = parseVersionBody(request);
                   if (!parsed.ok()) return errorResponse(parsed.error());
                   std::string version(request.param("backupVersion"));
                   // SPEC: a `version` in the body must match the path.
                   auto body = parseJsonObjectBody(request);
                   auto inBody = optionalString(*body, "version");
                   if (!inBody.ok()) return errorResponse(inBody.error());
                   if (*inBody && **inBody != version) {
                     return errorResponse(makeError(ErrorCode::kInvalidParam, "version does not match the path"));
                   }
                   Status updated = deps.keys->performUpdateBackupVersion(callContext(request), who.userId, version,
                                                                          parsed->first, parsed->second);
                   if (!updated.ok()) return errorResponse(updated.error());
                   return jsonOk(json::Object{});
                 });
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/room_keys/version/{backupVersion}",
                 [&deps](const http::Request& request, const Requester& who) {
                   Status deleted = deps.keys->performDeleteBackupVersion(callContext(request), who.userId,
                                                                          request.param("backupVersion"));
                   if (!deleted.ok()) return errorResponse(deleted.error());
                   return jsonOk(json::Object{});
                 });

  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/room_keys/keys",
                 [&deps](const http::Request& r, const Requester& who) { return putKeys(deps, r, who, Scope::kAll); });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/room_keys/keys/{roomId}",
                 [&deps](const http::Request& r, const Requester& who) { return putKeys(deps, r, who, Scope::kRoom); });
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/room_keys/keys/{roomId}/{sessionId}",
                 [&deps](const http::Request& r, const Requester& who) { return putKeys(deps, r, who, Scope::kSession); });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/room_keys/keys",
                 [&deps](const http::Request& r, const Requester& who) { return getKeys(deps, r, who, Scope::kAll); });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/room_keys/keys/{roomId}",
                 [&deps](const http::Request& r, const Requester& who) { return getKeys(deps, r, who, Scope::kRoom); });
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/room_keys/keys/{roomId}/{sessionId}",
                 [&deps](const http::Request& r, const Requester& who) { return getKeys(deps, r, who, Scope::kSession); });
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/room_keys/keys",
                 [&deps](const http::Request& r, const Requester& who) { return deleteKeys(deps, r, who, Scope::kAll); });
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/room_keys/keys/{roomId}",
                 [&deps](const http::Request& r, const Requester& who) { return deleteKeys(deps, r, who, Scope::kRoom); });
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/room_keys/keys/{roomId}/{sessionId}",
                 [&deps](const http::Request& r, const Requester& who) { return deleteKeys(deps, r, who, Scope::kSession); });
}

}  // namespace plexus::clientapi
