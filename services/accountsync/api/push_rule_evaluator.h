// Push-rule evaluation: which rule of a user's ruleset matches an event and what its actions
// mean (notify, highlight, sound). A pure function over JSON, shared by sync-api (unread and
// highlight counts) and push delivery (SPEC: client-server push module, "Push Rules",
// "Conditions"; appendices "Glob-style matching", "Dot-separated property paths").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/json/value.h"

namespace plexus::accountsync::pushrules {

// What the rules need to know beyond the event itself.
struct EvaluationContext {
  std::int64_t roomMemberCount = 0;  // joined members of the room
  // The rule owner's display name in the room (contains_display_name); none: never matches.
  std::optional<std::string> userDisplayName;
  // The content of the room's m.room.power_levels event, when it has one.
  std::optional<json::Object> powerLevels;
  // The sender's power level when the caller knows it better than powerLevels does (e.g. the
  // creator of a room without a power-levels event has 100). Otherwise looked up in
  // powerLevels (users, users_default; 0 without an event).
  std::optional<std::int64_t> senderPowerLevel;
};

struct RuleMatch {
  std::string kind;  // "override", "content", "room", "sender" or "underride"
  std::string ruleId;
  json::Array actions;
};

// The first enabled rule, in kind order override, content, room, sender, underride and list
// order within a kind, whose conditions all hold for `event` (a client-format event: type,
// content, sender, room_id, state_key...). nullopt when none matches: no notification.
// `ruleset` is the {"global": {...}} document; malformed rules never match. Never throws;
// runs in time linear in the event size times the pattern length.
std::optional<RuleMatch> evaluate(const json::Object& ruleset, const json::Object& event,
                                  const EvaluationContext& context);

// What a matched rule's actions ask for (SPEC: "Actions"; historical actions are ignored).
struct Tweaks {
  bool notify = false;
  bool highlight = false;  // highlight tweak without value means true
  std::optional<std::string> sound;
};
Tweaks summarize(const json::Array& actions);

// Exposed for tests and for callers with their own rule forms.
// Glob match (* any run, ? one character), ASCII case-insensitive, of the whole value, or,
// with wordBoundary, of any substring that starts and ends at a word boundary.
bool globMatches(std::string_view pattern, std::string_view value, bool wordBoundary);
// Resolves a dot-separated property path ("content.m\\.mentions.user_ids") in `event`.
const json::Value* lookupPath(const json::Object& event, std::string_view path);

}  // namespace plexus::accountsync::pushrules
