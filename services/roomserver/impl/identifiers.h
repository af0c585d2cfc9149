// Light checks of Matrix identifiers (spec appendices "Identifier Grammar") for the inputs the
// roomserver builds events from; full validation is the auth rules' job.
#pragma once

#include <string_view>

namespace plexus::roomserver {

// "@localpart:server" with both parts non-empty.
inline bool isUserId(std::string_view id) {
  auto colon = id.find(':');
  return id.size() >= 4 && id.front() == '@' && colon != std::string_view::npos && colon > 1 &&
         colon + 1 < id.size();
}

// "#localpart:server" with both parts non-empty.
inline bool isRoomAlias(std::string_view id) {
  auto colon = id.find(':');
  return id.size() >= 4 && id.front() == '#' && colon != std::string_view::npos && colon > 1 &&
         colon + 1 < id.size();
}

// The server name of an identifier ("" when it has none).
inline std::string_view serverOf(std::string_view id) {
  auto colon = id.find(':');
  return colon == std::string_view::npos ? std::string_view() : id.substr(colon + 1);
}

}  // namespace plexus::roomserver
