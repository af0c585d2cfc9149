// RecentNotifications: per (user, room) lists of recent unread notifications.
#include "syncapi/impl/recent_notifications.h"

#include <algorithm>

namespace plexus::syncapi {

void RecentNotifications::record(const std::string& userId, const std::string& roomId,
                                 std::int64_t pos, bool highlight) {
  std::lock_guard lock(mutex_);
  std::string k = key(userId, roomId);
  auto it = entries_.find(k);
  if (it == entries_.end()) {
    // Dropping every entry is always safe: a new one vouches only from its first record on.
    if (entries_.size() >= limits_.keys) entries_.clear();
    Entry entry;
    entry.completeAfter = std::max(pos - 1, distrustedUpTo(roomId));
    it = entries_.emplace(std::move(k), std::move(entry)).first;
  }
  Entry& entry = it->second;
  if (pos <= entry.completeAfter) return;
  auto at = std::upper_bound(entry.notes.begin(), entry.notes.end(), pos,
                             [](std::int64_t p, const Note& n) { return p < n.pos; });
  if (at != entry.notes.begin() && std::prev(at)->pos == pos) return;  // a repeat
  entry.notes.insert(at, Note{pos, highlight});
  while (entry.notes.size() > limits_.perKey) {
    entry.completeAfter = entry.notes.front().pos;
    entry.notes.pop_front();
  }
}

void RecentNotifications::distrustUpTo(const std::string& roomId, std::int64_t pos) {
  std::lock_guard lock(mutex_);
  if (distrusted_.size() >= limits_.distrustedRooms && !distrusted_.contains(roomId)) {
    for (const auto& [room, upTo] : distrusted_) distrustedAll_ = std::max(distrustedAll_, upTo);
    distrusted_.clear();
  }
  std::int64_t& mark = distrusted_[roomId];
  mark = std::max(mark, pos);
}

std::optional<UnreadCounts> RecentNotifications::countBetween(const std::string& userId,
                                                              const std::string& roomId,
                                                              std::int64_t after,
                                                              std::int64_t upTo) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key(userId, roomId));
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  // Entries made before a distrust are checked here rather than rewritten by distrustUpTo.
  if (after < std::max(entry.completeAfter, distrustedUpTo(roomId))) return std::nullopt;
  UnreadCounts counts;
  for (const Note& n : entry.notes) {
    if (n.pos <= after) continue;
    if (n.pos > upTo) break;
    ++counts.notifications;
    if (n.highlight) ++counts.highlights;
  }
  return counts;
}

void RecentNotifications::trim(const std::string& userId, const std::string& roomId,
                               std::int64_t upTo) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key(userId, roomId));
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  while (!entry.notes.empty() && entry.notes.front().pos <= upTo) entry.notes.pop_front();
  entry.completeAfter = std::max(entry.completeAfter, upTo);
}

std::int64_t RecentNotifications::distrustedUpTo(const std::string& roomId) const {
  auto it = distrusted_.find(roomId);
  return std::max(distrustedAll_, it == distrusted_.end() ? 0 : it->second);
}

}  // namespace plexus::syncapi
