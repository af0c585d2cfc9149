// RecentNotifications: the notifications this replica stored itself, per (user, room), so that
// the unread counts of a woken /sync add what arrived since the last count without a query.
//
// Like RecentEventsCache, each (user, room) entry vouches for a range: it holds every
// notification of that user in that room with a position after `completeAfter` (the position
// before the first one it recorded, raised when it drops old ones or when another replica wrote
// events of the room). A count is answered only for a range wholly inside it; trim() drops what a
// count already covered. Read receipts do not show here: the caller counts afresh after one.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

class RecentNotifications {
 public:
  struct Limits {
    std::size_t keys = 100000;  // (user, room) entries; beyond, all are dropped
    std::size_t perKey = 1024;  // oldest dropped beyond this
    std::size_t distrustedRooms = 65536;
  };
  RecentNotifications() : RecentNotifications(Limits{}) {}
  explicit RecentNotifications(Limits limits) : limits_(limits) {}

  // A notification this process just stored (unread) at `pos`.
  void record(const std::string& userId, const std::string& roomId, std::int64_t pos,
              bool highlight);
  // Another writer stored events (and so maybe notifications) of the room up to `pos`.
  void distrustUpTo(const std::string& roomId, std::int64_t pos);
  // Unread notifications of the user in the room with after < pos <= upTo, when every one of
  // them is here; nullopt when the store must be asked.
  std::optional<UnreadCounts> countBetween(const std::string& userId, const std::string& roomId,
                                           std::int64_t after, std::int64_t upTo) const;
  // A count up to `upTo` is kept elsewhere: entries at or below it are not needed any more.
  void trim(const std::string& userId, const std::string& roomId, std::int64_t upTo);

 private:
  struct Note {
    std::int64_t pos;
    bool highlight;
  };
  struct Entry {
    std::deque<Note> notes;  // ascending positions, all > completeAfter
    std::int64_t completeAfter = 0;
  };
  static std::string key(const std::string& userId, const std::string& roomId) {
    return userId + '\n' + roomId;
  }
  std::int64_t distrustedUpTo(const std::string& roomId) const;

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::int64_t> distrusted_;  // by room
  std::int64_t distrustedAll_ = 0;
};

}  // namespace plexus::syncapi
