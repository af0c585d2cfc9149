// Server ACLs (m.room.server_acl, SPEC: client-server-api "Server Access Control Lists"): which
// servers may take part in a room. Federation endpoints that concern a room refuse a denied
// origin with 403 M_FORBIDDEN; /send drops its PDUs and EDUs for that room.
#pragma once

#include <string_view>

#include "plexus/json/value.h"

namespace plexus::federationapi {

// `*` matches any run of characters, `?` exactly one; the whole of `text` must match.
// Case-sensitive, as the spec's examples are (server names are compared as given).
bool globMatches(std::string_view pattern, std::string_view text);

// Whether `serverName` (port ignored) may take part under the ACL `content`: IP literals are
// refused when allow_ip_literals is false (default true), any matching `deny` entry refuses,
// otherwise one `allow` entry must match (an absent allow list allows nobody). A server name
// that does not parse is refused.
bool serverAllowedByAcl(const json::Object& content, std::string_view serverName);

}  // namespace plexus::federationapi
