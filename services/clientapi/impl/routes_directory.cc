// Room aliases and the room directory: PUT/GET/DELETE /directory/room/{roomAlias},
// GET /rooms/{roomId}/aliases, GET/PUT /directory/list/room/{roomId} and GET/POST /publicRooms.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "clientapi/impl/overlay_directory.h"
#include "clientapi/impl/routes_room_helpers.h"
#include "federationsender/api/federation_sender_api.h"

namespace plexus::clientapi::rooms {
namespace {

json::Value emptyObject() { return json::Value(json::Object()); }

Result<std::string> aliasParam(const http::Request& http) {
  std::string alias(http.param("roomAlias"));
  if (!isValidRoomAlias(alias)) return fail(ErrorCode::kInvalidParam, "Room alias invalid");
  return alias;
}

Result<json::Value> putAlias(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string alias, aliasParam(http));
  if (alias.substr(alias.find(':') + 1) != deps.config.serverName) {
    return fail(ErrorCode::kInvalidParam, "Room alias must be on this server");
  }
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  PLEXUS_TRY(std::string roomId, requireString(body, "room_id"));
  if (!isValidRoomId(roomId)) return fail(ErrorCode::kInvalidParam, "Invalid room ID");
  PLEXUS_TRY_VOID(
      deps.roomserver->performSetRoomAlias(callContext(http), alias, roomId, who.userId));
  return emptyObject();
}

Result<json::Value> getAlias(ClientApiDeps& deps, const http::Request& http, const Requester&) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string alias, aliasParam(http));
  if (std::string server = serverOfUserId(alias); server != deps.config.serverName) {
    // SPEC: server-server-api "Room Aliases": the alias's server answers.
    if (!deps.federation) return fail(ErrorCode::kNotFound, "Room alias not found");
    PLEXUS_TRY(federationsender::DirectoryResponse remote,
               deps.federation->queryDirectory(callContext(http), server, alias));
    json::Array servers;
    for (auto& s : remote.servers) servers.emplace_back(std::move(s));
    json::Object out;
    out.set("room_id", remote.roomId);
    out.set("servers", std::move(servers));
    return json::Value(std::move(out));
  }
  PLEXUS_TRY(roomserver::AliasInfo info,
             deps.roomserver->queryRoomIdForAlias(callContext(http), alias));
  json::Array servers;
  for (auto& server : info.servers) servers.emplace_back(std::move(server));
  if (servers.empty()) servers.emplace_back(deps.config.serverName);
  json::Object out;
  out.set("room_id", info.roomId);
  out.set("servers", std::move(servers));
  return json::Value(std::move(out));
}

Result<json::Value> deleteAlias(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string alias, aliasParam(http));
  PLEXUS_TRY_VOID(deps.roomserver->performRemoveRoomAlias(callContext(http), alias, who.userId));
  return emptyObject();
}

// SPEC: GET /rooms/{roomId}/aliases — members, or anyone when the room is world_readable.
Result<json::Value> getRoomAliases(ClientApiDeps& deps, const http::Request& http,
                                   const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  CallContext ctx = callContext(http);
  Status joined = requireJoined(deps, ctx, roomId, who.userId);
  if (!joined.ok()) {
    if (joined.error().code != ErrorCode::kForbidden) return joined.error();
    Result<roomserver::RoomEvent> visibility =
        deps.roomserver->queryStateEvent(ctx, roomId, "m.room.history_visibility", "");
    bool worldReadable =
        visibility.ok() && visibility->pdu.content().find("history_visibility") != nullptr &&
        *visibility->pdu.content().find("history_visibility") == json::Value("world_readable");
    if (!worldReadable) return joined.error();
  }
  PLEXUS_TRY(std::vector<std::string> aliases, deps.roomserver->queryAliasesForRoom(ctx, roomId));
  json::Array list;
  for (auto& alias : aliases) list.emplace_back(std::move(alias));
  json::Object out;
  out.set("aliases", std::move(list));
  return json::Value(std::move(out));
}

Result<json::Value> getVisibility(ClientApiDeps& deps, const http::Request& http,
                                  const Requester&) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(roomserver::Visibility visibility,
             deps.roomserver->queryRoomVisibility(callContext(http), roomId));
  json::Object out;
  out.set("visibility", visibility == roomserver::Visibility::kPublic ? "public" : "private");
  return json::Value(std::move(out));
}

Result<json::Value> putVisibility(ClientApiDeps& deps, const http::Request& http,
                                  const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  PLEXUS_TRY(std::optional<std::string> value, optionalString(body, "visibility"));
  roomserver::Visibility visibility = roomserver::Visibility::kPublic;
  if (!value || *value == "public") {
    visibility = roomserver::Visibility::kPublic;
  } else if (*value == "private") {
    visibility = roomserver::Visibility::kPrivate;
  } else {
    return fail(ErrorCode::kInvalidParam, "visibility must be 'public' or 'private'");
  }
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(requireJoined(deps, ctx, roomId, who.userId));
  // NOTSPEC: the spec leaves the permission to the server; like other servers we require the
  // power to change the room's canonical alias (a room moderator's or admin's decision).
  PLEXUS_TRY(bool allowed, maySendState(deps, ctx, roomId, who.userId, "m.room.canonical_alias"));
  if (!allowed && !who.isAdmin) {
    return fail(ErrorCode::kForbidden, "You may not change this room's directory visibility");
  }
  PLEXUS_TRY_VOID(deps.roomserver->performSetRoomVisibility(ctx, roomId, visibility));
  return emptyObject();
}

json::Object publicRoomJson(const roomserver::PublicRoom& room) {
  json::Object out;
  out.set("room_id", room.roomId);
  if (room.name) out.set("name", *room.name);
  if (room.topic) out.set("topic", *room.topic);
  if (room.canonicalAlias) out.set("canonical_alias", *room.canonicalAlias);
  if (room.avatarUrl) out.set("avatar_url", *room.avatarUrl);
  out.set("join_rule", room.joinRule.value_or("public"));
  if (room.roomType) out.set("room_type", *room.roomType);
  out.set("num_joined_members", room.numJoinedMembers);
  out.set("world_readable", room.worldReadable);
  out.set("guest_can_join", room.guestCanJoin);
  return out;
}

// room_types filter entries: a type string, or null for rooms without a type.
Result<std::optional<std::vector<std::optional<std::string>>>> parseRoomTypes(
    const json::Object& filter) {
  PLEXUS_TRY(const json::Array* list, optionalArray(filter, "room_types"));
  if (list == nullptr) return std::optional<std::vector<std::optional<std::string>>>();
  std::vector<std::optional<std::string>> types;
  for (const json::Value& v : *list) {
    if (v.isNull()) {
      types.emplace_back(std::nullopt);
    } else if (const std::string* s = v.getString()) {
      types.emplace_back(*s);
    } else {
      return fail(ErrorCode::kBadJson, "room_types must hold strings or null");
    }
  }
  return std::optional(std::move(types));
}

// `server` names the directory to read: another server's is asked over federation.
std::optional<std::string> remoteServer(const ClientApiDeps& deps, const http::Request& http) {
  std::string server = queryString(http, "server");
  if (server.empty() || server == deps.config.serverName) return std::nullopt;
  return server;
}

// SPEC: server-server-api "Public Room Directory": POST /publicRooms on the named server with
// the same limit, since and filter; its answer goes to the client as it is.
Result<json::Value> remotePublicRooms(
    ClientApiDeps& deps, const http::Request& http, const std::string& server,
    const roomserver::PublicRoomsRequest& request,
    const std::optional<std::vector<std::optional<std::string>>>& types) {
  if (!deps.federation) return fail(ErrorCode::kNotFound, "Unknown server " + server);
  json::Object body;
  if (request.limit) body.set("limit", *request.limit);
  if (request.since) body.set("since", *request.since);
  json::Object filter;
  if (request.genericSearchTerm) filter.set("generic_search_term", *request.genericSearchTerm);
  if (types) {
    json::Array list;
    for (const auto& t : *types) list.push_back(t ? json::Value(*t) : json::Value());
    filter.set("room_types", std::move(list));
  }
  if (!filter.empty()) body.set("filter", std::move(filter));
  PLEXUS_TRY(json::Object answer,
             deps.federation->queryPublicRooms(callContext(http), server, body));
  return json::Value(std::move(answer));
}

Result<json::Value> publicRooms(
    ClientApiDeps& deps, const http::Request& http, const roomserver::PublicRoomsRequest& request,
    const std::optional<std::vector<std::optional<std::string>>>& types) {
  if (auto server = remoteServer(deps, http)) {
    return remotePublicRooms(deps, http, *server, request, types);
  }
  if (request.limit && *request.limit < 0) {
    return fail(ErrorCode::kInvalidParam, "limit must not be negative");
  }
  PLEXUS_TRY(roomserver::PublicRoomsResponse rooms,
             deps.roomserver->queryPublicRooms(callContext(http), request));
  json::Array chunk;
  for (const auto& room : rooms.chunk) {
    // NOTSPEC: room_types filters the page after paging, so a page may be short.
    if (types && std::find(types->begin(), types->end(), room.roomType) == types->end()) continue;
    chunk.emplace_back(publicRoomJson(room));
  }
  // A node on the overlay also lists the public rooms other nodes announced (first page only:
  // paging tokens are the roomserver's).
  std::int64_t total = rooms.totalRoomCountEstimate;
  if (deps.overlayDirectory && !request.since) {
    std::set<std::string> listed;
    for (const auto& room : rooms.chunk) listed.insert(room.roomId);
    const std::size_t pageSize =
        request.limit ? static_cast<std::size_t>(*request.limit) : SIZE_MAX;
    for (const auto& remote :
         deps.overlayDirectory->publicRooms(request.genericSearchTerm.value_or(""))) {
      if (listed.count(remote.roomId)) continue;
      if (types && std::find(types->begin(), types->end(), remote.roomType) == types->end()) {
        continue;
      }
      ++total;
      if (chunk.size() < pageSize) chunk.emplace_back(publicRoomJson(remote));
    }
  }
  json::Object out;
  out.set("chunk", std::move(chunk));
  if (rooms.nextBatch) out.set("next_batch", *rooms.nextBatch);
  if (rooms.prevBatch) out.set("prev_batch", *rooms.prevBatch);
  out.set("total_room_count_estimate", total);
  return json::Value(std::move(out));
}

Result<json::Value> getPublicRooms(ClientApiDeps& deps, const http::Request& http,
                                   const Requester&) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  roomserver::PublicRoomsRequest request;
  PLEXUS_TRY(request.limit, queryInt(http, "limit"));
  if (auto since = http.query.get("since")) request.since = std::string(*since);
  return publicRooms(deps, http, request, std::nullopt);
}

Result<json::Value> postPublicRooms(ClientApiDeps& deps, const http::Request& http,
                                    const Requester&) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  roomserver::PublicRoomsRequest request;
  PLEXUS_TRY(request.limit, optionalInt(body, "limit"));
  PLEXUS_TRY(request.since, optionalString(body, "since"));
  PLEXUS_TRY(std::optional<bool> allNetworks, optionalBool(body, "include_all_networks"));
  PLEXUS_TRY(std::optional<std::string> instance, optionalString(body, "third_party_instance_id"));
  (void)allNetworks;  // no third-party networks are bridged here: the local list is all of it
  if (instance) return fail(ErrorCode::kInvalidParam, "Unknown third_party_instance_id");
  std::optional<std::vector<std::optional<std::string>>> types;
  PLEXUS_TRY(const json::Object* filter, optionalObject(body, "filter"));
  if (filter != nullptr) {
    PLEXUS_TRY(request.genericSearchTerm, optionalString(*filter, "generic_search_term"));
    if (request.genericSearchTerm && request.genericSearchTerm->empty()) {
      request.genericSearchTerm.reset();
    }
    PLEXUS_TRY(types, parseRoomTypes(*filter));
  }
  return publicRooms(deps, http, request, types);
}

}  // namespace

void registerDirectoryRoutes(http::Router& router, ClientApiDeps& deps) {
  // Suspended users publish nothing new (aliases, directory entries).
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/directory/room/{roomAlias}",
                 jsonRoute(deps, putAlias), {.refusedWhileSuspended = true});
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/directory/room/{roomAlias}",
               openJsonRoute(deps, getAlias));
  addAuthedRoute(router, deps, "DELETE", "/_matrix/client/{version}/directory/room/{roomAlias}",
                 jsonRoute(deps, deleteAlias));
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/aliases",
                 jsonRoute(deps, getRoomAliases));
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/directory/list/room/{roomId}",
               openJsonRoute(deps, getVisibility));
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/directory/list/room/{roomId}",
                 jsonRoute(deps, putVisibility), {.refusedWhileSuspended = true});
  addOpenRoute(router, deps, "GET", "/_matrix/client/{version}/publicRooms",
               openJsonRoute(deps, getPublicRooms));
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/publicRooms",
                 jsonRoute(deps, postPublicRooms));
}

}  // namespace plexus::clientapi::rooms
