// User ID rules for registration and login (SPEC: appendices "User Identifiers").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plexus/core/result.h"

namespace plexus::accountsync {

// Checks a localpart for a new account on `serverName`: characters a-z 0-9 . _ = - / +,
// not empty, full ID "@localpart:server" at most 255 bytes, and not all digits (numeric IDs
// are reserved for guests). Errors: kInvalidUsername.
Status validateNewLocalpart(std::string_view localpart, std::string_view serverName, bool guest);

// ASCII lower-casing (SPEC: servers fold user IDs on registration and login).
std::string lowerAscii(std::string_view s);

// Splits "@local:server" into its localpart when server is `serverName`; nullopt for
// malformed IDs and other servers.
std::optional<std::string> localpartOf(std::string_view userId, std::string_view serverName);

}  // namespace plexus::accountsync
