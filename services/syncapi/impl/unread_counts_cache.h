// UnreadCountsCache: each (user, room)'s unread notification counts as of a stream position,
// so that a /sync adds only the notifications that arrived since instead of counting every
// unread one again. Entries are refreshed by the caller; a read receipt in the room (which
// marks notifications read) makes the caller count afresh (see SyncService::unreadCounts).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

class UnreadCountsCache {
 public:
  struct Entry {
    UnreadCounts counts;
    std::int64_t upTo = 0;  // the counts cover notifications with pos <= upTo
  };

  std::optional<Entry> get(const std::string& userId, const std::string& roomId) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key(userId, roomId));
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

  void put(const std::string& userId, const std::string& roomId, const Entry& entry) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.clear();  // refilled on demand
    Entry& e = entries_[key(userId, roomId)];
    if (entry.upTo >= e.upTo) e = entry;
  }

 private:
  static constexpr std::size_t kMaxEntries = 200000;
  static std::string key(const std::string& userId, const std::string& roomId) {
    return userId + '\n' + roomId;
  }

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace plexus::syncapi
