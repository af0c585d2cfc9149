// StoredEvent -> client event JSON.
#include "syncapi/impl/client_event.h"

#include "plexus/json/parse.h"

namespace plexus::syncapi {
namespace {

// Splits "content.m\.relates_to" into {"content", "m.relates_to"}.
std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\' && i + 1 < path.size()) {
      parts.back() += path[++i];
    } else if (path[i] == '.') {
      parts.emplace_back();
    } else {
      parts.back() += path[i];
    }
  }
  return parts;
}

void copyPath(const json::Object& from, json::Object& to, const std::vector<std::string>& parts,
              std::size_t i) {
  const json::Value* v = from.find(parts[i]);
  if (!v) return;
  if (i + 1 == parts.size()) {
    to.set(parts[i], *v);
    return;
  }
  const json::Object* sub = v->getObject();
  if (!sub) return;
  json::Value& dest = to[parts[i]];
  if (!dest.isObject()) dest = json::Object{};
  copyPath(*sub, *dest.getObject(), parts, i + 1);
}

}  // namespace

json::Object parseStored(const std::string& text) {
  auto parsed = json::parseObject(text, json::ParseOptions{false, 128});
  return parsed.ok() ? std::move(*parsed) : json::Object{};
}

json::Object toClientEvent(const StoredEvent& event, const ClientEventOptions& options) {
  json::Object pdu = parseStored(event.json);
  json::Object out;
  if (options.federationFormat) {
    out = std::move(pdu);
    out.set("event_id", event.eventId);
    if (!options.includeRoomId) out.erase("room_id");
  } else {
    out.set("event_id", event.eventId);
    out.set("type", event.type);
    out.set("sender", event.sender);
    out.set("origin_server_ts", event.originTs);
    if (event.stateKey) out.set("state_key", *event.stateKey);
    if (options.includeRoomId) out.set("room_id", event.roomId);
    if (json::Value* c = pdu.find("content"); c && c->isObject()) {
      out.set("content", std::move(*c));
    } else {
      out.set("content", json::Object{});
    }
    // v1-v10 redactions carry `redacts` at the top level; clients read it there.
    if (json::Value* r = pdu.find("redacts")) out.set("redacts", std::move(*r));
    json::Object unsignedObj;
    if (json::Value* u = pdu.find("unsigned"); u && u->isObject()) {
      unsignedObj = std::move(*u->getObject());
      unsignedObj.erase("age_ts");
    }
    unsignedObj.set("age", std::max<std::int64_t>(0, options.nowMs - event.originTs));
    if (event.txnId && event.txnUser && *event.txnUser == options.userId && event.txnDevice &&
        *event.txnDevice == options.deviceId && !options.deviceId.empty()) {
      unsignedObj.set("transaction_id", *event.txnId);
    }
    if (event.redactedBecause) {
      json::Object because = parseStored(*event.redactedBecause);
      unsignedObj.set("redacted_because", std::move(because));
    }
    out.set("unsigned", std::move(unsignedObj));
  }
  if (options.eventFields && !options.eventFields->empty()) {
    json::Object trimmed;
    for (const auto& field : *options.eventFields) {
      auto parts = splitPath(field);
      copyPath(out, trimmed, parts, 0);
    }
    return trimmed;
  }
  return out;
}

json::Array toClientEvents(const std::vector<StoredEvent>& events,
                           const ClientEventOptions& options) {
  json::Array out;
  out.reserve(events.size());
  for (const auto& e : events) out.emplace_back(toClientEvent(e, options));
  return out;
}

}  // namespace plexus::syncapi
