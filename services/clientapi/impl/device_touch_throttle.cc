// DeviceTouchThrottle (see device_touch_throttle.h).
#include "clientapi/impl/device_touch_throttle.h"

namespace plexus::clientapi {

DeviceTouchThrottle::DeviceTouchThrottle(std::int64_t intervalMs, std::size_t maxDevices)
    : intervalMs_(intervalMs), maxDevices_(maxDevices) {}

bool DeviceTouchThrottle::shouldForward(std::string_view userId, std::string_view deviceId,
                                        std::string_view ip, std::int64_t nowMs) {
  std::string key;
  key.reserve(userId.size() + 1 + deviceId.size());
  key.append(userId).push_back('\0');
  key.append(deviceId);
  std::lock_guard lock(mutex_);
  auto it = forwarded_.find(key);
  if (it != forwarded_.end()) {
    Forwarded& last = it->second;
    // A clock that went back counts as time passed: better one touch too many than none.
    if (last.ip == ip && nowMs >= last.atMs && nowMs - last.atMs < intervalMs_) return false;
    last.ip = std::string(ip);
    last.atMs = nowMs;
    return true;
  }
  if (forwarded_.size() >= maxDevices_) forwarded_.clear();
  forwarded_.emplace(std::move(key), Forwarded{std::string(ip), nowMs});
  return true;
}

std::size_t DeviceTouchThrottle::size() const {
  std::lock_guard lock(mutex_);
  return forwarded_.size();
}

}  // namespace plexus::clientapi
