// ShardedRoomserver (sharded_roomserver.h).
#include "root/sharded_roomserver.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "root/shard_hash.h"

namespace plexus::node {

using namespace roomserver;

namespace {

std::string serverOfId(std::string_view id) {
  auto colon = id.find(':');
  return colon == std::string_view::npos ? std::string() : std::string(id.substr(colon + 1));
}

}  // namespace

ShardedRoomserver::ShardedRoomserver(std::vector<RoomserverApi*> shards, std::string serverName,
                                     AliasResolver resolveRemoteAlias)
    : shards_(std::move(shards)),
      serverName_(std::move(serverName)),
      resolveRemoteAlias_(std::move(resolveRemoteAlias)) {}

RoomserverApi& ShardedRoomserver::shardFor(std::string_view roomId) {
  return *shards_[shardOf(roomId, shards_.size())];
}

template <typename T, typename Call>
Result<T> ShardedRoomserver::firstFound(Call call) {
  std::optional<Error> last;
  for (RoomserverApi* shard : shards_) {
    Result<T> r = call(*shard);
    if (r.ok()) return r;
    if (r.error().code != ErrorCode::kNotFound) return r;
    last = r.error();
  }
  if (last) return *last;
  return fail(ErrorCode::kNotFound, "not found on any shard");
}

Result<JoinRequest> ShardedRoomserver::resolved(const CallContext& ctx,
                                                const JoinRequest& request) {
  if (request.roomIdOrAlias.empty() || request.roomIdOrAlias.front() != '#') return request;
  JoinRequest out = request;
  if (serverOfId(request.roomIdOrAlias) == serverName_ || !resolveRemoteAlias_) {
    PLEXUS_TRY(AliasInfo info, queryRoomIdForAlias(ctx, request.roomIdOrAlias));
    out.roomIdOrAlias = info.roomId;
    return out;
  }
  PLEXUS_TRY(AliasInfo info, resolveRemoteAlias_(ctx, request.roomIdOrAlias));
  out.roomIdOrAlias = info.roomId;
  for (const auto& s : info.servers)
    if (std::find(out.serverNames.begin(), out.serverNames.end(), s) == out.serverNames.end())
      out.serverNames.push_back(s);
  return out;
}

Result<CreateRoomResponse> ShardedRoomserver::performCreateRoom(const CallContext& ctx,
                                                                const CreateRoomRequest& request) {
  const std::size_t i = nextCreate_.fetch_add(1, std::memory_order_relaxed) % shards_.size();
  return shards_[i]->performCreateRoom(ctx, request);
}

Result<SendEventResponse> ShardedRoomserver::performSendEvent(const CallContext& ctx,
                                                              const SendEventRequest& request) {
  return shardFor(request.roomId).performSendEvent(ctx, request);
}

Result<JoinResponse> ShardedRoomserver::performJoin(const CallContext& ctx,
                                                    const JoinRequest& request) {
  PLEXUS_TRY(JoinRequest routed, resolved(ctx, request));
  return shardFor(routed.roomIdOrAlias).performJoin(ctx, routed);
}

Result<SendEventResponse> ShardedRoomserver::performInvite(const CallContext& ctx,
                                                           const MembershipChangeRequest& r) {
  return shardFor(r.roomId).performInvite(ctx, r);
}

Result<SendEventResponse> ShardedRoomserver::performLeave(
    const CallContext& ctx, const std::string& roomId, const std::string& userId,
    const std::optional<std::string>& reason) {
  return shardFor(roomId).performLeave(ctx, roomId, userId, reason);
}

Result<SendEventResponse> ShardedRoomserver::performKick(const CallContext& ctx,
                                                         const MembershipChangeRequest& r) {
  return shardFor(r.roomId).performKick(ctx, r);
}

Result<SendEventResponse> ShardedRoomserver::performBan(const CallContext& ctx,
                                                        const MembershipChangeRequest& r) {
  return shardFor(r.roomId).performBan(ctx, r);
}

Result<SendEventResponse> ShardedRoomserver::performUnban(const CallContext& ctx,
                                                          const MembershipChangeRequest& r) {
  return shardFor(r.roomId).performUnban(ctx, r);
}

Result<JoinResponse> ShardedRoomserver::performKnock(const CallContext& ctx,
                                                     const JoinRequest& request) {
  PLEXUS_TRY(JoinRequest routed, resolved(ctx, request));
  return shardFor(routed.roomIdOrAlias).performKnock(ctx, routed);
}

Status ShardedRoomserver::performForget(const CallContext& ctx, const std::string& roomId,
                                        const std::string& userId) {
  return shardFor(roomId).performForget(ctx, roomId, userId);
}

Result<SendEventResponse> ShardedRoomserver::performRedact(const CallContext& ctx,
                                                           const RedactRequest& request) {
  return shardFor(request.roomId).performRedact(ctx, request);
}

Result<UpgradeRoomResponse> ShardedRoomserver::performUpgradeRoom(
    const CallContext& ctx, const UpgradeRoomRequest& request) {
  // The shard creates the replacement with an ID of its own, so both rooms stay together.
  return shardFor(request.roomId).performUpgradeRoom(ctx, request);
}

Status ShardedRoomserver::performSetRoomAlias(const CallContext& ctx, const std::string& alias,
                                              const std::string& roomId,
                                              const std::string& creator) {
  // An alias lives with its room; a taken alias elsewhere must still refuse.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (shards_[i] == &shardFor(roomId)) continue;
    auto existing = shards_[i]->queryRoomIdForAlias(ctx, alias);
    if (existing.ok()) return fail(ErrorCode::kRoomInUse, "room alias " + alias + " is taken");
    if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  }
  return shardFor(roomId).performSetRoomAlias(ctx, alias, roomId, creator);
}

Status ShardedRoomserver::performRemoveRoomAlias(const CallContext& ctx, const std::string& alias,
                                                 const std::string& requester) {
  PLEXUS_TRY(AliasInfo info, queryRoomIdForAlias(ctx, alias));
  return shardFor(info.roomId).performRemoveRoomAlias(ctx, alias, requester);
}

Result<AliasInfo> ShardedRoomserver::queryRoomIdForAlias(const CallContext& ctx,
                                                         const std::string& alias) {
  return firstFound<AliasInfo>(
      [&](RoomserverApi& shard) { return shard.queryRoomIdForAlias(ctx, alias); });
}

Result<std::vector<std::string>> ShardedRoomserver::queryAliasesForRoom(const CallContext& ctx,
                                                                        const std::string& roomId) {
  return shardFor(roomId).queryAliasesForRoom(ctx, roomId);
}

Status ShardedRoomserver::performSetRoomVisibility(const CallContext& ctx,
                                                   const std::string& roomId,
                                                   Visibility visibility) {
  return shardFor(roomId).performSetRoomVisibility(ctx, roomId, visibility);
}

Result<Visibility> ShardedRoomserver::queryRoomVisibility(const CallContext& ctx,
                                                          const std::string& roomId) {
  return shardFor(roomId).queryRoomVisibility(ctx, roomId);
}

Result<PublicRoomsResponse> ShardedRoomserver::queryPublicRooms(const CallContext& ctx,
                                                                const PublicRoomsRequest& request) {
  // Every shard's published rooms, merged in the directory's order; the token is an offset.
  PublicRoomsRequest all;
  all.genericSearchTerm = request.genericSearchTerm;
  std::vector<PublicRoom> rooms;
  std::int64_t estimate = 0;
  for (RoomserverApi* shard : shards_) {
    PLEXUS_TRY(PublicRoomsResponse part, shard->queryPublicRooms(ctx, all));
    estimate += part.totalRoomCountEstimate;
    for (auto& room : part.chunk) rooms.push_back(std::move(room));
  }
  std::sort(rooms.begin(), rooms.end(), [](const PublicRoom& a, const PublicRoom& b) {
    if (a.numJoinedMembers != b.numJoinedMembers) return a.numJoinedMembers > b.numJoinedMembers;
    return a.roomId < b.roomId;
  });
  std::size_t offset = 0;
  if (request.since) {
    const std::string& s = *request.since;
    auto [end, ec] = std::from_chars(s.data() + (s.empty() ? 0 : 1), s.data() + s.size(), offset);
    if (s.empty() || s.front() != 'o' || ec != std::errc() || end != s.data() + s.size())
      return fail(ErrorCode::kInvalidParam, "bad since token");
    offset = std::min(offset, rooms.size());
  }
  const std::size_t limit =
      request.limit && *request.limit > 0 ? static_cast<std::size_t>(*request.limit) : rooms.size();
  const std::size_t end = std::min(rooms.size(), offset + limit);
  PublicRoomsResponse out;
  out.chunk.assign(std::make_move_iterator(rooms.begin() + static_cast<std::ptrdiff_t>(offset)),
                   std::make_move_iterator(rooms.begin() + static_cast<std::ptrdiff_t>(end)));
  // (Appending, not operator+: GCC 12 warns falsely about "o" + std::to_string.)
  auto token = [](std::size_t at) {
    std::string t(1, 'o');
    t.append(std::to_string(at));
    return t;
  };
  if (end < rooms.size()) out.nextBatch = token(end);
  if (offset > 0) out.prevBatch = token(offset > limit ? offset - limit : 0);
  out.totalRoomCountEstimate =
      std::max<std::int64_t>(estimate, static_cast<std::int64_t>(rooms.size()));
  return out;
}

Result<std::vector<RoomEvent>> ShardedRoomserver::queryCurrentState(
    const CallContext& ctx, const std::string& roomId,
    const std::vector<StateSelector>& selectors) {
  return shardFor(roomId).queryCurrentState(ctx, roomId, selectors);
}

Result<RoomEvent> ShardedRoomserver::queryStateEvent(const CallContext& ctx,
                                                     const std::string& roomId,
                                                     const std::string& type,
                                                     const std::string& stateKey) {
  return shardFor(roomId).queryStateEvent(ctx, roomId, type, stateKey);
}

Result<std::vector<RoomEvent>> ShardedRoomserver::queryStateAtEvent(const CallContext& ctx,
                                                                    const std::string& eventId,
                                                                    StatePoint point) {
  return firstFound<std::vector<RoomEvent>>(
      [&](RoomserverApi& shard) { return shard.queryStateAtEvent(ctx, eventId, point); });
}

Result<std::vector<RoomEvent>> ShardedRoomserver::queryEvents(
    const CallContext& ctx, const std::vector<std::string>& eventIds) {
  if (shards_.size() == 1) return shards_.front()->queryEvents(ctx, eventIds);
  // Each shard answers the events it has; keep the caller's order.
  std::map<std::string, RoomEvent> found;
  for (RoomserverApi* shard : shards_) {
    PLEXUS_TRY(auto part, shard->queryEvents(ctx, eventIds));
    for (auto& e : part) {
      std::string id = e.pdu.eventId();
      found.emplace(std::move(id), std::move(e));
    }
  }
  std::vector<RoomEvent> out;
  for (const auto& id : eventIds) {
    auto it = found.find(id);
    if (it != found.end()) {
      out.push_back(std::move(it->second));
      found.erase(it);
    }
  }
  return out;
}

Result<RoomEvent> ShardedRoomserver::queryEvent(const CallContext& ctx,
                                                const std::string& eventId) {
  return firstFound<RoomEvent>(
      [&](RoomserverApi& shard) { return shard.queryEvent(ctx, eventId); });
}

Result<std::optional<MembershipInfo>> ShardedRoomserver::queryMembership(
    const CallContext& ctx, const std::string& roomId, const std::string& userId) {
  return shardFor(roomId).queryMembership(ctx, roomId, userId);
}

Result<std::vector<JoinedMember>> ShardedRoomserver::queryJoinedMembers(const CallContext& ctx,
                                                                        const std::string& roomId) {
  return shardFor(roomId).queryJoinedMembers(ctx, roomId);
}

Result<std::vector<std::string>> ShardedRoomserver::queryRoomsForUser(
    const CallContext& ctx, const std::string& userId, const std::string& membership) {
  std::vector<std::string> out;
  for (RoomserverApi* shard : shards_) {
    PLEXUS_TRY(auto part, shard->queryRoomsForUser(ctx, userId, membership));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

Result<std::string> ShardedRoomserver::queryRoomVersion(const CallContext& ctx,
                                                        const std::string& roomId) {
  return shardFor(roomId).queryRoomVersion(ctx, roomId);
}

Result<bool> ShardedRoomserver::queryRoomExists(const CallContext& ctx, const std::string& roomId) {
  return shardFor(roomId).queryRoomExists(ctx, roomId);
}

Result<LatestEvents> ShardedRoomserver::queryLatestEvents(const CallContext& ctx,
                                                          const std::string& roomId) {
  return shardFor(roomId).queryLatestEvents(ctx, roomId);
}

Result<std::vector<RoomEvent>> ShardedRoomserver::queryAuthChain(
    const CallContext& ctx, const std::vector<std::string>& eventIds) {
  if (shards_.size() == 1) return shards_.front()->queryAuthChain(ctx, eventIds);
  std::vector<RoomEvent> out;
  std::set<std::string> seen;
  for (RoomserverApi* shard : shards_) {
    auto part = shard->queryAuthChain(ctx, eventIds);
    if (!part.ok()) {
      if (part.error().code == ErrorCode::kNotFound) continue;
      return part.error();
    }
    for (auto& e : part.value())
      if (seen.insert(e.pdu.eventId()).second) out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<RoomserverApi::InputEventResult>> ShardedRoomserver::inputEvents(
    const CallContext& ctx, const std::string& roomId, const std::vector<InputRoomEvent>& events) {
  return shardFor(roomId).inputEvents(ctx, roomId, events);
}

Result<RoomserverApi::MakeMembershipResponse> ShardedRoomserver::queryMakeMembership(
    const CallContext& ctx, const MakeMembershipRequest& request) {
  return shardFor(request.roomId).queryMakeMembership(ctx, request);
}

Result<RoomEvent> ShardedRoomserver::inputSendMembership(const CallContext& ctx,
                                                         const SendMembershipRequest& request) {
  return shardFor(request.roomId).inputSendMembership(ctx, request);
}

Result<json::Object> ShardedRoomserver::inputInvite(const CallContext& ctx,
                                                    const InviteInput& invite) {
  return shardFor(invite.roomId).inputInvite(ctx, invite);
}

Result<std::vector<RoomEvent>> ShardedRoomserver::performBackfill(
    const CallContext& ctx, const std::string& roomId, const std::vector<std::string>& fromEventIds,
    int limit) {
  return shardFor(roomId).performBackfill(ctx, roomId, fromEventIds, limit);
}

}  // namespace plexus::node
