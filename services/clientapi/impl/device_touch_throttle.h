// DeviceTouchThrottle: which of a client-api replica's "device seen" touches go on to
// account-sync. In the cluster account-sync is a gRPC hop away and every authenticated request
// touched its device: at 1,000 messages/s that was ~2,600 calls/s for a last-seen time nobody
// reads at millisecond precision. A touch is forwarded when the device is new to this replica,
// its IP changed, or `intervalMs` passed since the last forwarded one; GET /devices is then at
// most one interval behind. The in-process node has no throttle (its touch is a map update).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace plexus::clientapi {

class DeviceTouchThrottle {
 public:
  // `maxDevices` bounds memory: past it the table starts over (each device's next touch is
  // then forwarded once more).
  explicit DeviceTouchThrottle(std::int64_t intervalMs, std::size_t maxDevices = 200'000);

  // True when this touch should be forwarded; records it as forwarded then.
  bool shouldForward(std::string_view userId, std::string_view deviceId, std::string_view ip,
                     std::int64_t nowMs);

  std::size_t size() const;

 private:
  struct Forwarded {
    std::string ip;
    std::int64_t atMs = 0;
  };

  const std::int64_t intervalMs_;
  const std::size_t maxDevices_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Forwarded> forwarded_;  // by user ID, NUL, device ID
};

}  // namespace plexus::clientapi
