// The roomserver's read side: events, state (current and at an event), memberships, room
// metadata and auth chains. Reads go to the database, not the cached heads, so they are
// consistent with every committed write whichever process made it.
#include <algorithm>
#include <set>

#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {

Result<StoredRoom> RoomserverService::roomOrNotFound(const std::string& roomId) {
  PLEXUS_TRY(auto room, store_.room(db_, roomId));
  if (!room) return fail(ErrorCode::kNotFound, "unknown room " + roomId);
  return std::move(*room);
}

Result<bool> RoomserverService::remoteInviteIsCurrent(const RemoteInviteRow& invite) {
  PLEXUS_TRY(auto room, store_.room(db_, invite.roomId));
  if (!room) return true;
  // A room known here (we were in it, or another local user is): the invite counts unless the
  // user's membership here is newer (it was accepted, rejected or superseded).
  PLEXUS_TRY(auto row, store_.membership(db_, room->roomNid, invite.userId));
  if (!row) return true;
  const events::RoomVersion* version = events::findRoomVersion(invite.roomVersion);
  if (!version) return false;
  PLEXUS_TRY(auto stored, store_.eventsByNids(db_, {row->eventNid}));
  if (stored.empty() || stored.front().eventId == invite.eventId) return false;
  events::PduParseOptions options;
  options.enforceSizeLimit = false;
  auto pdu = events::Pdu::parse(invite.json, *version, options);
  return pdu.ok() && pdu->depth() > stored.front().depth;
}

Result<RoomEvent> RoomserverService::toRoomEvent(const StoredEvent& stored,
                                                 const events::RoomVersion& version) {
  PLEXUS_TRY(events::Pdu pdu, events::Pdu::parse(stored.json, version));
  return RoomEvent{std::move(pdu), stored.redactedBy};
}

Result<std::vector<RoomEvent>> RoomserverService::toRoomEvents(
    const std::vector<StoredEvent>& stored) {
  std::map<std::int64_t, const events::RoomVersion*> versions;  // room nid -> version
  std::vector<RoomEvent> out;
  out.reserve(stored.size());
  for (const auto& e : stored) {
    const events::RoomVersion*& version = versions[e.roomNid];
    if (!version) {
      PLEXUS_TRY(std::string id, store_.roomVersion(db_, e.roomNid));
      version = events::findRoomVersion(id);
      if (!version) return fail(ErrorCode::kUnsupportedRoomVersion, "room version " + id);
    }
    PLEXUS_TRY(RoomEvent event, toRoomEvent(e, *version));
    out.push_back(std::move(event));
  }
  return out;
}

Result<std::vector<RoomEvent>> RoomserverService::queryCurrentState(
    const CallContext&, const std::string& roomId, const std::vector<StateSelector>& selectors) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  PLEXUS_TRY(auto entries, store_.currentState(db_, room.roomNid));
  std::vector<std::int64_t> nids;
  for (const auto& e : entries) nids.push_back(e.eventNid);
  PLEXUS_TRY(auto stored, store_.eventsByNids(db_, nids));
  std::erase_if(stored, [&](const StoredEvent& e) {
    if (selectors.empty()) return false;
    return std::none_of(selectors.begin(), selectors.end(), [&](const StateSelector& s) {
      return s.type == e.type && (!s.stateKey || *s.stateKey == e.stateKey.value_or(""));
    });
  });
  std::sort(stored.begin(), stored.end(),
            [](const StoredEvent& a, const StoredEvent& b) { return a.eventNid < b.eventNid; });
  const events::RoomVersion* version = events::findRoomVersion(room.roomVersion);
  if (!version) return fail(ErrorCode::kUnsupportedRoomVersion, room.roomVersion);
  std::vector<RoomEvent> out;
  for (const auto& e : stored) {
    PLEXUS_TRY(RoomEvent event, toRoomEvent(e, *version));
    out.push_back(std::move(event));
  }
  return out;
}

Result<RoomEvent> RoomserverService::queryStateEvent(const CallContext& ctx,
                                                     const std::string& roomId,
                                                     const std::string& type,
                                                     const std::string& stateKey) {
  PLEXUS_TRY(auto events, queryCurrentState(ctx, roomId, {StateSelector{type, stateKey}}));
  if (events.empty()) return fail(ErrorCode::kNotFound, "no " + type + " state in " + roomId);
  return std::move(events.front());
}

Result<std::vector<RoomEvent>> RoomserverService::queryStateAtEvent(const CallContext&,
                                                                    const std::string& eventId,
                                                                    StatePoint point) {
  PLEXUS_TRY(auto found, store_.eventsByIds(db_, {eventId}));
  if (found.empty()) return fail(ErrorCode::kNotFound, "unknown event " + eventId);
  const StoredEvent& event = found.front();
  PLEXUS_TRY(auto entries, store_.loadSnapshot(db_, event.stateBeforeNid));
  std::vector<std::int64_t> nids;
  for (const auto& e : entries) nids.push_back(e.eventNid);
  PLEXUS_TRY(auto stored, store_.eventsByNids(db_, nids));
  if (point == StatePoint::kAfter && event.stateKey) {
    std::erase_if(stored, [&](const StoredEvent& e) {
      return e.type == event.type && e.stateKey == event.stateKey;
    });
    stored.push_back(event);
  }
  std::sort(stored.begin(), stored.end(),
            [](const StoredEvent& a, const StoredEvent& b) { return a.eventNid < b.eventNid; });
  return toRoomEvents(stored);
}

Result<std::vector<RoomEvent>> RoomserverService::queryEvents(
    const CallContext&, const std::vector<std::string>& eventIds) {
  PLEXUS_TRY(auto stored, store_.eventsByIds(db_, eventIds));
  // Rejected events are kept only so they are not fetched again: never served.
  std::erase_if(stored, [](const StoredEvent& e) { return e.rejected; });
  std::map<std::string, std::size_t, std::less<>> position;
  for (std::size_t i = 0; i < eventIds.size(); ++i) position.emplace(eventIds[i], i);
  std::sort(stored.begin(), stored.end(), [&](const StoredEvent& a, const StoredEvent& b) {
    return position[a.eventId] < position[b.eventId];
  });
  return toRoomEvents(stored);
}

Result<RoomEvent> RoomserverService::queryEvent(const CallContext& ctx, const std::string& eventId) {
  PLEXUS_TRY(auto events, queryEvents(ctx, {eventId}));
  if (events.empty()) return fail(ErrorCode::kNotFound, "unknown event " + eventId);
  return std::move(events.front());
}

Result<std::optional<MembershipInfo>> RoomserverService::queryMembership(
    const CallContext&, const std::string& roomId, const std::string& userId) {
  PLEXUS_TRY(auto invite, store_.remoteInvite(db_, roomId, userId));
  if (invite) {
    PLEXUS_TRY(bool current, remoteInviteIsCurrent(*invite));
    if (current) {
      return std::optional<MembershipInfo>(
          MembershipInfo{remoteMembershipOf(*invite), invite->eventId, false});
    }
  }
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  PLEXUS_TRY(auto row, store_.membership(db_, room.roomNid, userId));
  if (!row) return std::optional<MembershipInfo>();
  return std::optional<MembershipInfo>(MembershipInfo{row->membership, row->eventId, row->forgotten});
}

Result<std::vector<JoinedMember>> RoomserverService::queryJoinedMembers(const CallContext&,
                                                                        const std::string& roomId) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  PLEXUS_TRY(auto members, store_.membersWith(db_, room.roomNid, "join"));
  std::vector<std::int64_t> nids;
  for (const auto& m : members) nids.push_back(m.eventNid);
  PLEXUS_TRY(auto stored, store_.eventsByNids(db_, nids));
  std::map<std::int64_t, const StoredEvent*> byNid;
  for (const auto& e : stored) byNid[e.eventNid] = &e;
  const events::RoomVersion* version = events::findRoomVersion(room.roomVersion);
  if (!version) return fail(ErrorCode::kUnsupportedRoomVersion, room.roomVersion);
  std::vector<JoinedMember> out;
  for (const auto& m : members) {
    JoinedMember member{m.userId, std::nullopt, std::nullopt};
    if (auto it = byNid.find(m.eventNid); it != byNid.end()) {
      auto pdu = events::Pdu::parse(it->second->json, *version);
      if (pdu.ok()) {
        const json::Object& content = pdu->content();
        if (auto* v = content.find("displayname"); v && v->getString()) member.displayName = *v->getString();
        if (auto* v = content.find("avatar_url"); v && v->getString()) member.avatarUrl = *v->getString();
      }
    }
    out.push_back(std::move(member));
  }
  return out;
}

Result<std::vector<std::string>> RoomserverService::queryRoomsForUser(
    const CallContext&, const std::string& userId, const std::string& membership) {
  PLEXUS_TRY(auto rooms, store_.roomsForUser(db_, userId, membership));
  if (membership == "invite" || membership == "knock") {
    // Invites received over federation (and knocks sent) to rooms this server is not in.
    PLEXUS_TRY(auto invites, store_.remoteInvitesForUser(db_, userId));
    for (const auto& i : invites) {
      if (remoteMembershipOf(i) != membership) continue;
      if (std::find(rooms.begin(), rooms.end(), i.roomId) != rooms.end()) continue;
      PLEXUS_TRY(bool current, remoteInviteIsCurrent(i));
      if (current) rooms.push_back(i.roomId);
    }
  }
  return rooms;
}

Result<std::string> RoomserverService::queryRoomVersion(const CallContext&,
                                                        const std::string& roomId) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  return room.roomVersion;
}

Result<bool> RoomserverService::queryRoomExists(const CallContext&, const std::string& roomId) {
  PLEXUS_TRY(auto room, store_.room(db_, roomId));
  return room.has_value();
}

Result<LatestEvents> RoomserverService::queryLatestEvents(const CallContext&,
                                                          const std::string& roomId) {
  PLEXUS_TRY(StoredRoom room, roomOrNotFound(roomId));
  PLEXUS_TRY(auto rows, store_.extremities(db_, room.roomNid));
  LatestEvents out;
  for (const auto& x : rows) {
    out.eventIds.push_back(x.eventId);
    out.depth = std::max(out.depth, x.depth);
  }
  return out;
}

Result<std::vector<RoomEvent>> RoomserverService::queryAuthChain(
    const CallContext& ctx, const std::vector<std::string>& eventIds) {
  PLEXUS_TRY(auto start, queryEvents(ctx, eventIds));
  if (start.size() != std::set<std::string>(eventIds.begin(), eventIds.end()).size()) {
    return fail(ErrorCode::kNotFound, "unknown event in the auth chain request");
  }
  std::set<std::string> seen;
  std::vector<std::string> frontier;
  for (const auto& e : start) {
    for (auto id : e.pdu.authEvents()) frontier.emplace_back(id);
  }
  std::vector<RoomEvent> chain;
  while (!frontier.empty()) {
    std::vector<std::string> batch;
    for (auto& id : frontier) {
      if (seen.insert(id).second) batch.push_back(std::move(id));
    }
    frontier.clear();
    if (batch.empty()) break;
    PLEXUS_TRY(auto found, queryEvents(ctx, batch));
    for (auto& e : found) {
      for (auto id : e.pdu.authEvents()) frontier.emplace_back(id);
      chain.push_back(std::move(e));
    }
  }
  return chain;
}

}  // namespace plexus::roomserver
