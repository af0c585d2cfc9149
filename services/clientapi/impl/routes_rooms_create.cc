// POST /createRoom and POST /rooms/{roomId}/upgrade: validate the whole body, then hand the
// room's construction to the roomserver (which writes every event in one transaction).
#include <string>
#include <utility>

#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi::rooms {
namespace {

Result<std::optional<roomserver::Preset>> parsePreset(const json::Object& body) {
  PLEXUS_TRY(std::optional<std::string> preset, optionalString(body, "preset"));
  if (!preset) return std::optional<roomserver::Preset>();
  if (*preset == "private_chat") return std::optional(roomserver::Preset::kPrivateChat);
  if (*preset == "public_chat") return std::optional(roomserver::Preset::kPublicChat);
  if (*preset == "trusted_private_chat") {
    return std::optional(roomserver::Preset::kTrustedPrivateChat);
  }
  return fail(ErrorCode::kInvalidParam, "Unknown preset: " + *preset);
}

Result<roomserver::Visibility> parseVisibility(const json::Object& body) {
  PLEXUS_TRY(std::optional<std::string> visibility, optionalString(body, "visibility"));
  if (!visibility || *visibility == "private") return roomserver::Visibility::kPrivate;
  if (*visibility == "public") return roomserver::Visibility::kPublic;
  return fail(ErrorCode::kInvalidParam, "visibility must be 'public' or 'private'");
}

// SPEC: createRoom `room_alias_name` is the localpart only; the server adds '#' and ':server'.
Status checkAliasLocalpart(const ClientApiDeps& deps, const std::string& localpart) {
  if (localpart.empty()) return fail(ErrorCode::kInvalidParam, "room_alias_name is empty");
  for (char c : localpart) {
    if (c == ':' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') {
      return fail(ErrorCode::kInvalidParam, "room_alias_name contains an invalid character");
    }
  }
  if (localpart.size() + deps.config.serverName.size() + 2 > 255) {
    return fail(ErrorCode::kInvalidParam, "room_alias_name is too long");
  }
  return {};
}

Result<std::vector<roomserver::StateEventSpec>> parseInitialState(const json::Object& body) {
  PLEXUS_TRY(const json::Array* list, optionalArray(body, "initial_state"));
  std::vector<roomserver::StateEventSpec> out;
  if (list == nullptr) return out;
  for (const json::Value& item : *list) {
    const json::Object* event = item.getObject();
    if (event == nullptr) return fail(ErrorCode::kBadJson, "initial_state entries must be objects");
    roomserver::StateEventSpec spec;
    PLEXUS_TRY(spec.type, requireString(*event, "type"));
    PLEXUS_TRY(std::optional<std::string> stateKey, optionalString(*event, "state_key"));
    spec.stateKey = stateKey.value_or("");
    PLEXUS_TRY(const json::Object* content, requireObject(*event, "content"));
    spec.content = *content;
    out.push_back(std::move(spec));
  }
  return out;
}

Result<json::Value> createRoom(ClientApiDeps& deps, const http::Request& http,
                               const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  roomserver::CreateRoomRequest request;
  request.creator = who.userId;
  PLEXUS_TRY(request.preset, parsePreset(body));
  PLEXUS_TRY(request.visibility, parseVisibility(body));
  PLEXUS_TRY(request.name, optionalString(body, "name"));
  PLEXUS_TRY(request.topic, optionalString(body, "topic"));
  PLEXUS_TRY(request.roomAliasName, optionalString(body, "room_alias_name"));
  if (request.roomAliasName) PLEXUS_TRY_VOID(checkAliasLocalpart(deps, *request.roomAliasName));
  PLEXUS_TRY(const json::Array* invites, optionalArray(body, "invite"));
  if (invites != nullptr) {
    for (const json::Value& invite : *invites) {
      const std::string* userId = invite.getString();
      if (userId == nullptr) return fail(ErrorCode::kBadJson, "invite must be a list of user IDs");
      if (!isValidUserId(*userId)) {
        return fail(ErrorCode::kInvalidParam, "Invalid user ID to invite: " + *userId);
      }
      request.invite.push_back(*userId);
    }
  }
  PLEXUS_TRY(const json::Array* invite3pid, optionalArray(body, "invite_3pid"));
  if (invite3pid != nullptr && !invite3pid->empty()) {
    // NOTSPEC: no identity server is configured, so third-party invites cannot be made.
    return fail(ErrorCode::kThreepidDenied, "Third-party invites are not supported");
  }
  PLEXUS_TRY(request.initialState, parseInitialState(body));
  PLEXUS_TRY(const json::Object* plOverride, optionalObject(body, "power_level_content_override"));
  if (plOverride != nullptr) request.powerLevelContentOverride = *plOverride;
  PLEXUS_TRY(const json::Object* creation, optionalObject(body, "creation_content"));
  if (creation != nullptr) request.creationContent = *creation;
  PLEXUS_TRY(request.roomVersion, optionalString(body, "room_version"));
  PLEXUS_TRY(std::optional<bool> isDirect, optionalBool(body, "is_direct"));
  request.isDirect = isDirect.value_or(false);

  Result<roomserver::CreateRoomResponse> created =
      deps.roomserver->performCreateRoom(callContext(http), request);
  if (!created.ok()) return created.error();
  json::Object out;
  out.set("room_id", created->roomId);
  return json::Value(std::move(out));
}

Result<json::Value> upgradeRoom(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  PLEXUS_TRY(std::string newVersion, requireString(body, "new_version"));
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(requireJoined(deps, ctx, roomId, who.userId));
  PLEXUS_TRY(roomserver::UpgradeRoomResponse upgraded,
             deps.roomserver->performUpgradeRoom(ctx, {roomId, who.userId, newVersion}));
  json::Object out;
  out.set("replacement_room", upgraded.replacementRoomId);
  return json::Value(std::move(out));
}

}  // namespace

void registerCreateRoomRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/createRoom",
                 [&deps](const http::Request& request, const Requester& who) {
                   Result<json::Value> result = createRoom(deps, request, who);
                   // SPEC: createRoom — an initial state that fails the auth rules (e.g. a power
                   // level override that locks the creator out) is 400 M_INVALID_ROOM_STATE.
                   if (!result.ok() && result.error().code == ErrorCode::kForbidden) {
                     return http::Response::matrixError(400, "M_INVALID_ROOM_STATE",
                                                        result.error().message);
                   }
                   return respond(result);
                 },
                 {.refusedWhileSuspended = true});
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/upgrade",
                 jsonRoute(deps, upgradeRoom), {.refusedWhileSuspended = true});
}

}  // namespace plexus::clientapi::rooms
