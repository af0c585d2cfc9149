// Records changes inside a keyserver transaction: device-list changes (one stream position per
// (user, device) per request, collected as DeviceListUpdate messages) and devices whose one-time
// or fallback keys changed (OneTimeKeysChanged, once per device per request).
#pragma once

#include <string_view>
#include <vector>

#include "keyserver/api/output.h"
#include "keyserver/storage/key_store.h"

namespace plexus::keyserver {

inline Status recordDeviceListChange(KeyStore& store, storage::Executor& ex,
                                     std::vector<DeviceListUpdate>& updates,
                                     std::string_view userId, std::string_view deviceId,
                                     bool deleted) {
  for (const auto& u : updates) {
    if (u.userId == userId && u.deviceId == deviceId && u.deleted == deleted) return {};
  }
  PLEXUS_TRY(auto position, store.appendDeviceListChange(ex, userId, deviceId, deleted));
  updates.push_back(DeviceListUpdate{std::string(userId), std::string(deviceId), position, deleted});
  return {};
}

inline void recordOneTimeKeysChange(std::vector<OneTimeKeysChanged>& changes,
                                    std::string_view userId, std::string_view deviceId) {
  for (const auto& c : changes) {
    if (c.userId == userId && c.deviceId == deviceId) return;
  }
  changes.push_back(OneTimeKeysChanged{std::string(userId), std::string(deviceId)});
}

}  // namespace plexus::keyserver
