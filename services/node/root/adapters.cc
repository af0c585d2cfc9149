// Adapters between service APIs (see adapters.h).
#include "root/adapters.h"

namespace plexus::node {
namespace {

class DeviceKeyAdapter final : public syncapi::DeviceKeySource {
 public:
  DeviceKeyAdapter(keyserver::KeyserverApi& keys, accountsync::AccountSyncApi& accounts)
      : keys_(keys), accounts_(accounts) {}

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
    for (auto& d : devices) ids.push_back(std::move(d.deviceId));
    return ids;
  }

 private:
  keyserver::KeyserverApi& keys_;
  accountsync::AccountSyncApi& accounts_;
};

}  // namespace

roomserver::ProfileLookup makeProfileLookup(accountsync::AccountSyncApi& accounts) {
  return [&accounts](const CallContext& ctx, std::string_view userId) {
    roomserver::Profile out;
    auto profile = accounts.queryProfile(ctx, userId);
    if (profile.ok()) {
      out.displayName = profile->displayName;
      out.avatarUrl = profile->avatarUrl;
    }
    return out;
  };
}

std::unique_ptr<syncapi::DeviceKeySource> makeDeviceKeySource(
    keyserver::KeyserverApi& keys, accountsync::AccountSyncApi& accounts) {
  return std::make_unique<DeviceKeyAdapter>(keys, accounts);
}

}  // namespace plexus::node
