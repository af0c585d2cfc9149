// Shape checks of outbound request answers (see response_shapes.h).
#include "federationsender/impl/response_shapes.h"

#include <string>

namespace plexus::federationsender {
namespace {

// Messages are appended piece by piece: GCC 12 warns (-Wrestrict) about `"x" + std::string`.
Unexpected badJson(std::string_view endpoint, std::string_view what, std::string_view field = {},
                   std::string_view rest = {}) {
  std::string message(endpoint);
  message.append(" answer: ").append(what).append(field).append(rest);
  return fail(ErrorCode::kBadJson, std::move(message));
}

Result<const json::Object*> asObject(const json::Value& v, std::string_view endpoint) {
  const json::Object* o = v.getObject();
  if (!o) return badJson(endpoint, "not an object");
  return o;
}

// The array `key` of `o` with every element turned into a T by `extract` (nullptr: the
// element has the wrong type, named by `kind`).
template <typename T, typename Extract>
Result<std::vector<T>> arrayOf(const json::Object& o, std::string_view key,
                               std::string_view endpoint, bool required, std::string_view kind,
                               Extract extract) {
  std::vector<T> out;
  const json::Value* v = o.find(key);
  if (!v) {
    if (required) return badJson(endpoint, "no array `", key, "`");
    return out;
  }
  const json::Array* a = v->getArray();
  if (!a) return badJson(endpoint, "not an array: `", key, "`");
  out.reserve(a->size());
  for (const json::Value& item : *a) {
    const T* element = extract(item);
    if (!element) return badJson(endpoint, kind, key, "`");
    out.push_back(*element);
  }
  return out;
}

Result<std::vector<json::Object>> objects(const json::Object& o, std::string_view key,
                                          std::string_view endpoint, bool required) {
  return arrayOf<json::Object>(o, key, endpoint, required, "a non-object in `",
                               [](const json::Value& v) { return v.getObject(); });
}

Result<std::vector<std::string>> strings(const json::Object& o, std::string_view key,
                                         std::string_view endpoint, bool required) {
  return arrayOf<std::string>(o, key, endpoint, required, "a non-string in `",
                              [](const json::Value& v) { return v.getString(); });
}

}  // namespace

Result<MakeMembershipResponse> parseMakeMembership(const json::Value& answer) {
  constexpr std::string_view kWhere = "make_membership";
  PLEXUS_TRY(const json::Object* o, asObject(answer, kWhere));
  MakeMembershipResponse out;
  const json::Value* event = o->find("event");
  if (!event || !event->getObject()) return badJson(kWhere, "no `event` object");
  out.event = *event->getObject();
  const json::Value* version = o->find("room_version");
  if (!version) {
    static const std::string kVersionOne = "1";
    out.roomVersion = kVersionOne;  // SPEC: make_join — an absent room_version means version 1.
  } else if (const std::string* s = version->getString()) {
    out.roomVersion = *s;
  } else {
    return badJson(kWhere, "`room_version` is not a string");
  }
  return out;
}

Result<SendJoinResponse> parseSendJoin(const json::Value& answer, std::string_view destination) {
  constexpr std::string_view kWhere = "send_join";
  PLEXUS_TRY(const json::Object* o, asObject(answer, kWhere));
  SendJoinResponse out;
  if (const json::Value* origin = o->find("origin")) {
    const std::string* s = origin->getString();
    if (!s) return badJson(kWhere, "`origin` is not a string");
    out.origin = *s;
  } else {
    out.origin = std::string(destination);
  }
  PLEXUS_TRY(out.state, objects(*o, "state", kWhere, true));
  PLEXUS_TRY(out.authChain, objects(*o, "auth_chain", kWhere, true));
  if (const json::Value* event = o->find("event")) {
    if (!event->getObject()) return badJson(kWhere, "`event` is not an object");
    out.event = *event->getObject();
  }
  if (const json::Value* omitted = o->find("members_omitted")) {
    if (!omitted->getBool()) return badJson(kWhere, "`members_omitted` is not a boolean");
    out.membersOmitted = *omitted->getBool();
  }
  PLEXUS_TRY(out.serversInRoom, strings(*o, "servers_in_room", kWhere, false));
  return out;
}

Result<std::vector<json::Object>> parseSendKnock(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "send_knock"));
  return objects(*o, "knock_room_state", "send_knock", false);
}

Result<json::Object> parseInvite(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "invite"));
  const json::Value* event = o->find("event");
  if (!event || !event->getObject()) return badJson("invite", "no `event` object");
  return *event->getObject();
}

Result<std::vector<json::Object>> parseMissingEvents(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "get_missing_events"));
  return objects(*o, "events", "get_missing_events", true);
}

Result<StateIdsResponse> parseStateIds(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "state_ids"));
  StateIdsResponse out;
  PLEXUS_TRY(out.pduIds, strings(*o, "pdu_ids", "state_ids", true));
  PLEXUS_TRY(out.authChainIds, strings(*o, "auth_chain_ids", "state_ids", true));
  return out;
}

Result<StateResponse> parseState(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "state"));
  StateResponse out;
  PLEXUS_TRY(out.pdus, objects(*o, "pdus", "state", true));
  PLEXUS_TRY(out.authChain, objects(*o, "auth_chain", "state", true));
  return out;
}

Result<json::Object> parseSingleEvent(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "event"));
  PLEXUS_TRY(auto pdus, objects(*o, "pdus", "event", true));
  if (pdus.size() != 1) {
    return badJson("event", "`pdus` must hold exactly one event, it holds ",
                   std::to_string(pdus.size()));
  }
  return std::move(pdus.front());
}

Result<std::vector<json::Object>> parseEventAuth(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "event_auth"));
  return objects(*o, "auth_chain", "event_auth", true);
}

Result<std::vector<json::Object>> parseBackfill(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "backfill"));
  return objects(*o, "pdus", "backfill", true);
}

Result<DirectoryResponse> parseDirectory(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "query/directory"));
  DirectoryResponse out;
  auto roomId = answer.getStringAt("room_id");
  if (!roomId) return badJson("query/directory", "no `room_id` string");
  out.roomId = std::string(*roomId);
  PLEXUS_TRY(out.servers, strings(*o, "servers", "query/directory", true));
  return out;
}

Result<json::Object> parseUserDevices(const json::Value& answer, std::string_view userId) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "user/devices"));
  auto user = answer.getStringAt("user_id");
  if (!user || *user != userId) {
    return badJson("user/devices", "`user_id` is not the user asked about");
  }
  const json::Value* devices = o->find("devices");
  if (!devices || !devices->getArray()) return badJson("user/devices", "no `devices` array");
  return *o;
}

Result<json::Object> parseObjectWithMember(const json::Value& answer, std::string_view endpoint,
                                           std::string_view member) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, endpoint));
  if (const json::Value* v = o->find(member); v && !v->getObject()) {
    return badJson(endpoint, "not an object: `", member, "`");
  }
  return *o;
}

Result<json::Object> parsePublicRooms(const json::Value& answer) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, "publicRooms"));
  const json::Value* chunk = o->find("chunk");
  if (!chunk || !chunk->getArray()) return badJson("publicRooms", "no `chunk` array");
  return *o;
}

Result<json::Object> parseObject(const json::Value& answer, std::string_view endpoint) {
  PLEXUS_TRY(const json::Object* o, asObject(answer, endpoint));
  return *o;
}

}  // namespace plexus::federationsender
