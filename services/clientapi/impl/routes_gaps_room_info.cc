// Room information from current state (shared by the room summary and the space hierarchy), and
// the small read-only room endpoints: GET /v1/room_summary/{roomIdOrAlias} (MSC3266),
// GET /v1/mutual_rooms and GET /v1/rooms/{roomId}/timestamp_to_event.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "clientapi/impl/gap_routes.h"
#include "clientapi/impl/routes_room_helpers.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi {

void registerGapRoutes(http::Router& router, ClientApiDeps& deps) {
  gaps::registerDiscoveryGapRoutes(router, deps);
  gaps::registerRoomInfoRoutes(router, deps);
  gaps::registerHierarchyRoutes(router, deps);
  gaps::registerLegacySyncRoutes(router, deps);
  gaps::registerLoginTokenRoutes(router, deps);
  gaps::registerAdminGapRoutes(router, deps);
}

namespace gaps {
namespace {

std::optional<std::string> contentString(const roomserver::RoomEvent& event, std::string_view key) {
  const json::Value* v = event.pdu.content().find(key);
  if (!v || !v->getString()) return std::nullopt;
  return *v->getString();
}

// SPEC: m.space.child events whose content has no `via` array (or an empty one) are "removed"
// children and must be ignored.
bool isLiveSpaceChild(const roomserver::RoomEvent& event) {
  const json::Value* via = event.pdu.content().find("via");
  return via && via->getArray() && !via->getArray()->empty();
}

constexpr int kMutualRoomsPageSize = 100;

Result<json::Value> getRoomSummary(ClientApiDeps& deps, const http::Request& http,
                                   const std::string& userId) {
  PLEXUS_TRY_VOID(rooms::needRoomserver(deps));
  std::string target(http.param("roomIdOrAlias"));
  const CallContext ctx = callContext(http);
  std::string roomId;
  if (!target.empty() && target.front() == '#') {
    if (!rooms::isValidRoomAlias(target))
      return fail(ErrorCode::kInvalidParam, "Invalid room alias");
    auto alias = deps.roomserver->queryRoomIdForAlias(ctx, target);
    if (!alias.ok()) return fail(ErrorCode::kNotFound, "Room not found");
    roomId = alias->roomId;
  } else if (isValidRoomId(target)) {
    roomId = target;
  } else {
    return fail(ErrorCode::kInvalidParam, "Expected a room ID or a room alias");
  }
  auto info = loadRoomInfo(deps, ctx, roomId);
  // SPEC: an unknown room and a room the caller may not see are both 404 M_NOT_FOUND.
  if (!info.ok()) return fail(ErrorCode::kNotFound, "Room not found");
  PLEXUS_TRY(bool visible, maySeeRoom(deps, ctx, *info, userId));
  if (!visible) return fail(ErrorCode::kNotFound, "Room not found");

  json::Object body = publishedRoomChunk(*info);
  body.set("room_version", json::Value(info->roomVersion));
  if (info->encryption) body.set("encryption", json::Value(*info->encryption));
  if (!info->allowedRoomIds.empty()) {
    json::Array allowed;
    for (const auto& id : info->allowedRoomIds) allowed.push_back(json::Value(id));
    body.set("allowed_room_ids", std::move(allowed));
  }
  if (!userId.empty()) {
    PLEXUS_TRY(auto membership, deps.roomserver->queryMembership(ctx, roomId, userId));
    body.set("membership", json::Value(membership ? membership->membership : std::string("leave")));
  }
  return json::Value(std::move(body));
}

Result<json::Value> getMutualRooms(ClientApiDeps& deps, const http::Request& http,
                                   const Requester& who) {
  PLEXUS_TRY_VOID(rooms::needRoomserver(deps));
  auto other = http.query.get("user_id");
  if (!other) return fail(ErrorCode::kMissingParam, "user_id is required");
  std::string otherId(*other);
  if (!isValidUserId(otherId))
    return fail(ErrorCode::kInvalidParam, "The user ID provided was invalid");
  // `from` is the spec's name; MSC2666 drafts (and some clients) say batch_token.
  std::string from = rooms::queryString(http, "from");
  if (from.empty()) from = rooms::queryString(http, "batch_token");
  if (!from.empty() && !isValidRoomId(from))
    return fail(ErrorCode::kInvalidParam, "Invalid pagination token");

  const CallContext ctx = callContext(http);
  PLEXUS_TRY(auto mine, deps.roomserver->queryRoomsForUser(ctx, who.userId, "join"));
  PLEXUS_TRY(auto theirs, deps.roomserver->queryRoomsForUser(ctx, otherId, "join"));
  std::set<std::string> theirSet(theirs.begin(), theirs.end());
  std::vector<std::string> shared;
  for (auto& roomId : mine) {
    if (theirSet.count(roomId)) shared.push_back(std::move(roomId));
  }
  std::sort(shared.begin(), shared.end());
  shared.erase(std::unique(shared.begin(), shared.end()), shared.end());

  // The token is the first room ID of the next page: pages stay stable while rooms come and go.
  auto begin = from.empty() ? shared.begin() : std::lower_bound(shared.begin(), shared.end(), from);
  json::Array joined;
  auto it = begin;
  for (; it != shared.end() && joined.size() < static_cast<std::size_t>(kMutualRoomsPageSize);
       ++it) {
    joined.push_back(json::Value(*it));
  }
  json::Object body{{"joined", std::move(joined)},
                    {"count", json::Value(static_cast<std::int64_t>(shared.size()))}};
  if (it != shared.end()) body.set("next_batch", json::Value(*it));
  return json::Value(std::move(body));
}

Result<json::Value> getTimestampToEvent(ClientApiDeps& deps, const http::Request& http,
                                        const Requester& who) {
  PLEXUS_TRY_VOID(rooms::needRoomserver(deps));
  PLEXUS_TRY_VOID(rooms::needSync(deps));
  PLEXUS_TRY(std::string roomId, rooms::roomIdParam(http));
  PLEXUS_TRY(auto ts, queryInt(http, "ts"));
  if (!ts) return fail(ErrorCode::kMissingParam, "ts is required");
  if (!http.query.get("dir")) return fail(ErrorCode::kMissingParam, "dir is required");
  PLEXUS_TRY(char dir, rooms::queryDir(http, 'f'));
  const CallContext ctx = callContext(http);
  PLEXUS_TRY(rooms::RoomAccess access, rooms::readableRoomAccess(deps, ctx, roomId, who.userId));
  (void)access;
  PLEXUS_TRY(json::Object body,
             deps.sync->queryTimestampToEvent(ctx, who.userId, roomId, *ts, dir));
  return json::Value(std::move(body));
}

}  // namespace

Result<RoomInfo> loadRoomInfo(ClientApiDeps& deps, const CallContext& ctx,
                              const std::string& roomId) {
  static const std::vector<roomserver::StateSelector> kSelectors = {
      {"m.room.create", ""},       {"m.room.name", ""},
      {"m.room.topic", ""},        {"m.room.canonical_alias", ""},
      {"m.room.avatar", ""},       {"m.room.join_rules", ""},
      {"m.room.guest_access", ""}, {"m.room.history_visibility", ""},
      {"m.room.encryption", ""},   {"m.space.child", std::nullopt},
  };
  PLEXUS_TRY(auto state, deps.roomserver->queryCurrentState(ctx, roomId, kSelectors));
  RoomInfo info;
  info.roomId = roomId;
  for (auto& event : state) {
    const std::string_view type = event.pdu.type();
    if (type == "m.room.create") {
      info.roomType = contentString(event, "type");
    } else if (type == "m.room.name") {
      info.name = contentString(event, "name");
    } else if (type == "m.room.topic") {
      info.topic = contentString(event, "topic");
    } else if (type == "m.room.canonical_alias") {
      info.canonicalAlias = contentString(event, "alias");
    } else if (type == "m.room.avatar") {
      info.avatarUrl = contentString(event, "url");
    } else if (type == "m.room.join_rules") {
      if (auto rule = contentString(event, "join_rule")) info.joinRule = *rule;
      if (const json::Value* allow = event.pdu.content().find("allow");
          allow && allow->getArray()) {
        for (const json::Value& condition : *allow->getArray()) {
          if (condition.getStringAt("type") != std::optional<std::string_view>("m.room_membership"))
            continue;
          if (auto id = condition.getStringAt("room_id")) info.allowedRoomIds.emplace_back(*id);
        }
      }
    } else if (type == "m.room.guest_access") {
      info.guestCanJoin =
          contentString(event, "guest_access") == std::optional<std::string>("can_join");
    } else if (type == "m.room.history_visibility") {
      info.worldReadable = contentString(event, "history_visibility") ==
                           std::optional<std::string>("world_readable");
    } else if (type == "m.room.encryption") {
      info.encryption = contentString(event, "algorithm");
    } else if (type == "m.space.child" && isLiveSpaceChild(event)) {
      info.spaceChildren.push_back(std::move(event));
    }
  }
  // Empty names and topics are unset ones.
  if (info.name && info.name->empty()) info.name.reset();
  if (info.topic && info.topic->empty()) info.topic.reset();
  PLEXUS_TRY(info.roomVersion, deps.roomserver->queryRoomVersion(ctx, roomId));
  PLEXUS_TRY(auto members, deps.roomserver->queryJoinedMembers(ctx, roomId));
  info.numJoinedMembers = static_cast<std::int64_t>(members.size());
  return info;
}

json::Object publishedRoomChunk(const RoomInfo& info) {
  json::Object chunk{{"room_id", json::Value(info.roomId)},
                     {"num_joined_members", json::Value(info.numJoinedMembers)},
                     {"world_readable", json::Value(info.worldReadable)},
                     {"guest_can_join", json::Value(info.guestCanJoin)},
                     {"join_rule", json::Value(info.joinRule)}};
  if (info.name) chunk.set("name", json::Value(*info.name));
  if (info.topic) chunk.set("topic", json::Value(*info.topic));
  if (info.canonicalAlias) chunk.set("canonical_alias", json::Value(*info.canonicalAlias));
  if (info.avatarUrl) chunk.set("avatar_url", json::Value(*info.avatarUrl));
  if (info.roomType) chunk.set("room_type", json::Value(*info.roomType));
  return chunk;
}

Result<bool> maySeeRoom(ClientApiDeps& deps, const CallContext& ctx, const RoomInfo& info,
                        const std::string& userId) {
  if (!userId.empty()) {
    PLEXUS_TRY(auto membership, deps.roomserver->queryMembership(ctx, info.roomId, userId));
    if (membership) {
      const std::string& m = membership->membership;
      if (m == "join" || m == "invite" || m == "knock") return true;
      if (m == "ban") return false;
    }
  }
  if (info.worldReadable) return true;
  if (info.joinRule == "public" || info.joinRule == "knock" ||
      info.joinRule == "knock_restricted") {
    return true;
  }
  if (!userId.empty() && (info.joinRule == "restricted")) {
    for (const auto& allowed : info.allowedRoomIds) {
      auto membership = deps.roomserver->queryMembership(ctx, allowed, userId);
      if (membership.ok() && *membership && (*membership)->membership == "join") return true;
    }
  }
  return false;
}

void registerRoomInfoRoutes(http::Router& router, ClientApiDeps& deps) {
  // SPEC: authentication is optional; without a token only rooms anyone may see are described.
  addOpenRoute(router, deps, "GET", "/_matrix/client/v1/room_summary/{roomIdOrAlias}",
               [&deps](const http::Request& request) {
                 std::string userId;
                 if (accessTokenOf(request)) {
                   auto who = authenticate(deps, request);
                   if (!who.ok()) return errorResponse(who.error());
                   userId = who->userId;
                 }
                 return rooms::respond(getRoomSummary(deps, request, userId));
               },
               {.allowGuests = true});

  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/mutual_rooms",
                 rooms::jsonRoute(deps, getMutualRooms));
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/rooms/{roomId}/timestamp_to_event",
                 rooms::jsonRoute(deps, getTimestampToEvent), {.allowGuests = true});
}

}  // namespace gaps
}  // namespace plexus::clientapi
