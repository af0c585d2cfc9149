// OverlayDirectory: rooms and people that other nodes announced over the peer-to-peer overlay
// (issue 6, gossip), for the room directory and the user directory of a node on the overlay.
// Optional in ClientApiDeps; implemented by the composition root (services/node). Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roomserver/api/roomserver_api.h"

namespace plexus::clientapi {

class OverlayDirectory {
 public:
  struct Profile {
    std::string userId;
    std::optional<std::string> displayName;
    std::optional<std::string> avatarUrl;
  };

  virtual ~OverlayDirectory() = default;
  // Public rooms of other servers whose name, topic, alias or ID contains `searchTerm`
  // (case-insensitive; all of them when empty), most members first.
  virtual std::vector<roomserver::PublicRoom> publicRooms(std::string_view searchTerm) const = 0;
  // The servers that announced `roomId` as public: where a join by room ID alone can go.
  virtual std::vector<std::string> roomServers(std::string_view roomId) const = 0;
  // Users of other servers whose ID or display name contains `searchTerm`, at most `limit`.
  virtual std::vector<Profile> profiles(std::string_view searchTerm, std::size_t limit) const = 0;
};

}  // namespace plexus::clientapi
