// SyncService::queryKeyChanges — GET /keys/changes from two sync tokens. Membership at each
// token is folded from the room's state deltas (positions are sync tokens' stream part), and
// device-list changes come from the change log, so the answer is exact for any token pair.
#include <algorithm>

#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {
namespace {

std::string membershipOf(const StoredEvent& e) {
  json::Object pdu = parseStored(e.json);
  const json::Value* content = pdu.find("content");
  auto m = content ? content->getStringAt("membership") : std::nullopt;
  return m ? std::string(*m) : std::string();
}

}  // namespace

Result<KeyChanges> SyncService::queryKeyChanges(const CallContext&, const std::string& userId,
                                                const std::string& fromToken,
                                                const std::string& toToken) {
  PLEXUS_TRY(StreamToken fromT, StreamToken::parse(fromToken));
  PLEXUS_TRY(StreamToken toT, StreamToken::parse(toToken));
  const std::int64_t from = fromT.stream;
  const std::int64_t to = std::min(toT.stream, currentPos_.load());
  KeyChanges out;
  if (from >= to) return out;

  // Joined members at `from` and at `to` of every room the user ever had a membership in.
  PLEXUS_TRY(auto memberships, store_->queryMembershipsOfUser(userId));
  struct RoomMembers {
    std::map<std::string, std::string> atFrom, atTo;  // user -> membership event ID
  };
  std::map<std::string, RoomMembers> rooms;
  std::vector<std::string> eventIds;
  for (const auto& m : memberships) {
    PLEXUS_TRY(auto deltas, store_->queryStateDeltas(m.roomId, to));
    RoomMembers& rm = rooms[m.roomId];
    for (const auto& d : deltas) {
      if (d.key.type != "m.room.member") continue;
      auto apply = [&](std::map<std::string, std::string>& at) {
        if (d.eventId) {
          at[d.key.stateKey] = *d.eventId;
        } else {
          at.erase(d.key.stateKey);
        }
      };
      apply(rm.atTo);
      if (d.pos <= from) apply(rm.atFrom);
      if (d.eventId) eventIds.push_back(*d.eventId);
    }
  }
  std::sort(eventIds.begin(), eventIds.end());
  eventIds.erase(std::unique(eventIds.begin(), eventIds.end()), eventIds.end());
  PLEXUS_TRY(auto events, store_->queryEvents(eventIds));
  std::set<std::string> joinEvents;
  for (const auto& e : events) {
    if (membershipOf(e) == "join") joinEvents.insert(e.eventId);
  }
  auto joinedSet = [&](const std::map<std::string, std::string>& at) {
    std::set<std::string> joined;
    for (const auto& [user, eventId] : at) {
      if (joinEvents.count(eventId)) joined.insert(user);
    }
    return joined;
  };
  std::set<std::string> sharedFrom, sharedTo;
  for (const auto& [roomId, rm] : rooms) {
    std::set<std::string> joinedFrom = joinedSet(rm.atFrom);
    std::set<std::string> joinedTo = joinedSet(rm.atTo);
    if (joinedFrom.count(userId)) sharedFrom.insert(joinedFrom.begin(), joinedFrom.end());
    if (joinedTo.count(userId)) sharedTo.insert(joinedTo.begin(), joinedTo.end());
  }
  sharedFrom.insert(userId);
  sharedTo.insert(userId);

  PLEXUS_TRY(auto changes, store_->queryDeviceListChanges(from, to));
  std::set<std::string> changed;
  for (const auto& [user, pos] : changes) {
    if (sharedTo.count(user)) changed.insert(user);
  }
  // SPEC: /keys/changes — a user who came to share a room may have devices the client has
  // never tracked; one who shares no room any more is in `left`.
  for (const auto& user : sharedTo) {
    if (!sharedFrom.count(user)) changed.insert(user);
  }
  for (const auto& user : sharedFrom) {
    if (!sharedTo.count(user)) out.left.push_back(user);
  }
  out.changed.assign(changed.begin(), changed.end());
  return out;
}

}  // namespace plexus::syncapi
