// JSON schema of OutputRoomEvent on the bus: the field names below are the wire format that
// consumers (in this process or over Redis Streams) decode.
#include "roomserver/api/output.h"

namespace plexus::roomserver {
namespace {

std::string_view kindName(OutputRoomEvent::Kind kind) {
  switch (kind) {
    case OutputRoomEvent::Kind::kNewRoomEvent: return "new_room_event";
    case OutputRoomEvent::Kind::kRedaction: return "redaction";
    case OutputRoomEvent::Kind::kPurgeRoom: return "purge_room";
    case OutputRoomEvent::Kind::kInvite: return "invite";
  }
  return "new_room_event";
}

json::Array stringArray(const std::vector<std::string>& values) {
  json::Array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

Result<std::string> requiredString(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  if (!v || !v->getString()) {
    return fail(ErrorCode::kBadJson, "OutputRoomEvent: '" + std::string(key) + "' must be a string");
  }
  return *v->getString();
}

std::string optionalString(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  return v && v->getString() ? *v->getString() : std::string();
}

Result<std::vector<std::string>> stringList(const json::Object& o, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* v = o.find(key);
  if (!v) return out;
  const json::Array* a = v->getArray();
  if (!a) return fail(ErrorCode::kBadJson, "OutputRoomEvent: '" + std::string(key) + "' must be an array");
  for (const auto& item : *a) {
    if (!item.getString()) {
      return fail(ErrorCode::kBadJson, "OutputRoomEvent: '" + std::string(key) + "' must hold strings");
    }
    out.push_back(*item.getString());
  }
  return out;
}

}  // namespace

json::Object OutputRoomEvent::toJson() const {
  json::Object o;
  o.set("kind", std::string(kindName(kind)));
  o.set("room_id", roomId);
  o.set("room_version", roomVersion);
  o.set("event_id", eventId);
  o.set("event", event);
  if (!addsStateEventIds.empty()) o.set("adds_state_event_ids", stringArray(addsStateEventIds));
  if (!removesStateEventIds.empty()) {
    o.set("removes_state_event_ids", stringArray(removesStateEventIds));
  }
  if (transaction) {
    o.set("transaction", json::Object{{"user_id", transaction->userId},
                                      {"device_id", transaction->deviceId},
                                      {"transaction_id", transaction->transactionId}});
  }
  if (!redactsEventId.empty()) o.set("redacts_event_id", redactsEventId);
  return o;
}

Result<OutputRoomEvent> OutputRoomEvent::fromJson(const json::Object& object) {
  OutputRoomEvent out;
  PLEXUS_TRY(std::string kind, requiredString(object, "kind"));
  if (kind == "new_room_event") {
    out.kind = Kind::kNewRoomEvent;
  } else if (kind == "redaction") {
    out.kind = Kind::kRedaction;
  } else if (kind == "purge_room") {
    out.kind = Kind::kPurgeRoom;
  } else if (kind == "invite") {
    out.kind = Kind::kInvite;
  } else {
    return fail(ErrorCode::kBadJson, "OutputRoomEvent: unknown kind '" + kind + "'");
  }
  PLEXUS_TRY(out.roomId, requiredString(object, "room_id"));
  out.roomVersion = optionalString(object, "room_version");
  out.eventId = optionalString(object, "event_id");
  if (const json::Value* e = object.find("event")) {
    if (!e->getObject()) return fail(ErrorCode::kBadJson, "OutputRoomEvent: 'event' must be an object");
    out.event = *e->getObject();
  }
  PLEXUS_TRY(out.addsStateEventIds, stringList(object, "adds_state_event_ids"));
  PLEXUS_TRY(out.removesStateEventIds, stringList(object, "removes_state_event_ids"));
  if (const json::Value* t = object.find("transaction")) {
    if (!t->getObject()) {
      return fail(ErrorCode::kBadJson, "OutputRoomEvent: 'transaction' must be an object");
    }
    TransactionRef ref;
    PLEXUS_TRY(ref.userId, requiredString(*t->getObject(), "user_id"));
    PLEXUS_TRY(ref.deviceId, requiredString(*t->getObject(), "device_id"));
    PLEXUS_TRY(ref.transactionId, requiredString(*t->getObject(), "transaction_id"));
    out.transaction = std::move(ref);
  }
  out.redactsEventId = optionalString(object, "redacts_event_id");
  return out;
}

}  // namespace plexus::roomserver
