// Signed PDUs from plain fields.
#include "pdu_factory.h"

#include "plexus/events/event_signing.h"

namespace plexus::fedbench {
namespace {

json::Array ids(const std::vector<std::string>& list) {
  json::Array out;
  out.reserve(list.size());
  for (const auto& id : list) out.emplace_back(id);
  return out;
}

}  // namespace

Result<events::Pdu> signedEvent(const EventFields& fields, const events::ServerIdentity& server,
                                const events::RoomVersion& version) {
  json::Object event;
  if (fields.roomId) event.set("room_id", *fields.roomId);
  event.set("sender", fields.sender);
  event.set("type", fields.type);
  if (fields.stateKey) event.set("state_key", *fields.stateKey);
  event.set("content", fields.content);
  event.set("prev_events", ids(fields.prevEvents));
  event.set("auth_events", ids(fields.authEvents));
  event.set("depth", fields.depth);
  event.set("origin_server_ts", fields.originServerTs);
  event.set("origin", server.serverName);
  events::hashAndSignEvent(event, server.serverName, server.keyId, server.signingKey, version);
  return events::Pdu::fromJson(std::move(event), version);
}

}  // namespace plexus::fedbench
