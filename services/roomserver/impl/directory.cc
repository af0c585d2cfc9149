// Room aliases and the public room directory.
#include <algorithm>
#include <cctype>

#include "plexus/eventauth/power_levels.h"
#include "plexus/storage/errors.h"
#include "roomserver/impl/identifiers.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

std::optional<std::string> contentString(const RoomEvent& e, std::string_view key) {
  const json::Value* v = e.pdu.content().find(key);
  if (!v || !v->getString()) return std::nullopt;
  return *v->getString();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool matches(const PublicRoom& room, const std::string& term) {
  std::string needle = lower(term);
  for (const auto* field : {&room.name, &room.topic, &room.canonicalAlias}) {
    if (*field && lower(**field).find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

// --- Aliases ---

Status RoomserverService::performSetRoomAlias(const CallContext&, const std::string& alias,
                                              const std::string& roomId,
                                              const std::string& creator) {
  if (!isRoomAlias(alias)) return fail(ErrorCode::kInvalidParam, "invalid room alias " + alias);
  if (serverOf(alias) != identity_.serverName) {
    return fail(ErrorCode::kInvalidParam, "room alias must be on this server");
  }
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  auto inserted = store_.insertAlias(db_, AliasRow{alias, room.roomId, creator});
  if (storage::isUniqueViolation(inserted)) {
    return fail(ErrorCode::kConflict, "room alias " + alias + " already exists");
  }
  return inserted;
}

Status RoomserverService::performRemoveRoomAlias(const CallContext&, const std::string& alias,
                                                 const std::string& requester) {
  PLEXUS_TRY(auto row, store_.alias(db_, alias));
  if (!row) return fail(ErrorCode::kNotFound, "unknown room alias " + alias);
  if (row->creator != requester) {
    // SPEC: client-server API "DELETE /directory/room/{roomAlias}": besides the creator, users
    // who may change the room's canonical alias may remove it.
    PLEXUS_TRY(LockedRoom room, lockRoom(row->roomId));
    const RoomState& head = room.head();
    const events::Pdu* create = head.find("m.room.create", "");
    if (!create) return fail(ErrorCode::kInternal, "room has no create event");
    PLEXUS_TRY(auto levels,
               eventauth::PowerLevels::fromState(*create, head.find("m.room.power_levels", "")));
    if (levels.userLevel(requester) < levels.eventLevel("m.room.canonical_alias", true)) {
      return fail(ErrorCode::kForbidden, "only the alias creator or a room admin may remove it");
    }
  }
  PLEXUS_TRY(bool removed, store_.removeAlias(db_, alias));
  if (!removed) return fail(ErrorCode::kNotFound, "unknown room alias " + alias);
  return {};
}

Result<AliasInfo> RoomserverService::queryRoomIdForAlias(const CallContext&,
                                                         const std::string& alias) {
  PLEXUS_TRY(auto row, store_.alias(db_, alias));
  if (!row) return fail(ErrorCode::kNotFound, "unknown room alias " + alias);
  return AliasInfo{row->roomId, {identity_.serverName}};
}

Result<std::vector<std::string>> RoomserverService::queryAliasesForRoom(const CallContext&,
                                                                        const std::string& roomId) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  return store_.aliasesForRoom(db_, room.roomId);
}

// --- Directory ---

Status RoomserverService::performSetRoomVisibility(const CallContext&, const std::string& roomId,
                                                   Visibility visibility) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  return store_.setPublished(db_, room.roomNid, visibility == Visibility::kPublic);
}

Result<Visibility> RoomserverService::queryRoomVisibility(const CallContext&,
                                                          const std::string& roomId) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  return room.published ? Visibility::kPublic : Visibility::kPrivate;
}

Result<PublicRoom> RoomserverService::describePublicRoom(const StoredRoom& room) {
  CallContext ctx;
  PLEXUS_TRY(auto state, queryCurrentState(ctx, room.roomId,
                                           {{"m.room.create", ""},
                                            {"m.room.name", ""},
                                            {"m.room.topic", ""},
                                            {"m.room.canonical_alias", ""},
                                            {"m.room.avatar", ""},
                                            {"m.room.join_rules", ""},
                                            {"m.room.history_visibility", ""},
                                            {"m.room.guest_access", ""}}));
  PublicRoom out;
  out.roomId = room.roomId;
  for (const auto& e : state) {
    std::string_view type = e.pdu.type();
    if (type == "m.room.create") out.roomType = contentString(e, "type");
    if (type == "m.room.name") out.name = contentString(e, "name");
    if (type == "m.room.topic") out.topic = contentString(e, "topic");
    if (type == "m.room.canonical_alias") out.canonicalAlias = contentString(e, "alias");
    if (type == "m.room.avatar") out.avatarUrl = contentString(e, "url");
    if (type == "m.room.join_rules") out.joinRule = contentString(e, "join_rule");
    if (type == "m.room.history_visibility") {
      out.worldReadable = contentString(e, "history_visibility") == "world_readable";
    }
    if (type == "m.room.guest_access") out.guestCanJoin = contentString(e, "guest_access") == "can_join";
  }
  PLEXUS_TRY(auto joined, store_.membersWith(db_, room.roomNid, "join"));
  out.numJoinedMembers = static_cast<std::int64_t>(joined.size());
  return out;
}

Result<PublicRoomsResponse> RoomserverService::queryPublicRooms(const CallContext&,
                                                                const PublicRoomsRequest& request) {
  // Tokens are offsets into the ordered list; the list is small enough to build per request.
  std::size_t offset = 0;
  if (request.since && !request.since->empty()) {
    const std::string& token = *request.since;
    if (token.size() > 12 ||
        !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail(ErrorCode::kInvalidParam, "invalid since token");
    }
    offset = std::stoull(token);
  }
  PLEXUS_TRY(auto rooms, store_.publishedRooms(db_));
  std::vector<PublicRoom> all;
  for (const auto& room : rooms) {
    PLEXUS_TRY(PublicRoom described, describePublicRoom(room));
    if (request.genericSearchTerm && !request.genericSearchTerm->empty() &&
        !matches(described, *request.genericSearchTerm)) {
      continue;
    }
    all.push_back(std::move(described));
  }
  std::sort(all.begin(), all.end(), [](const PublicRoom& a, const PublicRoom& b) {
    if (a.numJoinedMembers != b.numJoinedMembers) return a.numJoinedMembers > b.numJoinedMembers;
    return a.roomId < b.roomId;
  });
  PublicRoomsResponse out;
  out.totalRoomCountEstimate = static_cast<std::int64_t>(all.size());
  std::size_t limit = all.size();
  if (request.limit && *request.limit > 0) limit = static_cast<std::size_t>(*request.limit);
  std::size_t begin = std::min(offset, all.size());
  std::size_t end = std::min(all.size(), begin + limit);
  for (std::size_t i = begin; i < end; ++i) out.chunk.push_back(std::move(all[i]));
  if (end < all.size()) out.nextBatch = std::to_string(end);
  if (begin > 0) out.prevBatch = std::to_string(begin > limit ? begin - limit : 0);
  return out;
}

}  // namespace plexus::roomserver
