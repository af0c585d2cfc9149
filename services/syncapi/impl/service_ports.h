// Adapters from the real service APIs to sync-api's ports, for the composition root:
// ServiceKeySource answers /sync's key counts from KeyserverApi and "*" to-device targets
// from AccountSyncApi's device list.
#pragma once

#include "accountsync/api/accountsync_api.h"
#include "keyserver/api/keyserver_api.h"
#include "syncapi/api/ports.h"

namespace plexus::syncapi {

class ServiceKeySource final : public DeviceKeySource {
 public:
  ServiceKeySource(keyserver::KeyserverApi& keys, accountsync::AccountSyncApi& accounts)
      : keys_(keys), accounts_(accounts) {}

  // DeviceKeySource
  Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override {
    return keys_.queryOneTimeKeyCounts(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override {
    return keys_.queryUnusedFallbackKeyTypes(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryDeviceIds(const CallContext& ctx,
                                                  const std::string& userId) override {
    PLEXUS_TRY(auto devices, accounts_.queryDevices(ctx, userId));
    std::vector<std::string> ids;
    ids.reserve(devices.size());
    for (const auto& d : devices) ids.push_back(d.deviceId);
    return ids;
  }

 private:
  keyserver::KeyserverApi& keys_;
  accountsync::AccountSyncApi& accounts_;
};

}  // namespace plexus::syncapi
