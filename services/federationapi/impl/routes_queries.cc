// Queries other servers make about our users and rooms (SPEC: server-server-api "Querying for
// information", "Public Room Directory", "Device Management", "End-to-End Encryption",
// "OpenID", "Spaces"): directory and profile queries, the public room list, a user's devices,
// key query and claim, OpenID userinfo and the space hierarchy.
#include <charconv>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "accountsync/api/accountsync_api.h"
#include "federationapi/impl/event_visibility.h"
#include "federationapi/impl/route_context.h"
#include "keyserver/api/keyserver_api.h"

namespace plexus::federationapi {
namespace {

http::Response unsupported(std::string_view what) {
  return errorResponse(ErrorCode::kUnrecognized, std::string(what) + " is not supported here");
}

http::Response queryDirectory(const RouteState& state, const FederationRequest& request) {
  auto alias = request.http.query.get("room_alias");
  if (!alias) return errorResponse(ErrorCode::kMissingParam, "room_alias is required");
  auto found = state.rooms().queryRoomIdForAlias(request.ctx, std::string(*alias));
  if (!found) return errorResponse(found.error());
  json::Array servers(found->servers.begin(), found->servers.end());
  if (servers.empty()) servers.emplace_back(state.deps.serverName);
  return http::Response::json(
      json::Object{{"room_id", found->roomId}, {"servers", std::move(servers)}});
}

http::Response queryProfile(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.accounts) return unsupported("profile lookup");
  auto userId = request.http.query.get("user_id");
  if (!userId) return errorResponse(ErrorCode::kMissingParam, "user_id is required");
  if (!isLocalUser(state, *userId))
    return errorResponse(ErrorCode::kInvalidParam, "the user is not hosted on this server");
  auto field = request.http.query.get("field");
  if (field && *field != "displayname" && *field != "avatar_url")
    return errorResponse(ErrorCode::kInvalidParam, "field must be displayname or avatar_url");
  auto profile = state.deps.accounts->queryProfile(request.ctx, *userId);
  if (!profile) return errorResponse(profile.error());
  json::Object out;
  if (profile->displayName && (!field || *field == "displayname"))
    out.set("displayname", *profile->displayName);
  if (profile->avatarUrl && (!field || *field == "avatar_url"))
    out.set("avatar_url", *profile->avatarUrl);
  return http::Response::json(out);
}

json::Object publicRoomJson(const roomserver::PublicRoom& room) {
  json::Object o{{"room_id", room.roomId},
                 {"num_joined_members", room.numJoinedMembers},
                 {"world_readable", room.worldReadable},
                 {"guest_can_join", room.guestCanJoin}};
  if (room.name) o.set("name", *room.name);
  if (room.topic) o.set("topic", *room.topic);
  if (room.canonicalAlias) o.set("canonical_alias", *room.canonicalAlias);
  if (room.avatarUrl) o.set("avatar_url", *room.avatarUrl);
  if (room.joinRule) o.set("join_rule", *room.joinRule);
  if (room.roomType) o.set("room_type", *room.roomType);
  return o;
}

http::Response publicRooms(const RouteState& state, const FederationRequest& request, bool post) {
  roomserver::PublicRoomsRequest query;
  if (post) {
    const json::Object* body = request.body();
    if (!body) return errorResponse(ErrorCode::kBadJson, "the body must be a JSON object");
    json::Value b(*body);
    if (const json::Value* limit = b.get("limit")) {
      if (!limit->getInt()) return errorResponse(ErrorCode::kBadJson, "limit must be an integer");
      query.limit = *limit->getInt();
    }
    if (auto since = b.getStringAt("since")) query.since = std::string(*since);
    if (const json::Value* filter = b.get("filter")) {
      if (auto term = filter->getStringAt("generic_search_term"))
        query.genericSearchTerm = std::string(*term);
    }
  } else {
    if (auto limit = request.http.query.get("limit")) {
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
      if (ec != std::errc() || end != limit->data() + limit->size())
        return errorResponse(ErrorCode::kInvalidParam, "limit must be an integer");
      query.limit = value;
    }
    if (auto since = request.http.query.get("since")) query.since = std::string(*since);
  }
  if (query.limit && *query.limit < 0) query.limit = 0;
  auto rooms = state.rooms().queryPublicRooms(request.ctx, query);
  if (!rooms) return errorResponse(rooms.error());
  json::Array chunk;
  for (const auto& r : rooms->chunk) chunk.emplace_back(publicRoomJson(r));
  json::Object out{{"chunk", std::move(chunk)},
                   {"total_room_count_estimate", rooms->totalRoomCountEstimate}};
  if (rooms->nextBatch) out.set("next_batch", *rooms->nextBatch);
  if (rooms->prevBatch) out.set("prev_batch", *rooms->prevBatch);
  return http::Response::json(out);
}

http::Response userDevices(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.keyserver) return unsupported("device lists");
  std::string userId = request.param("userId");
  if (!isLocalUser(state, userId))
    return errorResponse(ErrorCode::kInvalidParam, "the user is not hosted on this server");
  auto keys = state.deps.keyserver->queryKeys(request.ctx, "", {{userId, {}}});
  if (!keys) return errorResponse(keys.error());
  // The user's own latest change: the next m.device_list_update names it in prev_id.
  auto position = state.deps.keyserver->queryUserDeviceListStreamId(request.ctx, userId);
  if (!position) return errorResponse(position.error());
  const json::Value* userKeys = keys->deviceKeys.find(userId);
  const json::Object* byDevice = userKeys ? userKeys->getObject() : nullptr;

  std::vector<std::pair<std::string, std::optional<std::string>>> devices;
  if (state.deps.accounts) {
    auto listed = state.deps.accounts->queryDevices(request.ctx, userId);
    if (!listed) return errorResponse(listed.error());
    for (const auto& d : *listed) devices.emplace_back(d.deviceId, d.displayName);
  } else if (byDevice) {
    for (const auto& [deviceId, _] : *byDevice) devices.emplace_back(deviceId, std::nullopt);
  }
  json::Array out;
  for (const auto& [deviceId, displayName] : devices) {
    json::Object device{{"device_id", deviceId}};
    if (const json::Value* k = byDevice ? byDevice->find(deviceId) : nullptr)
      device.set("keys", *k);
    if (displayName) device.set("device_display_name", *displayName);
    out.emplace_back(std::move(device));
  }
  json::Object body{{"user_id", userId}, {"stream_id", *position}, {"devices", std::move(out)}};
  if (const json::Value* master = keys->masterKeys.find(userId)) body.set("master_key", *master);
  if (const json::Value* self = keys->selfSigningKeys.find(userId))
    body.set("self_signing_key", *self);
  return http::Response::json(body);
}

http::Response keysQuery(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.keyserver) return unsupported("key queries");
  const json::Object* body = request.body();
  const json::Value* wanted = body ? body->find("device_keys") : nullptr;
  if (!wanted || !wanted->isObject())
    return errorResponse(ErrorCode::kBadJson, "device_keys must be an object");
  keyserver::DeviceKeysQuery query;
  for (const auto& [userId, devices] : *wanted->getObject()) {
    const json::Array* list = devices.getArray();
    if (!list) return errorResponse(ErrorCode::kBadJson, "device lists must be arrays");
    // Only our users: other servers answer for theirs.
    if (!isLocalUser(state, userId)) continue;
    auto& ids = query[userId];
    for (const auto& d : *list)
      if (const std::string* id = d.getString()) ids.push_back(*id);
  }
  auto keys = state.deps.keyserver->queryKeys(request.ctx, "", query);
  if (!keys) return errorResponse(keys.error());
  return http::Response::json(json::Object{{"device_keys", keys->deviceKeys},
                                           {"master_keys", keys->masterKeys},
                                           {"self_signing_keys", keys->selfSigningKeys}});
}

http::Response keysClaim(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.keyserver) return unsupported("key claims");
  const json::Object* body = request.body();
  const json::Value* wanted = body ? body->find("one_time_keys") : nullptr;
  if (!wanted || !wanted->isObject())
    return errorResponse(ErrorCode::kBadJson, "one_time_keys must be an object");
  keyserver::ClaimKeysRequest claim;
  for (const auto& [userId, devices] : *wanted->getObject()) {
    const json::Object* byDevice = devices.getObject();
    if (!byDevice)
      return errorResponse(ErrorCode::kBadJson, "one_time_keys values must be objects");
    if (!isLocalUser(state, userId)) continue;
    for (const auto& [deviceId, algorithm] : *byDevice) {
      const std::string* alg = algorithm.getString();
      if (!alg) return errorResponse(ErrorCode::kBadJson, "algorithms must be strings");
      claim[userId][deviceId] = *alg;
    }
  }
  auto claimed = state.deps.keyserver->performClaimKeys(request.ctx, claim);
  if (!claimed) return errorResponse(claimed.error());
  return http::Response::json(json::Object{{"one_time_keys", claimed->oneTimeKeys}});
}

// The summary of a room in the hierarchy: the public-room fields from its current state.
Result<json::Object> roomSummary(const RouteState& state, const CallContext& ctx,
                                 const std::string& roomId,
                                 const std::vector<roomserver::RoomEvent>& current) {
  json::Object o{{"room_id", roomId}};
  std::string joinRule = "invite", visibility = "shared";
  bool guests = false;
  for (const auto& e : current) {
    if (e.pdu.stateKey() != "") continue;
    json::Value content(e.pdu.content());
    std::string_view type = e.pdu.type();
    auto str = [&](std::string_view key) { return content.getStringAt(key); };
    if (type == "m.room.name" && str("name")) o.set("name", std::string(*str("name")));
    if (type == "m.room.topic" && str("topic")) o.set("topic", std::string(*str("topic")));
    if (type == "m.room.avatar" && str("url")) o.set("avatar_url", std::string(*str("url")));
    if (type == "m.room.canonical_alias" && str("alias"))
      o.set("canonical_alias", std::string(*str("alias")));
    if (type == "m.room.join_rules" && str("join_rule")) joinRule = std::string(*str("join_rule"));
    if (type == "m.room.history_visibility" && str("history_visibility"))
      visibility = std::string(*str("history_visibility"));
    if (type == "m.room.guest_access") guests = str("guest_access") == "can_join";
    if (type == "m.room.create" && str("type")) o.set("room_type", std::string(*str("type")));
  }
  PLEXUS_TRY(auto members, state.rooms().queryJoinedMembers(ctx, roomId));
  o.set("num_joined_members", static_cast<std::int64_t>(members.size()));
  o.set("join_rule", joinRule);
  o.set("world_readable", visibility == "world_readable");
  o.set("guest_can_join", guests);
  return o;
}

// A server may see a room's summary when the room is public or world-readable, or when one of
// its users is in it.
Result<bool> canPeek(const RouteState& state, const CallContext& ctx, const std::string& roomId,
                     const std::vector<roomserver::RoomEvent>& current, std::string_view origin) {
  for (const auto& e : current) {
    if (e.pdu.stateKey() != "") continue;
    json::Value content(e.pdu.content());
    if (e.pdu.type() == "m.room.join_rules" && content.getStringAt("join_rule") == "public")
      return true;
    if (e.pdu.type() == "m.room.history_visibility" &&
        content.getStringAt("history_visibility") == "world_readable")
      return true;
  }
  return serverInRoom(ctx, state.rooms(), roomId, origin);
}

http::Response hierarchy(const RouteState& state, const FederationRequest& request) {
  std::string roomId = request.param("roomId");
  bool suggestedOnly = request.http.query.get("suggested_only") == "true";
  if (auto acl = checkServerAcl(request, state, roomId); !acl) return errorResponse(acl.error());
  auto current = state.rooms().queryCurrentState(request.ctx, roomId);
  if (!current) return errorResponse(current.error());
  auto peek = canPeek(state, request.ctx, roomId, *current, request.origin);
  if (!peek) return errorResponse(peek.error());
  if (!*peek) return errorResponse(ErrorCode::kNotFound, "unknown room");
  auto summary = roomSummary(state, request.ctx, roomId, *current);
  if (!summary) return errorResponse(summary.error());

  json::Array childrenState, children, inaccessible;
  constexpr std::size_t kMaxChildren = 50;
  for (const auto& e : *current) {
    if (e.pdu.type() != "m.space.child" || !e.pdu.stateKey()) continue;
    const json::Object& content = e.pdu.content();
    const json::Value* via = content.find("via");
    if (!via || !via->getArray() || via->getArray()->empty()) continue;  // a removed child
    const json::Value* suggested = content.find("suggested");
    if (suggestedOnly && !(suggested && suggested->getBool() == true)) continue;
    json::Object stripped = strippedState(e);
    stripped.set("origin_server_ts", e.pdu.originServerTs());
    childrenState.emplace_back(std::move(stripped));
    if (children.size() + inaccessible.size() >= kMaxChildren) continue;
    std::string childId(*e.pdu.stateKey());
    auto childState = state.rooms().queryCurrentState(request.ctx, childId);
    if (!childState) continue;  // not known here: the requester asks another server
    auto childPeek = canPeek(state, request.ctx, childId, *childState, request.origin);
    if (!childPeek || !*childPeek) {
      inaccessible.emplace_back(childId);
      continue;
    }
    auto childSummary = roomSummary(state, request.ctx, childId, *childState);
    if (childSummary) children.emplace_back(std::move(*childSummary));
  }
  summary->set("children_state", std::move(childrenState));
  return http::Response::json(json::Object{{"room", std::move(*summary)},
                                           {"children", std::move(children)},
                                           {"inaccessible_children", std::move(inaccessible)}});
}

// SPEC: server-server "OpenID": the only answers are 200 {"sub"} and 401 M_UNKNOWN_TOKEN, also
// for a missing token (the spec lists no other) and without account-sync (nothing resolves).
http::Response openIdUserinfo(const RouteState& state, const http::Request& request) {
  auto unknown = [] {
    return http::Response::matrixError(401, "M_UNKNOWN_TOKEN", "Access token unknown or expired");
  };
  auto token = request.query.get("access_token");
  if (!token || token->empty() || !state.deps.accounts) return unknown();
  auto owner = state.deps.accounts->queryOpenIdToken(state.callContext(), *token);
  if (!owner) {
    if (owner.error().code == ErrorCode::kUnknownToken) return unknown();
    return errorResponse(owner.error());
  }
  return http::Response::json(json::Object{{"sub", std::move(*owner)}});
}

// openid/userinfo is not X-Matrix authenticated (the token is the credential), so it is no
// addFederationRoute; like those routes it runs off the io threads (account-sync reads the
// database).
void addOpenIdUserinfoRoute(http::Router& router, const RouteState& state) {
  router.add("GET", "/_matrix/federation/v1/openid/userinfo",
             [&state](http::Request request, http::Responder responder) {
               auto owned = std::make_shared<http::Request>(std::move(request));
               auto work = [&state, owned, responder]() {
                 if (responder.cancelled()) return;
                 responder.send(openIdUserinfo(state, *owned));
               };
               if (state.deps.runBlocking)
                 state.deps.runBlocking(std::move(work));
               else
                 work();
             });
}

}  // namespace

void registerQueryRoutes(http::Router& router, RouteState& state) {
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/query/directory",
                     [&state](const FederationRequest& r) { return queryDirectory(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/query/profile",
                     [&state](const FederationRequest& r) { return queryProfile(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/publicRooms",
                     [&state](const FederationRequest& r) { return publicRooms(state, r, false); });
  addFederationRoute(router, state, "POST", "/_matrix/federation/v1/publicRooms",
                     [&state](const FederationRequest& r) { return publicRooms(state, r, true); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/user/devices/{userId}",
                     [&state](const FederationRequest& r) { return userDevices(state, r); });
  addFederationRoute(router, state, "POST", "/_matrix/federation/v1/user/keys/query",
                     [&state](const FederationRequest& r) { return keysQuery(state, r); });
  addFederationRoute(router, state, "POST", "/_matrix/federation/v1/user/keys/claim",
                     [&state](const FederationRequest& r) { return keysClaim(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/hierarchy/{roomId}",
                     [&state](const FederationRequest& r) { return hierarchy(state, r); });
  addOpenIdUserinfoRoute(router, state);
}

}  // namespace plexus::federationapi
