// Adapters between service APIs (see adapters.h).
#include "root/adapters.h"

#include "syncapi/impl/service_ports.h"

namespace plexus::node {

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
  return std::make_unique<syncapi::ServiceKeySource>(keys, accounts);
}

}  // namespace plexus::node
