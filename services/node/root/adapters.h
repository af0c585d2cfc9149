// The small ports one service needs from another, adapted over the real service APIs. Only the
// composition root knows both sides.
#pragma once

#include <memory>

#include "accountsync/api/accountsync_api.h"
#include "keyserver/api/keyserver_api.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/ports.h"

namespace plexus::node {

// Profiles for the member events the roomserver builds, read from account-sync. Unknown users
// and lookup failures give an empty profile (the member event is still valid without one).
roomserver::ProfileLookup makeProfileLookup(accountsync::AccountSyncApi& accounts);

// One-time-key counts and fallback keys from the keyserver, device lists from account-sync.
std::unique_ptr<syncapi::DeviceKeySource> makeDeviceKeySource(keyserver::KeyserverApi& keys,
                                                              accountsync::AccountSyncApi& accounts);

}  // namespace plexus::node
