// RoomIndex: membership maps under one mutex.
#include "syncapi/impl/room_index.h"

namespace plexus::syncapi {

void RoomIndex::setMembership(const std::string& roomId, const std::string& userId,
                              const std::string& membership,
                              std::optional<std::string> displayName) {
  std::lock_guard lock(mutex_);
  Room& room = rooms_[roomId];
  if (membership == "join" || membership == "invite") {
    room.members[userId] = membership;
  } else {
    room.members.erase(userId);
  }
  if (membership == "join") {
    userRooms_[userId].insert(roomId);
  } else if (auto it = userRooms_.find(userId); it != userRooms_.end()) {
    it->second.erase(roomId);
    if (it->second.empty()) userRooms_.erase(it);
  }
  if (displayName && !displayName->empty()) {
    room.displayNames[userId] = std::move(*displayName);
  } else {
    room.displayNames.erase(userId);
  }
}

void RoomIndex::setPowerLevels(const std::string& roomId, json::Object content) {
  std::lock_guard lock(mutex_);
  rooms_[roomId].powerLevels = std::move(content);
}

bool RoomIndex::isJoined(const std::string& roomId, const std::string& userId) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return false;
  auto m = it->second.members.find(userId);
  return m != it->second.members.end() && m->second == "join";
}

std::vector<std::string> RoomIndex::interestedUsers(const std::string& roomId) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return out;
  for (const auto& [user, _] : it->second.members) out.push_back(user);
  return out;
}

std::vector<std::string> RoomIndex::joinedUsers(const std::string& roomId) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return out;
  for (const auto& [user, m] : it->second.members) {
    if (m == "join") out.push_back(user);
  }
  return out;
}

std::int64_t RoomIndex::joinedCount(const std::string& roomId) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return 0;
  std::int64_t n = 0;
  for (const auto& [_, m] : it->second.members) n += m == "join";
  return n;
}

std::int64_t RoomIndex::invitedCount(const std::string& roomId) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return 0;
  std::int64_t n = 0;
  for (const auto& [_, m] : it->second.members) n += m == "invite";
  return n;
}

std::vector<std::string> RoomIndex::heroes(const std::string& roomId, const std::string& userId,
                                           std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return out;
  for (const auto& [user, _] : it->second.members) {
    if (user == userId) continue;
    out.push_back(user);
    if (out.size() >= limit) break;
  }
  return out;
}

std::set<std::string> RoomIndex::joinedRooms(const std::string& userId) const {
  std::lock_guard lock(mutex_);
  auto it = userRooms_.find(userId);
  return it == userRooms_.end() ? std::set<std::string>{} : it->second;
}

std::set<std::string> RoomIndex::usersSharingRooms(const std::string& userId) const {
  std::lock_guard lock(mutex_);
  std::set<std::string> out{userId};
  auto it = userRooms_.find(userId);
  if (it == userRooms_.end()) return out;
  for (const auto& roomId : it->second) {
    auto r = rooms_.find(roomId);
    if (r == rooms_.end()) continue;
    for (const auto& [user, m] : r->second.members) {
      if (m == "join") out.insert(user);
    }
  }
  return out;
}

std::string RoomIndex::displayName(const std::string& roomId, const std::string& userId) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return {};
  auto d = it->second.displayNames.find(userId);
  return d == it->second.displayNames.end() ? std::string{} : d->second;
}

json::Object RoomIndex::powerLevels(const std::string& roomId) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  return it == rooms_.end() ? json::Object{} : it->second.powerLevels;
}

}  // namespace plexus::syncapi
