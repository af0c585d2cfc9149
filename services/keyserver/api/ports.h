// Ports: what the keyserver needs to know about rooms without depending on the roomserver. The
// composition root (services/node) adapts them over RoomserverApi.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"

namespace plexus::keyserver {

// Which servers share a room with a user: where a local user's m.device_list_update and
// m.signing_key_update EDUs go, and whether a remote user's device list concerns us at all
// (our own server is in the answer when a local user shares a room with them).
class SharedRoomServers {
 public:
  virtual ~SharedRoomServers() = default;
  // The servers of every user joined to a room `userId` is joined to (the user's own server
  // included when they are joined anywhere), sorted and unique; empty when the user is in no
  // room. Thread-safe. Errors: the roomserver's (kUnavailable: retry later).
  virtual Result<std::vector<std::string>> queryServersSharingRooms(const CallContext& ctx,
                                                                    const std::string& userId) = 0;
  // Whether `server` is among queryServersSharingRooms(userId); an adapter may stop at the
  // first room that answers it. Errors: as above.
  virtual Result<bool> queryServerSharesRoom(const CallContext& ctx, const std::string& userId,
                                             const std::string& server) {
    PLEXUS_TRY(auto servers, queryServersSharingRooms(ctx, userId));
    return std::find(servers.begin(), servers.end(), server) != servers.end();
  }
};

}  // namespace plexus::keyserver
