// Ports: the small interfaces sync-api needs from other services, adapted by the composition
// root (services/node) over the real service APIs (KeyserverApi, AccountSyncApi). Keeping
// them here keeps sync-api independent of those services' full contracts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"

namespace plexus::syncapi {

// End-to-end key facts for /sync (adapted over KeyserverApi and AccountSyncApi).
class DeviceKeySource {
 public:
  virtual ~DeviceKeySource() = default;
  // {algorithm: count} of the device's unclaimed one-time keys.
  virtual Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) = 0;
  // Algorithms of the device's fallback keys that have not been used yet.
  virtual Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) = 0;
  // Every device ID of a local user (to expand "*" in send-to-device).
  virtual Result<std::vector<std::string>> queryDeviceIds(const CallContext& ctx,
                                                          const std::string& userId) = 0;
};

}  // namespace plexus::syncapi
