// Membership helpers: join, invite, leave, kick, ban, unban and forget, each one m.room.member
// event (forget only flips a per-user flag). Knocks are in remote_knock.cc.
#include "roomserver/impl/identifiers.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {

Result<std::string> RoomserverService::resolveRoom(const std::string& roomIdOrAlias) {
  if (!roomIdOrAlias.empty() && roomIdOrAlias.front() == '!') return roomIdOrAlias;
  if (!isRoomAlias(roomIdOrAlias)) {
    return fail(ErrorCode::kInvalidParam, "not a room ID or alias: " + roomIdOrAlias);
  }
  PLEXUS_TRY(auto alias, store_.alias(db_, roomIdOrAlias));
  if (!alias) return fail(ErrorCode::kNotFound, "unknown room alias " + roomIdOrAlias);
  return alias->roomId;
}

Result<SendEventResponse> RoomserverService::sendMember(
    const CallContext& ctx, const std::string& roomId, const std::string& sender,
    const std::string& target, const std::string& membership,
    const std::optional<std::string>& reason, bool withProfile, bool isDirect,
    const std::optional<std::string>& requiredTargetMembership) {
  if (!isUserId(target)) return fail(ErrorCode::kInvalidParam, "invalid user ID " + target);
  // The profile is looked up before taking the room lock: it may be slow.
  Profile profile = withProfile ? profiles_(ctx, target) : Profile{};
  PLEXUS_TRY(LockedRoom room, lockRoom(roomId));
  auto current = room.head().membershipOf(target);
  if (requiredTargetMembership && current != requiredTargetMembership) {
    return fail(ErrorCode::kForbidden, target + " is not " +
                                           (*requiredTargetMembership == "ban" ? "banned" : "in the room"));
  }
  json::Object content{{"membership", membership}};
  if (reason) content.set("reason", *reason);
  if (profile.displayName) content.set("displayname", *profile.displayName);
  if (profile.avatarUrl) content.set("avatar_url", *profile.avatarUrl);
  if (isDirect) content.set("is_direct", true);
  EventDraft draft{sender, "m.room.member", target, std::move(content), std::nullopt};
  return sendLocked(room, draft, std::nullopt);
}

Result<SendEventResponse> RoomserverService::performInvite(const CallContext& ctx,
                                                           const MembershipChangeRequest& request) {
  if (isUserId(request.target) && serverOf(request.target) != identity_.serverName &&
      federation_.load()) {
    return performRemoteInvite(ctx, request);
  }
  return sendMember(ctx, request.roomId, request.sender, request.target, "invite", request.reason,
                    true, request.isDirect);
}

Result<SendEventResponse> RoomserverService::performLeave(const CallContext& ctx,
                                                          const std::string& roomId,
                                                          const std::string& userId,
                                                          const std::optional<std::string>& reason) {
  // An invite to a room this server is not in is rejected through the inviting server; a knock
  // on such a room (kept the same way, remote_knock.cc) is withdrawn through the server that
  // took it.
  if (federation_.load()) {
    PLEXUS_TRY(auto invite, store_.remoteInvite(db_, roomId, userId));
    if (invite) {
      PLEXUS_TRY(bool current, remoteInviteIsCurrent(*invite));
      PLEXUS_TRY(auto room, store_.room(db_, roomId));
      bool resident = false;
      if (room) {
        PLEXUS_TRY(resident, hasLocalMember(room->roomNid));
      }
      if (current && !resident) return rejectRemoteInvite(ctx, *invite, reason);
    }
  }
  return sendMember(ctx, roomId, userId, userId, "leave", reason, false);
}

Result<SendEventResponse> RoomserverService::performKick(const CallContext& ctx,
                                                         const MembershipChangeRequest& request) {
  // A kick of a banned user would lift the ban; kicking someone who is not there does nothing.
  PLEXUS_TRY(auto membership, queryMembership(ctx, request.roomId, request.target));
  if (!membership || (membership->membership != "join" && membership->membership != "invite" &&
                      membership->membership != "knock")) {
    return fail(ErrorCode::kForbidden, request.target + " is not in the room");
  }
  return sendMember(ctx, request.roomId, request.sender, request.target, "leave", request.reason,
                    false, false, membership->membership);
}

Result<SendEventResponse> RoomserverService::performBan(const CallContext& ctx,
                                                        const MembershipChangeRequest& request) {
  return sendMember(ctx, request.roomId, request.sender, request.target, "ban", request.reason,
                    false);
}

Result<SendEventResponse> RoomserverService::performUnban(const CallContext& ctx,
                                                          const MembershipChangeRequest& request) {
  return sendMember(ctx, request.roomId, request.sender, request.target, "leave", request.reason,
                    false, false, std::string("ban"));
}

Status RoomserverService::performForget(const CallContext&, const std::string& roomId,
                                        const std::string& userId) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  PLEXUS_TRY(auto membership, store_.membership(db_, room.roomNid, userId));
  if (!membership) return fail(ErrorCode::kNotFound, userId + " was never in " + roomId);
  if (membership->membership != "leave" && membership->membership != "ban") {
    return fail(ErrorCode::kInvalidParam, "leave the room before forgetting it");
  }
  return store_.setForgotten(db_, room.roomNid, userId);
}

}  // namespace plexus::roomserver
