// LazyMembersCache (see lazy_members_cache.h).
#include "syncapi/impl/lazy_members_cache.h"

namespace plexus::syncapi {

std::optional<LazyMembersCache::Members> LazyMembersCache::lookup(const std::string& userId,
                                                                  const std::string& deviceId,
                                                                  const std::string& since,
                                                                  const std::string& roomId) const {
  if (since.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = devices_.find(key(userId, deviceId));
  if (it == devices_.end() || it->second.expectedSince != since) return std::nullopt;
  auto room = it->second.rooms.find(roomId);
  if (room == it->second.rooms.end()) return std::nullopt;
  return room->second;
}

void LazyMembersCache::remember(const std::string& userId, const std::string& deviceId,
                                const std::string& since, const std::string& roomId,
                                const Members& members) {
  std::lock_guard lock(mutex_);
  auto k = key(userId, deviceId);
  auto it = devices_.find(k);
  if (it == devices_.end()) {
    if (devices_.size() >= maxDevices_) devices_.clear();  // refilled on demand
    it = devices_.emplace(std::move(k), Device{}).first;
    it->second.expectedSince = since;
  } else if (it->second.expectedSince != since) {
    it->second = Device{since, {}};  // another chain of tokens: what was kept is not trusted
  }
  it->second.rooms[roomId] = members;
}

void LazyMembersCache::add(const std::string& userId, const std::string& deviceId,
                           const std::string& roomId, const Members& members) {
  if (members.empty()) return;
  std::lock_guard lock(mutex_);
  auto it = devices_.find(key(userId, deviceId));
  if (it == devices_.end()) return;
  auto room = it->second.rooms.find(roomId);
  if (room == it->second.rooms.end()) return;
  room->second.insert(members.begin(), members.end());
}

void LazyMembersCache::delivered(const std::string& userId, const std::string& deviceId,
                                 const std::string& since, const std::string& nextBatch) {
  std::lock_guard lock(mutex_);
  auto it = devices_.find(key(userId, deviceId));
  if (it == devices_.end()) return;
  if (it->second.expectedSince == since) {
    it->second.expectedSince = nextBatch;
  } else {
    it->second = Device{nextBatch, {}};  // built for another request: start afresh
  }
}

void LazyMembersCache::forget(const std::string& userId, const std::string& deviceId) {
  std::lock_guard lock(mutex_);
  devices_.erase(key(userId, deviceId));
}

}  // namespace plexus::syncapi
