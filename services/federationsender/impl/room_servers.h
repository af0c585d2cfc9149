// RoomServers: the one question the federation sender asks about rooms — which servers have
// joined members — as a narrow port, so tests can answer it without a roomserver.
// RoomserverRoomServers answers it with RoomserverApi::queryJoinedMembers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::federationsender {

class RoomServers {
 public:
  virtual ~RoomServers() = default;
  // The distinct server names of the room's joined members (any order). Errors: the
  // roomserver's (kNotFound for an unknown room). Thread-safe.
  virtual Result<std::vector<std::string>> queryJoinedServers(const CallContext& ctx,
                                                              const std::string& roomId) = 0;
};

class RoomserverRoomServers final : public RoomServers {
 public:
  // `roomserver` must outlive this.
  explicit RoomserverRoomServers(roomserver::RoomserverApi& roomserver) : roomserver_(roomserver) {}

  // RoomServers
  Result<std::vector<std::string>> queryJoinedServers(const CallContext& ctx,
                                                      const std::string& roomId) override;

 private:
  roomserver::RoomserverApi& roomserver_;
};

// The server part of a user ID ("@alice:example.org" -> "example.org"); empty when malformed.
std::string_view serverOfUserId(std::string_view userId);

}  // namespace plexus::federationsender
