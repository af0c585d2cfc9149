// TypingState.
#include "syncapi/impl/typing_state.h"

namespace plexus::syncapi {

std::int64_t TypingState::set(const std::string& roomId, const std::string& userId, bool typing,
                              std::int64_t untilMs) {
  std::lock_guard lock(mutex_);
  Room& room = rooms_[roomId];
  auto it = room.until.find(userId);
  if (typing) {
    bool wasTyping = it != room.until.end();
    room.until[userId] = untilMs;
    if (wasTyping) return 0;  // an extension: the list did not change
  } else {
    if (it == room.until.end()) return 0;
    room.until.erase(it);
  }
  room.changedAt = ++serial_;
  return serial_;
}

std::int64_t TypingState::expire(const std::string& roomId, std::int64_t nowMs,
                                 std::vector<std::string>* expired) {
  std::lock_guard lock(mutex_);
  auto r = rooms_.find(roomId);
  if (r == rooms_.end()) return 0;
  bool changed = false;
  for (auto it = r->second.until.begin(); it != r->second.until.end();) {
    if (it->second <= nowMs) {
      if (expired) expired->push_back(it->first);
      it = r->second.until.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (!changed) return 0;
  r->second.changedAt = ++serial_;
  return serial_;
}

std::vector<std::string> TypingState::typingUsers(const std::string& roomId, std::int64_t nowMs,
                                                  std::int64_t* changedAt) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto r = rooms_.find(roomId);
  if (changedAt) *changedAt = r == rooms_.end() ? 0 : r->second.changedAt;
  if (r == rooms_.end()) return out;
  for (const auto& [user, until] : r->second.until) {
    if (until > nowMs) out.push_back(user);
  }
  return out;
}

std::vector<std::string> TypingState::roomsChangedSince(std::int64_t serial) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [roomId, room] : rooms_) {
    if (room.changedAt > serial) out.push_back(roomId);
  }
  return out;
}

std::int64_t TypingState::nextExpiry(const std::string& roomId) const {
  std::lock_guard lock(mutex_);
  auto r = rooms_.find(roomId);
  std::int64_t earliest = 0;
  if (r == rooms_.end()) return 0;
  for (const auto& [_, until] : r->second.until) {
    if (earliest == 0 || until < earliest) earliest = until;
  }
  return earliest;
}

std::int64_t TypingState::serial() const {
  std::lock_guard lock(mutex_);
  return serial_;
}

}  // namespace plexus::syncapi
