// RecentEventsCache: the newest events of each room this replica stored itself, so that an
// incremental /sync, which mostly wants the few events since its token, reads its timeline from
// memory instead of the store.
//
// Each room's entry vouches for a range: it holds every event of the room with a position after
// `completeAfter`. Positions before that (events stored before the entry was made, events it
// dropped to stay small, events another replica wrote) are read from the store. A query is
// answered only when the range it asks for lies wholly inside what the entry vouches for.
//
// Feeding rules (SyncService): append() every timeline event this process stores before its
// position becomes visible to /sync; distrustUpTo() for rooms with events written elsewhere
// (replica catch-up); forget() a room whose stored events changed in place (a redaction).
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

class RecentEventsCache {
 public:
  struct Limits {
    std::size_t rooms = 2048;             // least recently written rooms are dropped beyond this
    std::size_t eventsPerRoom = 24;       // covers a default timeline (10) plus its `limited` probe
    std::size_t distrustedRooms = 65536;  // then one watermark stands in for all rooms
  };
  RecentEventsCache() : RecentEventsCache(Limits{}) {}
  explicit RecentEventsCache(Limits limits) : limits_(limits) {}

  // An event this process just stored at event.pos.
  void append(const StoredEvent& event);
  // Another writer stored events of the room at positions up to `pos`: those are not here.
  void distrustUpTo(const std::string& roomId, std::int64_t pos);
  // The room's stored events changed: read them from the store until new ones arrive.
  void forget(const std::string& roomId);

  // SyncStore::queryRoomEvents(roomId, after, upTo, limit, /*backwards=*/true) when this cache
  // holds every event of the room in (after, upTo]; nullopt when the store must be asked.
  std::optional<std::vector<StoredEvent>> newestFirst(const std::string& roomId, std::int64_t after,
                                                      std::int64_t upTo, int limit);

  // Queries answered here and sent to the store (tests, metrics).
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  struct Entry {
    std::deque<StoredEvent> events;  // ascending positions, all > completeAfter
    std::int64_t completeAfter = 0;
    std::list<std::string>::iterator lru;
  };
  std::int64_t distrustedUpTo(const std::string& roomId) const;
  void touch(Entry& entry);

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> rooms_;
  std::list<std::string> lru_;  // most recently written first
  std::unordered_map<std::string, std::int64_t> distrusted_;
  std::int64_t distrustedAll_ = 0;  // stands in for rooms dropped from distrusted_
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace plexus::syncapi
