// performCreateRoom: the events of a new room in the order of the spec's createRoom section
// (client-server API "Creation"), written in one transaction.
#include <algorithm>

#include "plexus/storage/errors.h"
#include "roomserver/impl/identifiers.h"
#include "plexus/log/log.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

// SPEC: client-server API "POST /createRoom": the power levels the server sends by default,
// before power_level_content_override is applied on top (top-level keys replace).
json::Object defaultPowerLevels(const events::RoomVersion& version, const std::string& creator,
                                Preset preset, const std::vector<std::string>& invitees) {
  json::Object users;
  // SPEC: rooms/v12 (MSC4289): creators have infinite power and are not listed in users.
  if (!version.privilegedCreators) {
    users.set(creator, 100);
    if (preset == Preset::kTrustedPrivateChat) {
      for (const auto& id : invitees) users.set(id, 100);
    }
  }
  json::Object eventLevels{
      {"m.room.avatar", 50},           {"m.room.canonical_alias", 50},
      {"m.room.encryption", 100},      {"m.room.history_visibility", 100},
      {"m.room.name", 50},             {"m.room.power_levels", 100},
      {"m.room.server_acl", 100},      {"m.room.tombstone", 100},
  };
  return json::Object{
      {"users", std::move(users)},
      {"users_default", 0},
      {"events", std::move(eventLevels)},
      {"events_default", 0},
      {"state_default", 50},
      {"ban", 50},
      {"kick", 50},
      {"redact", 50},
      {"invite", preset == Preset::kPublicChat ? 50 : 0},
      {"notifications", json::Object{{"room", 50}}},
  };
}

bool hasInitialState(const CreateRoomRequest& r, std::string_view type) {
  return std::any_of(r.initialState.begin(), r.initialState.end(),
                     [&](const StateEventSpec& s) { return s.type == type && s.stateKey.empty(); });
}

}  // namespace

Result<CreateRoomResponse> RoomserverService::performCreateRoom(const CallContext& ctx,
                                                                const CreateRoomRequest& request) {
  const events::RoomVersion* version = request.roomVersion
                                           ? events::findRoomVersion(*request.roomVersion)
                                           : &events::defaultRoomVersion();
  // NOTSPEC: v1-v2 rooms (event IDs inside events) are not created locally; they remain
  // joinable over federation once that exists.
  if (!version || version->eventIdsInEvents) {
    return fail(ErrorCode::kUnsupportedRoomVersion,
                "unsupported room version " + request.roomVersion.value_or(""));
  }
  if (!isUserId(request.creator)) return fail(ErrorCode::kInvalidParam, "invalid creator");
  for (const auto& id : request.invite) {
    if (!isUserId(id)) return fail(ErrorCode::kInvalidParam, "invalid user ID to invite: " + id);
  }
  std::optional<std::string> alias;
  if (request.roomAliasName) {
    const std::string& name = *request.roomAliasName;
    if (name.empty() || name.find_first_of(":# \t\r\n") != std::string::npos) {
      return fail(ErrorCode::kInvalidParam, "invalid room_alias_name");
    }
    alias = "#" + name + ":" + identity_.serverName;
    PLEXUS_TRY(auto existing, store_.alias(db_, *alias));
    if (existing) return fail(ErrorCode::kRoomInUse, "room alias " + *alias + " is taken");
  }
  for (const auto& s : request.initialState) {
    if (s.type == "m.room.create") {
      return fail(ErrorCode::kInvalidParam, "initial_state cannot hold m.room.create");
    }
  }
  Preset preset = request.preset.value_or(request.visibility == Visibility::kPublic
                                              ? Preset::kPublicChat
                                              : Preset::kPrivateChat);

  // 1. m.room.create
  json::Object createContent = request.creationContent.value_or(json::Object{});
  createContent.set("room_version", std::string(version->id));
  if (!version->implicitRoomCreator) createContent.set("creator", request.creator);
  if (version->privilegedCreators && preset == Preset::kTrustedPrivateChat &&
      !request.invite.empty()) {
    // SPEC: MSC4289: with trusted_private_chat the invitees become additional creators.
    json::Array extra;
    if (const json::Value* given = createContent.find("additional_creators")) {
      if (!given->getArray()) return fail(ErrorCode::kInvalidParam, "additional_creators");
      extra = *given->getArray();
    }
    for (const auto& id : request.invite) {
      if (id != request.creator && std::find(extra.begin(), extra.end(), json::Value(id)) == extra.end()) {
        extra.emplace_back(id);
      }
    }
    createContent.set("additional_creators", std::move(extra));
  }
  auto started = startNewRoom(version, request.creator, createContent);
  if (!started.ok()) {
    Error e = std::move(started).takeError();
    if (e.code == ErrorCode::kForbidden) e.code = ErrorCode::kInvalidParam;  // bad creation_content
    return e;
  }
  RoomWriter& writer = *started.value();
  auto add = [&](std::string type, std::optional<std::string> stateKey,
                 json::Object content) -> Status {
    EventDraft draft{request.creator, std::move(type), std::move(stateKey), std::move(content), {}};
    PLEXUS_TRY_VOID(writer.append(draft));
    return {};
  };
  auto addState = [&](std::string type, json::Object content) {
    return add(std::move(type), std::string(), std::move(content));
  };

  // 2. The creator's join.
  Profile profile = profiles_(ctx, request.creator);
  json::Object join{{"membership", "join"}};
  if (profile.displayName) join.set("displayname", *profile.displayName);
  if (profile.avatarUrl) join.set("avatar_url", *profile.avatarUrl);
  PLEXUS_TRY_VOID(add("m.room.member", request.creator, std::move(join)));

  // 3. Power levels with the override.
  json::Object levels = defaultPowerLevels(*version, request.creator, preset, request.invite);
  if (request.powerLevelContentOverride) {
    for (const auto& [key, value] : *request.powerLevelContentOverride) levels.set(key, value);
  }
  PLEXUS_TRY_VOID(addState("m.room.power_levels", std::move(levels)));

  // 4. Canonical alias.
  if (alias) PLEXUS_TRY_VOID(addState("m.room.canonical_alias", json::Object{{"alias", *alias}}));

  // 5. The preset's events, unless initial_state sets them.
  const char* joinRule = preset == Preset::kPublicChat ? "public" : "invite";
  if (!hasInitialState(request, "m.room.join_rules")) {
    PLEXUS_TRY_VOID(addState("m.room.join_rules", json::Object{{"join_rule", joinRule}}));
  }
  if (!hasInitialState(request, "m.room.history_visibility")) {
    PLEXUS_TRY_VOID(addState("m.room.history_visibility",
                             json::Object{{"history_visibility", "shared"}}));
  }
  if (preset != Preset::kPublicChat && !hasInitialState(request, "m.room.guest_access")) {
    PLEXUS_TRY_VOID(addState("m.room.guest_access", json::Object{{"guest_access", "can_join"}}));
  }

  // 6. initial_state.
  for (const auto& s : request.initialState) {
    PLEXUS_TRY_VOID(add(s.type, s.stateKey, s.content));
  }

  // 7-8. Name and topic.
  if (request.name) PLEXUS_TRY_VOID(addState("m.room.name", json::Object{{"name", *request.name}}));
  if (request.topic) {
    json::Object topicBlock{{"m.text", json::Array{json::Object{{"body", *request.topic}}}}};
    PLEXUS_TRY_VOID(addState("m.room.topic", json::Object{{"topic", *request.topic},
                                                          {"m.topic", std::move(topicBlock)}}));
  }

  // 9. Invites. Users of other servers are invited after the commit: their server must sign
  // the invite first (performInvite runs the invite handshake).
  std::vector<std::string> remoteInvitees;
  for (const auto& id : request.invite) {
    if (id.substr(id.find(':') + 1) != identity_.serverName) {
      remoteInvitees.push_back(id);
      continue;
    }
    json::Object invite{{"membership", "invite"}};
    if (request.isDirect) invite.set("is_direct", true);
    Profile p = profiles_(ctx, id);
    if (p.displayName) invite.set("displayname", *p.displayName);
    if (p.avatarUrl) invite.set("avatar_url", *p.avatarUrl);
    PLEXUS_TRY_VOID(add("m.room.member", id, std::move(invite)));
  }

  std::string roomId = writer.head().roomId;
  auto entry = entryFor(roomId);
  std::unique_lock lock(entry->mutex);
  bool published = request.visibility == Visibility::kPublic;
  auto committed = writer.commit(db_, [&](storage::Transaction& tx, std::int64_t roomNid) -> Status {
    if (alias) PLEXUS_TRY_VOID(store_.insertAlias(tx, AliasRow{*alias, roomId, request.creator}));
    if (published) PLEXUS_TRY_VOID(store_.setPublished(tx, roomNid, true));
    return {};
  });
  if (!committed.ok()) {
    if (storage::isUniqueViolation(committed.error())) {
      return fail(ErrorCode::kRoomInUse, "room alias or room ID is taken");
    }
    return std::move(committed).takeError();
  }
  writer.publish();
  entry->head = writer.takeHead();
  lock.unlock();
  for (const auto& id : remoteInvitees) {
    MembershipChangeRequest invite;
    invite.roomId = roomId;
    invite.sender = request.creator;
    invite.target = id;
    invite.isDirect = request.isDirect;
    // The room exists either way (as with other servers): an unreachable invitee's server only
    // costs that invite.
    auto sent = performInvite(ctx, invite);
    if (!sent.ok())
      log::warn("createRoom: remote invite failed",
                {{"room_id", roomId}, {"user_id", id}, {"error", sent.error().message}});
  }
  return CreateRoomResponse{roomId, alias};
}

}  // namespace plexus::roomserver
