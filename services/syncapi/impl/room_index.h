// RoomIndex: the in-memory view of who is in which room (join/invite), display names and
// power levels, kept current by the room-event consumer. It answers the hot-path questions
// without a database round trip: whom to wake for a room, who gets notification counts, the
// room summary, and the push-rule context.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "plexus/json/value.h"

namespace plexus::syncapi {

class RoomIndex {
 public:
  // membership: "join" | "invite" | "leave" | "ban" | "knock".
  void setMembership(const std::string& roomId, const std::string& userId,
                     const std::string& membership, std::optional<std::string> displayName);
  void setPowerLevels(const std::string& roomId, json::Object content);

  bool isJoined(const std::string& roomId, const std::string& userId) const;
  // Joined and invited users: whom a room change should wake.
  std::vector<std::string> interestedUsers(const std::string& roomId) const;
  std::vector<std::string> joinedUsers(const std::string& roomId) const;
  std::int64_t joinedCount(const std::string& roomId) const;
  std::int64_t invitedCount(const std::string& roomId) const;
  // Up to `limit` joined/invited members other than userId, sorted (the m.heroes).
  std::vector<std::string> heroes(const std::string& roomId, const std::string& userId,
                                  std::size_t limit) const;
  std::set<std::string> joinedRooms(const std::string& userId) const;
  // Everyone joined to a room that userId is joined to (userId included).
  std::set<std::string> usersSharingRooms(const std::string& userId) const;
  std::string displayName(const std::string& roomId, const std::string& userId) const;
  json::Object powerLevels(const std::string& roomId) const;

 private:
  struct Room {
    std::map<std::string, std::string> members;  // join/invite only
    std::map<std::string, std::string> displayNames;
    json::Object powerLevels;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Room> rooms_;
  std::unordered_map<std::string, std::set<std::string>> userRooms_;  // joined rooms
};

}  // namespace plexus::syncapi
