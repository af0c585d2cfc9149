// Push-rule evaluation (see push_rule_evaluator.h). Globs run as a small NFA over code points
// (a bit per pattern position), so a hostile event body costs time linear in its length
// times the pattern length, never exponential backtracking.
#include "accountsync/api/push_rule_evaluator.h"

#include <array>
#include <charconv>
#include <vector>

namespace plexus::accountsync::pushrules {
namespace {

constexpr std::size_t kMaxPatternCodePoints = 1024;

// Decodes UTF-8 leniently (a bad byte becomes one code point of its own value): the input
// was validated by the JSON parser, and a lenient decoder cannot fail.
std::vector<char32_t> codePoints(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    if (i + static_cast<std::size_t>(extra) >= s.size()) extra = 0;  // truncated sequence
    char32_t cp = extra == 0 ? b : (b & (0x3F >> extra));
    for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

char32_t fold(char32_t c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

// SPEC: a word boundary is the start or end of the value or any character not in
// [A-Z], [a-z], [0-9] or _.
bool isWordChar(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool atBoundary(const std::vector<char32_t>& text, std::size_t pos) {
  return pos == 0 || pos == text.size() || !isWordChar(text[pos - 1]) || !isWordChar(text[pos]);
}

// NFA simulation. literal: '*' and '?' are ordinary characters (display names).
bool nfaMatch(const std::vector<char32_t>& pattern, const std::vector<char32_t>& text,
              bool wordBoundary, bool literal) {
  const std::size_t m = pattern.size();
  auto isStar = [&](std::size_t i) { return !literal && pattern[i] == U'*'; };
  auto close = [&](std::vector<char>& states) {
    for (std::size_t i = 0; i < m; ++i) {
      if (states[i] && isStar(i)) states[i + 1] = 1;
    }
  };
  std::vector<char> states(m + 1, 0);
  std::vector<char> next(m + 1, 0);
  for (std::size_t pos = 0;; ++pos) {
    if (pos == 0 || (wordBoundary && atBoundary(text, pos))) states[0] = 1;
    close(states);
    if (states[m] && (!wordBoundary || atBoundary(text, pos))) {
      if (wordBoundary || pos == text.size()) return true;
    }
    if (pos == text.size()) return false;
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    const char32_t c = fold(text[pos]);
    for (std::size_t i = 0; i < m; ++i) {
      if (!states[i]) continue;
      if (isStar(i)) {
        next[i] = 1;
        any = true;
      } else if ((!literal && pattern[i] == U'?') || fold(pattern[i]) == c) {
        next[i + 1] = 1;
        any = true;
      }
    }
    states.swap(next);
    if (!any && !wordBoundary) return false;
  }
}

bool isScalar(const json::Value& v) {
  return v.isString() || v.isInt() || v.isBool() || v.isNull();
}

std::optional<std::int64_t> asLevel(const json::Value* v) {
  if (!v) return std::nullopt;
  if (auto i = v->getInt()) return *i;
  if (const std::string* s = v->getString()) {  // old room versions allow string levels
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && end == s->data() + s->size()) return out;
  }
  return std::nullopt;
}

bool memberCountMatches(std::string_view is, std::int64_t count) {
  std::string_view op = "==";
  for (std::string_view candidate : {"==", "<=", ">=", "<", ">"}) {
    if (is.starts_with(candidate)) {
      op = candidate;
      is.remove_prefix(candidate.size());
      break;
    }
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(is.data(), is.data() + is.size(), n);
  if (is.empty() || ec != std::errc() || end != is.data() + is.size()) return false;
  if (op == "==") return count == n;
  if (op == "<=") return count <= n;
  if (op == ">=") return count >= n;
  if (op == "<") return count < n;
  return count > n;
}

bool senderMayNotify(const json::Object& event, std::string_view key,
                     const EvaluationContext& context) {
  const json::Object* levels = context.powerLevels ? &*context.powerLevels : nullptr;
  std::int64_t required = 50;  // SPEC: notifications.room defaults to 50
  if (levels) {
    const json::Value* notifications = levels->find("notifications");
    if (auto l = asLevel(notifications ? notifications->get(key) : nullptr)) required = *l;
  }
  std::int64_t sender = 0;
  if (context.senderPowerLevel) {
    sender = *context.senderPowerLevel;
  } else if (levels) {
    if (auto d = asLevel(levels->find("users_default"))) sender = *d;
    const json::Value* users = levels->find("users");
    const json::Value* senderId = event.find("sender");
    if (users && senderId && senderId->getString()) {
      if (auto l = asLevel(users->get(*senderId->getString()))) sender = *l;
    }
  }
  return sender >= required;
}

bool conditionHolds(const json::Value& condition, const json::Object& event,
                    const EvaluationContext& context) {
  auto kind = condition.getStringAt("kind");
  if (!kind) return false;
  if (*kind == "event_match") {
    auto key = condition.getStringAt("key");
    auto pattern = condition.getStringAt("pattern");
    if (!key || !pattern) return false;
    const json::Value* value = lookupPath(event, *key);
    if (!value || !value->getString()) return false;
    return globMatches(*pattern, *value->getString(), *key == "content.body");
  }
  if (*kind == "event_property_is" || *kind == "event_property_contains") {
    auto key = condition.getStringAt("key");
    const json::Value* expected = condition.get("value");
    if (!key || !expected || !isScalar(*expected)) return false;
    const json::Value* value = lookupPath(event, *key);
    if (!value) return false;
    if (*kind == "event_property_is") return isScalar(*value) && *value == *expected;
    const json::Array* items = value->getArray();
    if (!items) return false;
    for (const json::Value& item : *items) {
      if (isScalar(item) && item == *expected) return true;
    }
    return false;
  }
  if (*kind == "contains_display_name") {
    if (!context.userDisplayName || context.userDisplayName->empty()) return false;
    const json::Value* body = lookupPath(event, "content.body");
    if (!body || !body->getString()) return false;
    return nfaMatch(codePoints(*context.userDisplayName), codePoints(*body->getString()),
                    /*wordBoundary=*/true, /*literal=*/true);
  }
  if (*kind == "room_member_count") {
    auto is = condition.getStringAt("is");
    return is && memberCountMatches(*is, context.roomMemberCount);
  }
  if (*kind == "sender_notification_permission") {
    auto key = condition.getStringAt("key");
    return key && senderMayNotify(event, *key, context);
  }
  return false;  // SPEC: unrecognised conditions never match
}

bool ruleMatches(std::string_view kind, const json::Value& rule, const json::Object& event,
                 const EvaluationContext& context) {
  auto ruleId = rule.getStringAt("rule_id");
  if (!ruleId) return false;
  if (kind == "override" || kind == "underride") {
    const json::Value* conditions = rule.get("conditions");
    if (!conditions) return true;  // a rule without conditions always matches
    const json::Array* list = conditions->getArray();
    if (!list) return false;
    for (const json::Value& c : *list) {
      if (!conditionHolds(c, event, context)) return false;
    }
    return true;
  }
  if (kind == "content") {
    auto pattern = rule.getStringAt("pattern");
    const json::Value* body = lookupPath(event, "content.body");
    return pattern && body && body->getString() &&
           globMatches(*pattern, *body->getString(), /*wordBoundary=*/true);
  }
  const char* field = kind == "room" ? "room_id" : "sender";
  const json::Value* value = event.find(field);
  return value && value->getString() && *value->getString() == *ruleId;
}

}  // namespace

const json::Value* lookupPath(const json::Object& event, std::string_view path) {
  const json::Object* object = &event;
  const json::Value* value = nullptr;
  std::string part;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] == '\\' && i + 1 < path.size() &&
        (path[i + 1] == '.' || path[i + 1] == '\\')) {
      part += path[++i];  // SPEC: "\." is a literal dot, "\\" a literal backslash
      continue;
    }
    if (i < path.size() && path[i] != '.') {
      part += path[i];
      continue;
    }
    if (!object) return nullptr;
    value = object->find(part);
    if (!value) return nullptr;
    object = value->getObject();
    part.clear();
  }
  return value;
}

bool globMatches(std::string_view pattern, std::string_view value, bool wordBoundary) {
  std::vector<char32_t> p = codePoints(pattern);
  if (p.size() > kMaxPatternCodePoints) return false;
  return nfaMatch(p, codePoints(value), wordBoundary, /*literal=*/false);
}

std::optional<RuleMatch> evaluate(const json::Object& ruleset, const json::Object& event,
                                  const EvaluationContext& context) {
  const json::Value* global = ruleset.find("global");
  if (!global || !global->isObject()) return std::nullopt;
  for (std::string_view kind : {"override", "content", "room", "sender", "underride"}) {
    const json::Value* list = global->get(kind);
    if (!list || !list->getArray()) continue;
    for (const json::Value& rule : *list->getArray()) {
      const json::Value* enabled = rule.get("enabled");
      if (!enabled || enabled->getBool() != true) continue;
      if (!ruleMatches(kind, rule, event, context)) continue;
      RuleMatch match;
      match.kind = std::string(kind);
      match.ruleId = std::string(*rule.getStringAt("rule_id"));
      if (const json::Value* actions = rule.get("actions"); actions && actions->getArray()) {
        match.actions = *actions->getArray();
      }
      return match;
    }
  }
  return std::nullopt;
}

Tweaks summarize(const json::Array& actions) {
  Tweaks t;
  for (const json::Value& a : actions) {
    if (const std::string* s = a.getString()) {
      if (*s == "notify") t.notify = true;
      continue;
    }
    auto tweak = a.getStringAt("set_tweak");
    if (!tweak) continue;
    const json::Value* value = a.get("value");
    if (*tweak == "highlight") {
      t.highlight = !value || value->getBool() == true;
    } else if (*tweak == "sound" && value && value->getString()) {
      t.sound = *value->getString();
    }
  }
  return t;
}

}  // namespace plexus::accountsync::pushrules
