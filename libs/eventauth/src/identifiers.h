// Small checks on Matrix identifiers that the auth rules need: user ID validity (for power-level
// `users` keys and v12 `additional_creators`) and the server-name part of sigil-prefixed IDs.
#pragma once

#include <string_view>

namespace plexus::eventauth::detail {

// True for "@localpart:server": sigil, non-empty localpart without ':', non-empty server name of
// printable ASCII without spaces, at most 255 bytes in all (spec appendix "User Identifiers",
// including historical localparts).
bool isValidUserId(std::string_view id);

// The part after the first ':' of "@user:server", "!room:server" or "$event:server"; empty when
// there is no ':'.
std::string_view domainOf(std::string_view id);

}  // namespace plexus::eventauth::detail
