// Building, signing and authorizing local events.
#include "roomserver/impl/event_builder.h"

#include <algorithm>

#include "plexus/eventauth/event_auth.h"
#include "plexus/events/event_signing.h"

namespace plexus::roomserver {
namespace {

Error asInvalid(Error e) {
  if (e.code == ErrorCode::kBadJson || e.code == ErrorCode::kNotJson) e.code = ErrorCode::kInvalidParam;
  return e;
}

}  // namespace

Result<events::Pdu> buildEvent(const EventDraft& draft, const RoomState& head,
                               const events::ServerIdentity& identity, std::int64_t nowMs,
                               std::size_t maxPrevEvents) {
  const events::RoomVersion& version = *head.version;
  json::Object event;
  event.set("type", draft.type);
  event.set("sender", draft.sender);
  event.set("content", draft.content);
  if (draft.stateKey) event.set("state_key", *draft.stateKey);
  bool isCreate = draft.type == "m.room.create" && draft.stateKey == std::string();
  if (!(isCreate && version.roomIdFromCreateEvent)) event.set("room_id", head.roomId);
  event.set("origin_server_ts", nowMs);
  if (draft.redacts) event.set("redacts", *draft.redacts);

  // prev_events: the deepest extremities (head.extremities is kept deepest first).
  json::Array prev;
  std::int64_t depth = 0;
  for (std::size_t i = 0; i < head.extremities.size() && i < maxPrevEvents; ++i) {
    prev.emplace_back(head.extremities[i].eventId);
    depth = std::max(depth, head.extremities[i].depth);
  }
  // SPEC: depth is one more than the largest depth of prev_events, capped at 2^63-1 (here
  // effectively at the canonical JSON maximum).
  event.set("depth", std::min(depth + 1, json::kMaxSafeInteger));
  event.set("prev_events", std::move(prev));
  event.set("auth_events", json::Array{});
  event.set("hashes", json::Object{{"sha256", ""}});

  // The auth_events selection needs a parsed event; the tuples depend only on type, sender,
  // state_key and content, so parse the draft once without them.
  events::PduParseOptions options;
  options.enforceSizeLimit = false;
  auto draftPdu = events::Pdu::fromJson(event, version, options);
  if (!draftPdu.ok()) return asInvalid(std::move(draftPdu).takeError());
  json::Array auth;
  for (const auto& tuple : eventauth::authStateTuplesFor(*draftPdu)) {
    if (const StateSlot* slot = head.slot(tuple.type, tuple.stateKey)) auth.emplace_back(slot->eventId);
  }
  event.set("auth_events", std::move(auth));
  event.erase("hashes");
  events::hashAndSignEvent(event, identity.serverName, identity.keyId, identity.signingKey,
                           version);
  auto pdu = events::Pdu::fromJson(std::move(event), version);
  if (!pdu.ok()) return asInvalid(std::move(pdu).takeError());
  return pdu;
}

Status authorizeEvent(const events::Pdu& event, const RoomState& head) {
  RoomStateAuth state(head);
  return eventauth::checkAuth(event, state);
}

}  // namespace plexus::roomserver
