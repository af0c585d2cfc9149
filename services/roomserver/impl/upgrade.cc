// performUpgradeRoom (spec: client-server API "Room Upgrades", server behaviour): a replacement
// room with the important state copied, a tombstone in the old room and the old room's power
// levels restricted so that ordinary users can no longer talk there.
#include <algorithm>

#include "plexus/eventauth/power_levels.h"
#include "plexus/storage/errors.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

// SPEC: "Room Upgrades": the state the server copies to the replacement room.
constexpr std::string_view kCopiedState[] = {
    "m.room.join_rules", "m.room.history_visibility", "m.room.guest_access", "m.room.name",
    "m.room.topic",      "m.room.avatar",             "m.room.encryption",   "m.room.server_acl",
    "m.room.canonical_alias"};

}  // namespace

Result<UpgradeRoomResponse> RoomserverService::performUpgradeRoom(const CallContext& ctx,
                                                                  const UpgradeRoomRequest& request) {
  const events::RoomVersion* version = events::findRoomVersion(request.newVersion);
  if (!version || version->eventIdsInEvents) {
    return fail(ErrorCode::kUnsupportedRoomVersion, "unsupported room version " + request.newVersion);
  }
  PLEXUS_TRY(LockedRoom old, lockRoom(request.roomId));
  const RoomState& oldHead = old.head();
  const events::Pdu* oldCreate = oldHead.find("m.room.create", "");
  if (!oldCreate) return fail(ErrorCode::kInternal, "room has no create event");
  const events::Pdu* oldLevelsEvent = oldHead.find("m.room.power_levels", "");
  PLEXUS_TRY(auto levels, eventauth::PowerLevels::fromState(*oldCreate, oldLevelsEvent));
  if (levels.userLevel(request.userId) < levels.eventLevel("m.room.tombstone", true)) {
    return fail(ErrorCode::kForbidden, "you may not upgrade this room");
  }

  // The replacement room.
  json::Object createContent;
  createContent.set("room_version", std::string(version->id));
  if (!version->implicitRoomCreator) createContent.set("creator", request.userId);
  if (const json::Value* type = oldCreate->content().find("type")) createContent.set("type", *type);
  if (const json::Value* fed = oldCreate->content().find("m.federate")) {
    createContent.set("m.federate", *fed);
  }
  if (version->privilegedCreators) {
    if (const json::Value* extra = oldCreate->content().find("additional_creators")) {
      createContent.set("additional_creators", *extra);
    }
  }
  json::Object predecessor{{"room_id", request.roomId}};
  if (!oldHead.extremities.empty()) predecessor.set("event_id", oldHead.extremities.front().eventId);
  createContent.set("predecessor", std::move(predecessor));
  PLEXUS_TRY(auto started, startNewRoom(version, request.userId, createContent));
  RoomWriter& writer = *started;
  auto add = [&](std::string type, std::string stateKey, json::Object content) -> Status {
    EventDraft draft{request.userId, std::move(type), std::move(stateKey), std::move(content), {}};
    PLEXUS_TRY_VOID(writer.append(draft));
    return {};
  };

  Profile profile = profiles_(ctx, request.userId);
  json::Object join{{"membership", "join"}};
  if (profile.displayName) join.set("displayname", *profile.displayName);
  if (profile.avatarUrl) join.set("avatar_url", *profile.avatarUrl);
  PLEXUS_TRY_VOID(add("m.room.member", request.userId, std::move(join)));

  // NOTSPEC: one power-levels event instead of a temporary raise and a restore: the upgrader
  // keeps at least 100 (or, in v12+, is the creator and is left out of `users`).
  json::Object pl = oldLevelsEvent ? oldLevelsEvent->content() : json::Object{};
  json::Object users;
  if (const json::Value* u = pl.find("users"); u && u->getObject()) users = *u->getObject();
  if (version->privilegedCreators) {
    users.erase(request.userId);
    if (const json::Value* extra = oldCreate->content().find("additional_creators");
        extra && extra->getArray() && version->privilegedCreators) {
      for (const auto& id : *extra->getArray()) {
        if (id.getString()) users.erase(*id.getString());
      }
    }
  } else {
    std::int64_t current = 0;
    if (const json::Value* v = users.find(request.userId); v && v->getInt()) current = *v->getInt();
    users.set(request.userId, std::max<std::int64_t>(current, 100));
  }
  pl.set("users", std::move(users));
  PLEXUS_TRY_VOID(add("m.room.power_levels", "", std::move(pl)));
  for (std::string_view type : kCopiedState) {
    if (const events::Pdu* e = oldHead.find(type, "")) {
      PLEXUS_TRY_VOID(add(std::string(type), "", e->content()));
    }
  }
  std::string newRoomId = writer.head().roomId;
  PLEXUS_TRY(auto aliases, store_.aliasesForRoom(db_, request.roomId));
  {
    auto entry = entryFor(newRoomId);
    std::unique_lock lock(entry->mutex);
    PLEXUS_TRY(auto oldRoom, roomOrNotFound(request.roomId));
    auto moveAliases = [&](storage::Transaction& tx, std::int64_t roomNid) -> Status {
      // SPEC: "Room Upgrades": local aliases move to the new room; so does directory listing.
      for (const auto& alias : aliases) {
        PLEXUS_TRY(auto row, store_.alias(tx, alias));
        if (!row) continue;
        PLEXUS_TRY_VOID(store_.removeAlias(tx, alias));
        PLEXUS_TRY_VOID(store_.insertAlias(tx, AliasRow{alias, newRoomId, row->creator}));
      }
      if (oldRoom.published) {
        PLEXUS_TRY_VOID(store_.setPublished(tx, oldRoom.roomNid, false));
        PLEXUS_TRY_VOID(store_.setPublished(tx, roomNid, true));
      }
      return {};
    };
    PLEXUS_TRY_VOID(writer.commit(db_, moveAliases));
    writer.publish();
    entry->head = writer.takeHead();
  }

  // The old room: tombstone, then restricted power levels.
  RoomWriter oldWriter(writerDeps(), oldHead);
  PLEXUS_TRY_VOID(oldWriter.append(EventDraft{
      request.userId, "m.room.tombstone", std::string(),
      json::Object{{"body", "This room has been replaced"}, {"replacement_room", newRoomId}},
      std::nullopt}));
  json::Object restricted = oldLevelsEvent ? oldLevelsEvent->content() : json::Object{};
  std::int64_t usersDefault = levels.usersDefault();
  std::int64_t needed = std::max<std::int64_t>(50, usersDefault + 1);
  restricted.set("events_default", std::max(levels.eventsDefault(), needed));
  restricted.set("invite", std::max(levels.invite(), needed));
  auto restrictedSent = oldWriter.append(EventDraft{request.userId, "m.room.power_levels",
                                                    std::string(), std::move(restricted),
                                                    std::nullopt});
  (void)restrictedSent;  // best effort: the upgrader may lack power-levels power
  PLEXUS_TRY_VOID(oldWriter.commit(db_));
  oldWriter.publish();
  old.entry->head = oldWriter.takeHead();
  return UpgradeRoomResponse{newRoomId};
}

}  // namespace plexus::roomserver
