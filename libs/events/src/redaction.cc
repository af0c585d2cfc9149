// The redaction algorithm of each room version (spec: rooms/fragments/v1-redactions.md,
// v6-, v9-, v11-redactions.md; v8 adds join_rules `allow`, see rooms/v8.md "Redactions").
#include <algorithm>
#include <vector>

#include "plexus/events/redaction.h"
#include "plexus/json/canonical.h"
#include "redacted_form.h"

namespace plexus::events {
namespace detail {
namespace {

using Keys = std::initializer_list<std::string_view>;

bool contains(Keys keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool atLeast(RedactionRules rules, RedactionRules min) {
  return static_cast<int>(rules) >= static_cast<int>(min);
}

// How a content key of an event type survives redaction.
enum class ContentKeep { kDrop, kKeep, kSignedOnly };

ContentKeep contentKeyRule(std::string_view type, std::string_view key, RedactionRules rules) {
  using enum RedactionRules;
  auto keepIf = [](bool b) { return b ? ContentKeep::kKeep : ContentKeep::kDrop; };
  if (type == "m.room.member") {
    if (key == "membership") return ContentKeep::kKeep;
    if (key == "join_authorised_via_users_server") return keepIf(atLeast(rules, kV9));
    // SPEC: v11 (MSC3821): only the `signed` part of `third_party_invite` is kept.
    if (key == "third_party_invite" && atLeast(rules, kV11)) return ContentKeep::kSignedOnly;
    return ContentKeep::kDrop;
  }
  if (type == "m.room.create") {
    // SPEC: v11 (MSC2176): the create event keeps its whole content.
    return keepIf(atLeast(rules, kV11) || key == "creator");
  }
  if (type == "m.room.join_rules") {
    return keepIf(key == "join_rule" || (key == "allow" && atLeast(rules, kV8)));
  }
  if (type == "m.room.power_levels") {
    if (key == "invite") return keepIf(atLeast(rules, kV11));
    return keepIf(contains({"ban", "events", "events_default", "kick", "redact", "state_default",
                            "users", "users_default"},
                           key));
  }
  if (type == "m.room.history_visibility") return keepIf(key == "history_visibility");
  // SPEC: m.room.aliases content survives only in v1-v5 (v6 redactions, MSC2432).
  if (type == "m.room.aliases") return keepIf(key == "aliases" && rules == kV1);
  // SPEC: v11 (MSC2174): redactions carry `redacts` in content, and it is kept.
  if (type == "m.room.redaction") return keepIf(key == "redacts" && atLeast(rules, kV11));
  return ContentKeep::kDrop;
}

}  // namespace

bool keepsTopLevelKey(std::string_view key, const RoomVersion& version) {
  if (contains({"event_id", "type", "room_id", "sender", "state_key", "content", "hashes",
                "signatures", "depth", "prev_events", "auth_events", "origin_server_ts"},
               key)) {
    return true;
  }
  // SPEC: v11 (MSC2176): `origin`, `membership` and `prev_state` are no longer kept.
  if (atLeast(version.redaction, RedactionRules::kV11)) return false;
  return contains({"prev_state", "origin", "membership"}, key);
}

json::Object redactContent(std::string_view type, const json::Value& content,
                           const RoomVersion& version) {
  json::Object out;
  const json::Object* object = content.getObject();
  if (!object) return out;
  for (const auto& [key, value] : *object) {
    switch (contentKeyRule(type, key, version.redaction)) {
      case ContentKeep::kDrop: break;
      case ContentKeep::kKeep: out.set(key, value); break;
      case ContentKeep::kSignedOnly: {
        // A third_party_invite that is not an object has nothing to keep.
        const json::Object* invite = value.getObject();
        if (!invite) break;
        json::Object kept;
        if (const json::Value* signedBlock = invite->find("signed")) kept.set("signed", *signedBlock);
        out.set(key, std::move(kept));
        break;
      }
    }
  }
  return out;
}

void writeRedactedSigningBytes(const json::Object& event, const RoomVersion& version,
                               std::string& out) {
  std::string_view type;
  if (const json::Value* t = event.find("type"); t && t->isString()) type = *t->getString();
  out.push_back('{');
  bool first = true;
  for (const auto& [key, value] : event) {
    if (key == "signatures" || key == "unsigned") continue;
    if (!keepsTopLevelKey(key, version)) continue;
    if (key == "event_id" && !version.eventIdsInEvents) continue;
    if (!first) out.push_back(',');
    first = false;
    json::writeString(key, out);
    out.push_back(':');
    if (key == "content") {
      json::writeCanonical(redactContent(type, value, version), out);
    } else {
      json::writeCanonical(value, out);
    }
  }
  out.push_back('}');
}

}  // namespace detail

json::Object redact(const json::Object& event, const RoomVersion& version) {
  std::string_view type;
  if (const json::Value* t = event.find("type"); t && t->isString()) type = *t->getString();
  std::vector<json::Object::Member> kept;
  for (const auto& [key, value] : event) {
    if (!detail::keepsTopLevelKey(key, version)) continue;
    if (key == "content") {
      kept.emplace_back(key, detail::redactContent(type, value, version));
    } else {
      kept.emplace_back(key, value);
    }
  }
  // The members come from a valid object in key order, so they stay sorted and unique.
  return *json::Object::fromMembers(std::move(kept));
}

}  // namespace plexus::events
