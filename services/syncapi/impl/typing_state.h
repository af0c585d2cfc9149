// TypingState: who is typing in which room (memory only; SPEC: typing notifications are
// ephemeral). Each change bumps a serial, the second number of stream tokens, so /sync knows
// whether a room's typing list changed since a token.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace plexus::syncapi {

class TypingState {
 public:
  // Starts (untilMs > now) or stops typing. Returns the new serial, or 0 when nothing changed.
  std::int64_t set(const std::string& roomId, const std::string& userId, bool typing,
                   std::int64_t untilMs);
  // Drops entries that expired by nowMs; returns the new serial, or 0 when none did. The
  // users whose entries were dropped are appended to `expired` when given.
  std::int64_t expire(const std::string& roomId, std::int64_t nowMs,
                      std::vector<std::string>* expired = nullptr);
  // Users typing now (expired entries excluded) and the serial of the room's last change.
  std::vector<std::string> typingUsers(const std::string& roomId, std::int64_t nowMs,
                                       std::int64_t* changedAt) const;
  std::int64_t serial() const;
  // The earliest expiry among the room's typers (0 when nobody types).
  std::int64_t nextExpiry(const std::string& roomId) const;
  // Rooms whose typing list changed after `serial`.
  std::vector<std::string> roomsChangedSince(std::int64_t serial) const;

 private:
  struct Room {
    std::map<std::string, std::int64_t> until;  // user -> expiry (ms since the epoch)
    std::int64_t changedAt = 0;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Room> rooms_;
  std::int64_t serial_ = 0;
};

}  // namespace plexus::syncapi
