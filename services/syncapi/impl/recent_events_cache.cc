// RecentEventsCache: per-room windows of recent events and the ranges they vouch for.
#include "syncapi/impl/recent_events_cache.h"

#include <algorithm>

namespace plexus::syncapi {

void RecentEventsCache::append(const StoredEvent& event) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(event.roomId);
  if (it == rooms_.end()) {
    if (rooms_.size() >= limits_.rooms && !lru_.empty()) {
      rooms_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(event.roomId);
    Entry entry;
    // Nothing of the room before this event is here.
    entry.completeAfter = std::max(event.pos - 1, distrustedUpTo(event.roomId));
    entry.lru = lru_.begin();
    it = rooms_.emplace(event.roomId, std::move(entry)).first;
  } else {
    touch(it->second);
  }
  Entry& entry = it->second;
  if (event.pos <= entry.completeAfter) return;  // outside what the entry vouches for
  auto at = std::upper_bound(entry.events.begin(), entry.events.end(), event.pos,
                             [](std::int64_t pos, const StoredEvent& e) { return pos < e.pos; });
  if (at != entry.events.begin() && std::prev(at)->pos == event.pos) return;  // a repeat
  entry.events.insert(at, event);
  while (entry.events.size() > limits_.eventsPerRoom) {
    entry.completeAfter = entry.events.front().pos;
    entry.events.pop_front();
  }
}

void RecentEventsCache::distrustUpTo(const std::string& roomId, std::int64_t pos) {
  std::lock_guard lock(mutex_);
  if (auto it = rooms_.find(roomId); it != rooms_.end()) {
    Entry& entry = it->second;
    entry.completeAfter = std::max(entry.completeAfter, pos);
    while (!entry.events.empty() && entry.events.front().pos <= entry.completeAfter) {
      entry.events.pop_front();
    }
  }
  if (distrusted_.size() >= limits_.distrustedRooms && !distrusted_.contains(roomId)) {
    for (const auto& [room, upTo] : distrusted_) distrustedAll_ = std::max(distrustedAll_, upTo);
    distrusted_.clear();
  }
  std::int64_t& mark = distrusted_[roomId];
  mark = std::max(mark, pos);
}

void RecentEventsCache::forget(const std::string& roomId) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  if (it == rooms_.end()) return;
  lru_.erase(it->second.lru);
  rooms_.erase(it);
}

std::optional<std::vector<StoredEvent>> RecentEventsCache::newestFirst(const std::string& roomId,
                                                                       std::int64_t after,
                                                                       std::int64_t upTo,
                                                                       int limit) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(roomId);
  if (it == rooms_.end() || after < it->second.completeAfter) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  std::vector<StoredEvent> out;
  const auto& events = it->second.events;
  for (auto e = events.rbegin(); e != events.rend() && static_cast<int>(out.size()) < limit; ++e) {
    if (e->pos <= after) break;
    if (e->pos <= upTo) out.push_back(*e);
  }
  return out;
}

std::uint64_t RecentEventsCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t RecentEventsCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

std::int64_t RecentEventsCache::distrustedUpTo(const std::string& roomId) const {
  auto it = distrusted_.find(roomId);
  return std::max(distrustedAll_, it == distrusted_.end() ? 0 : it->second);
}

void RecentEventsCache::touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }

}  // namespace plexus::syncapi
