// A pure push-rule evaluator for unread notification counts (SPEC: client-server-api push.md
// "Push Rules", "Predefined Rules", "Conditions"). Rules are the m.push_rules account-data
// content's "global" ruleset, merged with the server-default rules; no I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/json/value.h"

namespace plexus::syncapi {

struct PushContext {
  std::string userId;
  std::string displayName;          // the user's display name in the room ("" = none)
  std::int64_t memberCount = 0;     // joined members of the room
  std::int64_t senderPowerLevel = 0;
  json::Object notificationLevels;  // power_levels content.notifications ({"room": 50} default)
};

struct PushOutcome {
  bool notify = false;
  bool highlight = false;
};

// The server-default ruleset for userId: {"override": [...], "content": [...], "room": [],
// "sender": [], "underride": [...]}.
json::Object defaultPushRules(const std::string& userId);

// Merges user-defined rules (the "global" object of m.push_rules, may be null) with the
// defaults: master first, then user rules before server-default rules of each kind; a stored
// rule with a default rule's ID replaces it.
json::Object mergePushRules(const std::string& userId, const json::Object* userGlobal);

// Evaluates `rules` (a merged ruleset) against a PDU (its JSON object).
PushOutcome evaluatePushRules(const json::Object& rules, const json::Object& event,
                              const PushContext& context);

// Glob matching with '*' and '?', case-insensitive; wordBoundary: pattern may match any
// word-bounded substring (content.body semantics).
bool globMatches(std::string_view pattern, std::string_view value, bool wordBoundary);

}  // namespace plexus::syncapi
