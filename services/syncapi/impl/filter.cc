// Filter parsing and matching.
#include "syncapi/impl/filter.h"

#include <algorithm>

namespace plexus::syncapi {
namespace {

Status readStrings(const json::Object& o, std::string_view key,
                   std::optional<std::vector<std::string>>& out) {
  const json::Value* v = o.find(key);
  if (!v || v->isNull()) return {};
  const json::Array* a = v->getArray();
  if (!a) return fail(ErrorCode::kBadJson, std::string(key) + " must be an array of strings");
  std::vector<std::string> list;
  for (const auto& item : *a) {
    const std::string* s = item.getString();
    if (!s) return fail(ErrorCode::kBadJson, std::string(key) + " must be an array of strings");
    list.push_back(*s);
  }
  out = std::move(list);
  return {};
}

Status readStrings(const json::Object& o, std::string_view key, std::vector<std::string>& out) {
  std::optional<std::vector<std::string>> list;
  PLEXUS_TRY_VOID(readStrings(o, key, list));
  if (list) out = std::move(*list);
  return {};
}

Status readBool(const json::Object& o, std::string_view key, bool& out) {
  const json::Value* v = o.find(key);
  if (!v || v->isNull()) return {};
  auto b = v->getBool();
  if (!b) return fail(ErrorCode::kBadJson, std::string(key) + " must be a boolean");
  out = *b;
  return {};
}

Result<const json::Object*> subObject(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  if (!v || v->isNull()) return static_cast<const json::Object*>(nullptr);
  const json::Object* sub = v->getObject();
  if (!sub) return fail(ErrorCode::kBadJson, std::string(key) + " must be an object");
  return sub;
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

bool typeMatches(std::string_view pattern, std::string_view type) {
  // Iterative glob with '*' only.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < type.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == type[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool EventFilter::allowsRoom(std::string_view roomId) const {
  if (contains(notRooms, roomId)) return false;
  return !rooms || contains(*rooms, roomId);
}

bool EventFilter::matches(std::string_view type, std::string_view sender, std::string_view roomId,
                          const json::Object* content) const {
  for (const auto& p : notTypes) {
    if (typeMatches(p, type)) return false;
  }
  if (types) {
    bool any = false;
    for (const auto& p : *types) any = any || typeMatches(p, type);
    if (!any) return false;
  }
  if (contains(notSenders, sender)) return false;
  if (senders && !contains(*senders, sender)) return false;
  if (!roomId.empty() && !allowsRoom(roomId)) return false;
  if (containsUrl && content) {
    const json::Value* url = content->find("url");
    bool has = url && url->isString();
    if (has != *containsUrl) return false;
  }
  return true;
}

bool Filter::allowsRoom(std::string_view roomId) const {
  if (contains(notRooms, roomId)) return false;
  return !rooms || contains(*rooms, roomId);
}

Result<EventFilter> parseEventFilter(const json::Object& o) {
  EventFilter f;
  if (const json::Value* v = o.find("limit"); v && !v->isNull()) {
    auto n = v->getInt();
    if (!n) return fail(ErrorCode::kBadJson, "limit must be an integer");
    f.limit = static_cast<int>(std::clamp<std::int64_t>(*n, 0, 1000));
  }
  PLEXUS_TRY_VOID(readStrings(o, "types", f.types));
  PLEXUS_TRY_VOID(readStrings(o, "not_types", f.notTypes));
  PLEXUS_TRY_VOID(readStrings(o, "senders", f.senders));
  PLEXUS_TRY_VOID(readStrings(o, "not_senders", f.notSenders));
  PLEXUS_TRY_VOID(readStrings(o, "rooms", f.rooms));
  PLEXUS_TRY_VOID(readStrings(o, "not_rooms", f.notRooms));
  if (const json::Value* v = o.find("contains_url"); v && !v->isNull()) {
    auto b = v->getBool();
    if (!b) return fail(ErrorCode::kBadJson, "contains_url must be a boolean");
    f.containsUrl = *b;
  }
  PLEXUS_TRY_VOID(readBool(o, "lazy_load_members", f.lazyLoadMembers));
  PLEXUS_TRY_VOID(readBool(o, "include_redundant_members", f.includeRedundantMembers));
  PLEXUS_TRY_VOID(readBool(o, "unread_thread_notifications", f.unreadThreadNotifications));
  return f;
}

Result<Filter> parseFilter(const json::Object& o) {
  Filter f;
  PLEXUS_TRY_VOID(readStrings(o, "event_fields", f.eventFields));
  if (const json::Value* v = o.find("event_format"); v && !v->isNull()) {
    const std::string* s = v->getString();
    if (!s || (*s != "client" && *s != "federation")) {
      return fail(ErrorCode::kBadJson, "event_format must be \"client\" or \"federation\"");
    }
    f.federationFormat = *s == "federation";
  }
  auto sub = [&](std::string_view key, const json::Object& from, EventFilter& out) -> Status {
    PLEXUS_TRY(const json::Object* s, subObject(from, key));
    if (s) {
      PLEXUS_TRY(out, parseEventFilter(*s));
    }
    return {};
  };
  PLEXUS_TRY_VOID(sub("presence", o, f.presence));
  PLEXUS_TRY_VOID(sub("account_data", o, f.accountData));
  PLEXUS_TRY(const json::Object* room, subObject(o, "room"));
  if (room) {
    PLEXUS_TRY_VOID(readStrings(*room, "rooms", f.rooms));
    PLEXUS_TRY_VOID(readStrings(*room, "not_rooms", f.notRooms));
    PLEXUS_TRY_VOID(readBool(*room, "include_leave", f.includeLeave));
    PLEXUS_TRY_VOID(sub("timeline", *room, f.timeline));
    PLEXUS_TRY_VOID(sub("state", *room, f.state));
    PLEXUS_TRY_VOID(sub("ephemeral", *room, f.ephemeral));
    PLEXUS_TRY_VOID(sub("account_data", *room, f.roomAccountData));
  }
  return f;
}

}  // namespace plexus::syncapi
