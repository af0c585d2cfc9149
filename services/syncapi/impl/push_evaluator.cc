// Push-rule evaluation: merge with defaults, conditions, actions.
#include "syncapi/impl/push_evaluator.h"

#include <cctype>
#include <set>
#include <vector>

namespace plexus::syncapi {
namespace {

constexpr std::string_view kKinds[] = {"override", "content", "room", "sender", "underride"};

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool globAt(std::string_view p, std::string_view v) {
  std::size_t pi = 0, vi = 0, star = std::string_view::npos, mark = 0;
  while (vi < v.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = vi;
    } else if (pi < p.size() && (p[pi] == '?' || lower(p[pi]) == lower(v[vi]))) {
      ++pi;
      ++vi;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Splits a dotted key with "\." escapes.
std::vector<std::string> splitKey(std::string_view key) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '\\' && i + 1 < key.size() && (key[i + 1] == '.' || key[i + 1] == '\\')) {
      parts.back() += key[++i];
    } else if (key[i] == '.') {
      parts.emplace_back();
    } else {
      parts.back() += key[i];
    }
  }
  return parts;
}

const json::Value* lookup(const json::Object& event, std::string_view key) {
  const json::Object* obj = &event;
  const json::Value* v = nullptr;
  for (const auto& part : splitKey(key)) {
    if (!obj) return nullptr;
    v = obj->find(part);
    if (!v) return nullptr;
    obj = v->getObject();
  }
  return v;
}

bool checkMemberCount(std::string_view is, std::int64_t count) {
  std::string op;
  while (!is.empty() && (is.front() == '=' || is.front() == '<' || is.front() == '>')) {
    op += is.front();
    is.remove_prefix(1);
  }
  if (is.empty()) return false;
  std::int64_t n = 0;
  for (char c : is) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    n = n * 10 + (c - '0');
    if (n > (std::int64_t{1} << 40)) return false;
  }
  if (op.empty() || op == "==") return count == n;
  if (op == "<") return count < n;
  if (op == ">") return count > n;
  if (op == "<=") return count <= n;
  if (op == ">=") return count >= n;
  return false;
}

bool conditionHolds(const json::Object& cond, const json::Object& event, const PushContext& ctx) {
  auto str = [&](std::string_view k) -> std::optional<std::string_view> {
    const json::Value* v = cond.find(k);
    const std::string* s = v ? v->getString() : nullptr;
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  auto kind = str("kind");
  if (!kind) return false;
  if (*kind == "event_match") {
    auto key = str("key");
    auto pattern = str("pattern");
    if (!key || !pattern) return false;
    const json::Value* v = lookup(event, *key);
    const std::string* s = v ? v->getString() : nullptr;
    if (!s) return false;
    return globMatches(*pattern, *s, *key == "content.body");
  }
  if (*kind == "event_property_is" || *kind == "event_property_contains") {
    auto key = str("key");
    const json::Value* want = cond.find("value");
    if (!key || !want) return false;
    if (want->isArray() || want->isObject() || want->isFloat()) return false;
    const json::Value* v = lookup(event, *key);
    if (!v) return false;
    if (*kind == "event_property_is") return *v == *want;
    const json::Array* a = v->getArray();
    if (!a) return false;
    for (const auto& item : *a) {
      if (item == *want) return true;
    }
    return false;
  }
  if (*kind == "contains_display_name") {
    if (ctx.displayName.empty()) return false;
    const json::Value* body = lookup(event, "content.body");
    const std::string* s = body ? body->getString() : nullptr;
    return s && globMatches(ctx.displayName, *s, true);
  }
  if (*kind == "room_member_count") {
    auto is = str("is");
    return is && checkMemberCount(*is, ctx.memberCount);
  }
  if (*kind == "sender_notification_permission") {
    auto key = str("key");
    if (!key) return false;
    std::int64_t required = 50;
    if (const json::Value* v = ctx.notificationLevels.find(*key)) {
      if (auto n = v->getInt()) required = *n;
    }
    return ctx.senderPowerLevel >= required;
  }
  return false;  // SPEC: unknown condition kinds never match
}

bool ruleMatches(std::string_view kind, const json::Object& rule, const json::Object& event,
                 const PushContext& ctx) {
  auto ruleString = [&](std::string_view k) -> std::optional<std::string_view> {
    const json::Value* v = rule.find(k);
    const std::string* s = v ? v->getString() : nullptr;
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  if (auto enabled = rule.find("enabled"); enabled && enabled->getBool() == false) return false;
  if (kind == "content") {
    auto pattern = ruleString("pattern");
    const json::Value* body = lookup(event, "content.body");
    const std::string* s = body ? body->getString() : nullptr;
    return pattern && s && globMatches(*pattern, *s, true);
  }
  if (kind == "room" || kind == "sender") {
    auto id = ruleString("rule_id");
    const json::Value* v = event.find(kind == "room" ? "room_id" : "sender");
    const std::string* s = v ? v->getString() : nullptr;
    return id && s && *s == *id;
  }
  const json::Value* conds = rule.find("conditions");
  if (!conds) return true;
  const json::Array* a = conds->getArray();
  if (!a) return false;
  for (const auto& c : *a) {
    const json::Object* o = c.getObject();
    if (!o || !conditionHolds(*o, event, ctx)) return false;
  }
  return true;
}

PushOutcome outcomeOf(const json::Object& rule) {
  PushOutcome out;
  const json::Value* actions = rule.find("actions");
  const json::Array* a = actions ? actions->getArray() : nullptr;
  if (!a) return out;
  for (const auto& action : *a) {
    if (const std::string* s = action.getString()) {
      if (*s == "notify" || *s == "coalesce") out.notify = true;
    } else if (action.getStringAt("set_tweak") == "highlight") {
      const json::Value* v = action.get("value");
      out.highlight = !v || v->getBool() != false;
    }
  }
  if (!out.notify) out.highlight = false;
  return out;
}

}  // namespace

bool globMatches(std::string_view pattern, std::string_view value, bool wordBoundary) {
  if (!wordBoundary) return globAt(pattern, value);
  if (pattern.find_first_of("*?") == std::string_view::npos) {
    // Fast path for literal patterns (display names, localparts): scan occurrences.
    if (pattern.empty() || pattern.size() > value.size()) return false;
    for (std::size_t i = 0; i + pattern.size() <= value.size(); ++i) {
      bool same = true;
      for (std::size_t j = 0; j < pattern.size() && same; ++j) {
        same = lower(pattern[j]) == lower(value[i + j]);
      }
      if (!same) continue;
      std::size_t end = i + pattern.size();
      bool startOk = i == 0 || !isWordChar(value[i - 1]) || !isWordChar(pattern.front());
      bool endOk = end == value.size() || !isWordChar(value[end]) || !isWordChar(pattern.back());
      if (startOk && endOk) return true;
    }
    return false;
  }
  value = value.substr(0, 1024);  // bound the quadratic search for wildcard patterns
  // Try every word-bounded substring start/end (values are short message bodies).
  for (std::size_t start = 0; start <= value.size(); ++start) {
    if (start > 0 && isWordChar(value[start - 1]) && start < value.size() &&
        isWordChar(value[start])) {
      continue;
    }
    for (std::size_t end = value.size() + 1; end-- > start;) {
      if (end < value.size() && end > 0 && isWordChar(value[end - 1]) && isWordChar(value[end])) {
        continue;
      }
      if (globAt(pattern, value.substr(start, end - start))) return true;
    }
  }
  return false;
}

json::Object mergePushRules(const std::string& userId, const json::Object* userGlobal) {
  json::Object defaults = defaultPushRules(userId);
  if (!userGlobal) return defaults;
  json::Object merged;
  for (std::string_view kind : kKinds) {
    json::Array out;
    const json::Value* userKind = userGlobal->find(kind);
    const json::Array* userRules = userKind ? userKind->getArray() : nullptr;
    const json::Value* defKind = defaults.find(kind);
    const json::Array* defRules = defKind ? defKind->getArray() : nullptr;
    std::set<std::string> userIds;
    if (userRules) {
      for (const auto& r : *userRules) {
        if (auto id = r.getStringAt("rule_id")) userIds.insert(std::string(*id));
      }
    }
    auto addDefault = [&](const json::Value& r) {
      auto id = r.getStringAt("rule_id");
      if (!id || !userIds.count(std::string(*id))) {
        out.push_back(r);
        return;
      }
      for (const auto& u : *userRules) {
        if (u.getStringAt("rule_id") == id) out.push_back(u);
      }
    };
    // .m.rule.master stays first; then user-defined rules; then the other defaults.
    if (kind == "override" && defRules && !defRules->empty()) addDefault(defRules->front());
    if (userRules) {
      for (const auto& r : *userRules) {
        auto id = r.getStringAt("rule_id");
        if (id && !id->empty() && id->front() == '.') continue;  // server-default IDs
        out.push_back(r);
      }
    }
    if (defRules) {
      for (std::size_t i = kind == "override" ? 1 : 0; i < defRules->size(); ++i) {
        addDefault((*defRules)[i]);
      }
    }
    merged.set(std::string(kind), std::move(out));
  }
  return merged;
}

PushOutcome evaluatePushRules(const json::Object& rules, const json::Object& event,
                              const PushContext& context) {
  for (std::string_view kind : kKinds) {
    const json::Value* list = rules.find(kind);
    const json::Array* a = list ? list->getArray() : nullptr;
    if (!a) continue;
    for (const auto& r : *a) {
      const json::Object* rule = r.getObject();
      if (rule && ruleMatches(kind, *rule, event, context)) return outcomeOf(*rule);
    }
  }
  return {};
}

}  // namespace plexus::syncapi
