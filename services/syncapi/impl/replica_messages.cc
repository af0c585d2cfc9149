// JSON forms of the sync-api replica messages (replica_messages.h).
#include "syncapi/impl/replica_messages.h"

namespace plexus::syncapi {
namespace {

std::string stringOr(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  const std::string* s = v ? v->getString() : nullptr;
  return s ? *s : std::string();
}

}  // namespace

json::Object StreamAdvanced::toJson() const {
  return json::Object{{"pos", pos}, {"origin", origin}};
}

Result<StreamAdvanced> StreamAdvanced::fromJson(const json::Object& object) {
  const json::Value* pos = object.find("pos");
  if (!pos || !pos->getInt()) return fail(ErrorCode::kBadJson, "StreamAdvanced: no pos");
  return StreamAdvanced{*pos->getInt(), stringOr(object, "origin")};
}

json::Object TypingChange::toJson() const {
  return json::Object{{"room_id", roomId},
                      {"user_id", userId},
                      {"typing", typing},
                      {"until_ms", untilMs},
                      {"origin", origin}};
}

Result<TypingChange> TypingChange::fromJson(const json::Object& object) {
  TypingChange t;
  t.roomId = stringOr(object, "room_id");
  t.userId = stringOr(object, "user_id");
  const json::Value* typing = object.find("typing");
  const json::Value* until = object.find("until_ms");
  if (t.roomId.empty() || t.userId.empty() || !typing || !typing->isBool() || !until ||
      !until->getInt()) {
    return fail(ErrorCode::kBadJson, "TypingChange: missing fields");
  }
  t.typing = *typing->getBool();
  t.untilMs = *until->getInt();
  t.origin = stringOr(object, "origin");
  return t;
}

}  // namespace plexus::syncapi
