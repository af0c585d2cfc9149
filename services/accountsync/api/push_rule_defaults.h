// The server-default push rules (SPEC: client-server push module, "Predefined Rules"): the
// ruleset a user has before editing any rule. In the api target so that every evaluator of
// push rules (account-sync's push rules API, sync-api's unread counts) uses the same rules
// for users with no "m.push_rules" account data yet.
#pragma once

#include <string_view>

#include "plexus/json/value.h"

namespace plexus::accountsync::pushrules {

// The spec's server-default rules for the user `userId`, as the {"global": {...}} document
// GET /pushrules/ returns (localpart fills .m.rule.contains_user_name's pattern).
json::Object defaultRuleset(std::string_view userId, std::string_view localpart);

}  // namespace plexus::accountsync::pushrules
