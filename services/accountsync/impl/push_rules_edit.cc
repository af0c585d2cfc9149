// Edits of a user's push ruleset: put (with before/after placement), delete, enable and
// actions (SPEC: client-server "Push Rules: API").
#include <algorithm>
#include <array>

#include "accountsync/impl/push_rules.h"

namespace plexus::accountsync::pushrules {
namespace {

constexpr std::array<std::string_view, 5> kKinds = {"override", "content", "room", "sender",
                                                    "underride"};
constexpr std::string_view kMaster = ".m.rule.master";

bool isServerDefault(std::string_view ruleId) { return !ruleId.empty() && ruleId[0] == '.'; }

std::string_view ruleIdOf(const json::Value& rule) {
  auto id = rule.getStringAt("rule_id");
  return id ? *id : std::string_view();
}

// The kind's rule list, created when missing. Errors: kInvalidParam for an unknown kind.
Result<json::Array*> rulesOf(json::Object& ruleset, std::string_view kind) {
  if (!isValidKind(kind)) {
    return fail(ErrorCode::kInvalidParam, "unknown push rule kind: " + std::string(kind));
  }
  json::Value& global = ruleset["global"];
  if (!global.isObject()) global = json::Object{};
  json::Value& list = (*global.getObject())[kind];
  if (!list.isArray()) list = json::Array{};
  return list.getArray();
}

std::ptrdiff_t indexOf(const json::Array& rules, std::string_view ruleId) {
  auto it = std::find_if(rules.begin(), rules.end(),
                         [&](const json::Value& r) { return ruleIdOf(r) == ruleId; });
  return it == rules.end() ? -1 : it - rules.begin();
}

Result<json::Value*> findMutable(json::Object& ruleset, std::string_view kind,
                                 std::string_view ruleId) {
  PLEXUS_TRY(json::Array * rules, rulesOf(ruleset, kind));
  auto i = indexOf(*rules, ruleId);
  if (i < 0) return fail(ErrorCode::kNotFound, "no such push rule: " + std::string(ruleId));
  return &(*rules)[static_cast<std::size_t>(i)];
}

// Where a new user rule goes without before/after: the top of the kind's user rules,
// which is right after .m.rule.master in override.
std::size_t topOfUserRules(const json::Array& rules) {
  return (!rules.empty() && ruleIdOf(rules.front()) == kMaster) ? 1 : 0;
}

Result<json::Array> validateConditions(const json::Value* conditions) {
  if (!conditions) return json::Array{};
  const json::Array* list = conditions->getArray();
  if (!list) return fail(ErrorCode::kBadJson, "conditions must be an array");
  for (const json::Value& c : *list) {
    if (!c.isObject() || !c.getStringAt("kind")) {
      return fail(ErrorCode::kBadJson, "each condition must be an object with a string kind");
    }
  }
  return *list;
}

}  // namespace

bool isValidKind(std::string_view kind) {
  return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
}

Result<json::Array> normalizeActions(const json::Array& actions) {
  json::Array out;
  for (const json::Value& a : actions) {
    if (const std::string* s = a.getString()) {
      if (*s == "dont_notify" || *s == "coalesce") continue;  // SPEC: historical, ignored
      if (*s != "notify") return fail(ErrorCode::kBadJson, "unrecognised action: " + *s);
      out.push_back(a);
    } else if (a.isObject() && a.getStringAt("set_tweak")) {
      out.push_back(a);
    } else {
      return fail(ErrorCode::kBadJson, "an action must be \"notify\" or a set_tweak object");
    }
  }
  return out;
}

Result<json::Object> findRule(const json::Object& ruleset, std::string_view kind,
                              std::string_view ruleId) {
  json::Object copy = ruleset;
  PLEXUS_TRY(json::Value * rule, findMutable(copy, kind, ruleId));
  const json::Object* object = rule->getObject();
  if (!object) return fail(ErrorCode::kInternal, "push rule is not an object");
  return *object;
}

Status putRule(json::Object& ruleset, std::string_view kind, std::string_view ruleId,
               const json::Object& body, const std::optional<std::string>& before,
               const std::optional<std::string>& after) {
  PLEXUS_TRY(json::Array * rules, rulesOf(ruleset, kind));
  if (ruleId.empty()) return fail(ErrorCode::kInvalidParam, "empty push rule ID");
  if (isServerDefault(ruleId)) {
    return fail(ErrorCode::kInvalidParam, "server-default push rules cannot be added or replaced");
  }
  if (before && after) return fail(ErrorCode::kInvalidParam, "give before or after, not both");
  const json::Value* actionsValue = body.find("actions");
  if (!actionsValue) return fail(ErrorCode::kMissingParam, "missing actions");
  if (!actionsValue->isArray()) return fail(ErrorCode::kBadJson, "actions must be an array");
  PLEXUS_TRY(json::Array actions, normalizeActions(*actionsValue->getArray()));

  json::Object rule{{"rule_id", std::string(ruleId)},
                    {"default", false},
                    {"enabled", true},
                    {"actions", std::move(actions)}};
  if (kind == "override" || kind == "underride") {
    PLEXUS_TRY(json::Array conditions, validateConditions(body.find("conditions")));
    rule.set("conditions", std::move(conditions));
  } else if (kind == "content") {
    const json::Value* pattern = body.find("pattern");
    if (!pattern) return fail(ErrorCode::kMissingParam, "content rules need a pattern");
    if (!pattern->isString()) return fail(ErrorCode::kBadJson, "pattern must be a string");
    rule.set("pattern", *pattern);
  }

  auto existing = indexOf(*rules, ruleId);
  if (existing >= 0) {
    // A replaced rule keeps its enabled state (it is toggled through its own endpoint).
    auto enabled = (*rules)[static_cast<std::size_t>(existing)].get("enabled");
    if (enabled && enabled->isBool()) rule.set("enabled", *enabled);
  }

  const std::optional<std::string>& anchor = before ? before : after;
  if (anchor) {
    // SPEC: "It is not possible to add a rule relative to a predefined server rule."
    if (isServerDefault(*anchor)) {
      return fail(ErrorCode::kInvalidParam, "before/after may not name a server-default rule");
    }
    if (*anchor == ruleId) return fail(ErrorCode::kInvalidParam, "a rule cannot anchor itself");
    if (indexOf(*rules, *anchor) < 0) {
      return fail(ErrorCode::kInvalidParam, "before/after names no rule: " + *anchor);
    }
    if (existing >= 0) rules->erase(rules->begin() + existing);
    auto at = indexOf(*rules, *anchor) + (after ? 1 : 0);
    rules->insert(rules->begin() + at, json::Value(std::move(rule)));
  } else if (existing >= 0) {
    (*rules)[static_cast<std::size_t>(existing)] = json::Value(std::move(rule));
  } else {
    rules->insert(rules->begin() + static_cast<std::ptrdiff_t>(topOfUserRules(*rules)),
                  json::Value(std::move(rule)));
  }
  return {};
}

Status deleteRule(json::Object& ruleset, std::string_view kind, std::string_view ruleId) {
  PLEXUS_TRY(json::Array * rules, rulesOf(ruleset, kind));
  auto i = indexOf(*rules, ruleId);
  if (i < 0) return fail(ErrorCode::kNotFound, "no such push rule: " + std::string(ruleId));
  if (isServerDefault(ruleId)) {
    return fail(ErrorCode::kInvalidParam, "server-default push rules cannot be deleted");
  }
  rules->erase(rules->begin() + i);
  return {};
}

Status setEnabled(json::Object& ruleset, std::string_view kind, std::string_view ruleId,
                  bool enabled) {
  PLEXUS_TRY(json::Value * rule, findMutable(ruleset, kind, ruleId));
  if (!rule->isObject()) return fail(ErrorCode::kInternal, "push rule is not an object");
  rule->getObject()->set("enabled", enabled);
  return {};
}

Status setActions(json::Object& ruleset, std::string_view kind, std::string_view ruleId,
                  const json::Array& actions) {
  PLEXUS_TRY(json::Array normalized, normalizeActions(actions));
  PLEXUS_TRY(json::Value * rule, findMutable(ruleset, kind, ruleId));
  if (!rule->isObject()) return fail(ErrorCode::kInternal, "push rule is not an object");
  rule->getObject()->set("actions", std::move(normalized));
  return {};
}

}  // namespace plexus::accountsync::pushrules
