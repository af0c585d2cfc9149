// JSON schema of OutputRoomEvent on the bus: the field names below are the wire format that
// consumers (in this process or over Redis Streams) decode.
#include "roomserver/api/output.h"

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::roomserver {
namespace {

std::string_view kindName(OutputRoomEvent::Kind kind) {
  switch (kind) {
    case OutputRoomEvent::Kind::kNewRoomEvent: return "new_room_event";
    case OutputRoomEvent::Kind::kRedaction: return "redaction";
    case OutputRoomEvent::Kind::kPurgeRoom: return "purge_room";
    case OutputRoomEvent::Kind::kInvite: return "invite";
    case OutputRoomEvent::Kind::kKnock:
      return "knock";
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

// Every field of `e` but the event.
json::Object fieldsWithoutEvent(const OutputRoomEvent& e) {
  json::Object o;
  o.set("kind", std::string(kindName(e.kind)));
  o.set("room_id", e.roomId);
  o.set("room_version", e.roomVersion);
  o.set("event_id", e.eventId);
  if (!e.addsStateEventIds.empty()) o.set("adds_state_event_ids", stringArray(e.addsStateEventIds));
  if (!e.removesStateEventIds.empty()) {
    o.set("removes_state_event_ids", stringArray(e.removesStateEventIds));
  }
  if (e.transaction) {
    o.set("transaction", json::Object{{"user_id", e.transaction->userId},
                                      {"device_id", e.transaction->deviceId},
                                      {"transaction_id", e.transaction->transactionId}});
  }
  if (!e.redactsEventId.empty()) o.set("redacts_event_id", e.redactsEventId);
  return o;
}

}  // namespace

json::Object OutputRoomEvent::toJson() const {
  json::Object o = fieldsWithoutEvent(*this);
  if (event.empty() && !encodedEvent.empty()) {
    auto parsed = json::parseObject(encodedEvent);
    o.set("event", parsed.ok() ? std::move(*parsed) : json::Object{});
  } else {
    o.set("event", event);
  }
  return o;
}

std::string OutputRoomEvent::encode() const {
  std::string rest = json::canonical(fieldsWithoutEvent(*this));  // "{...}", never empty
  std::string text = "{\"event\":";
  text += encodedEvent.empty() || !event.empty() ? json::canonical(event) : encodedEvent;
  text += ',';
  text.append(rest, 1, std::string::npos);
  return text;
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
  } else if (kind == "knock") {
    out.kind = Kind::kKnock;
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
