// Push-rule documents: the server-default ruleset of the current spec and the edits the push
// rules API makes to a user's ruleset. A ruleset is the JSON object clients see in
// GET /pushrules/ and in the "m.push_rules" account data:
//   {"global": {"override": [...], "content": [...], "room": [...], "sender": [...],
//               "underride": [...]}}
// Within a kind, user rules come before server-default rules (rule IDs starting with "."),
// except ".m.rule.master", which always comes first (SPEC: push "Predefined Rules").
// Pure functions over json::Object; storage is the service's business.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "accountsync/api/push_rule_defaults.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::accountsync::pushrules {

// "override", "content", "room", "sender", "underride".
bool isValidKind(std::string_view kind);

// defaultRuleset(userId, localpart): the spec's server-default rules, declared in
// accountsync/api/push_rule_defaults.h (shared with sync-api).

// One rule as stored. Errors: kInvalidParam (unknown kind), kNotFound.
Result<json::Object> findRule(const json::Object& ruleset, std::string_view kind,
                              std::string_view ruleId);

// Adds or replaces the user rule `ruleId` from a PUT body. Errors: see
// AccountSyncApi::performPutPushRule.
Status putRule(json::Object& ruleset, std::string_view kind, std::string_view ruleId,
               const json::Object& body, const std::optional<std::string>& before,
               const std::optional<std::string>& after);

// Errors: kInvalidParam (unknown kind, server-default rule), kNotFound.
Status deleteRule(json::Object& ruleset, std::string_view kind, std::string_view ruleId);

// Errors: kInvalidParam (unknown kind), kNotFound.
Status setEnabled(json::Object& ruleset, std::string_view kind, std::string_view ruleId,
                  bool enabled);

// Errors: kInvalidParam (unknown kind), kNotFound, kBadJson (malformed actions).
Status setActions(json::Object& ruleset, std::string_view kind, std::string_view ruleId,
                  const json::Array& actions);

// Validates an actions array and drops the historical "dont_notify" and "coalesce" actions
// (SPEC: push "Historical Actions"). Errors: kBadJson.
Result<json::Array> normalizeActions(const json::Array& actions);

}  // namespace plexus::accountsync::pushrules
