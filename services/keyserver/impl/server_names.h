// The server part of a Matrix user ID ("@local:server" -> "server"), empty when there is none.
#pragma once

#include <string>
#include <string_view>

namespace plexus::keyserver {

inline std::string serverOfUser(std::string_view userId) {
  auto colon = userId.find(':');
  return colon == std::string_view::npos ? std::string() : std::string(userId.substr(colon + 1));
}

}  // namespace plexus::keyserver
