// RoomserverService, out-of-band memberships: a /send PDU for a room this server is not in can
// still matter to us. When a local user holds a remote invite or a knock there (a
// roomserver_remote_invites row) and the room takes it back — the invite rescinded, the knock
// refused, the user banned — the resident server sends us the user's new leave or ban. Without
// the room's state it cannot be authorised against the auth rules; it is accepted when it is
// signed by the sender's server, the sender is on the sending server, and it names a user with
// an outstanding invite or knock. The row goes, and sync-api moves the room to `leave`.
#include "plexus/events/event_hashing.h"
#include "roomserver/impl/event_checks.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

std::string_view serverOf(std::string_view userId) {
  auto colon = userId.find(':');
  return colon == std::string_view::npos ? std::string_view() : userId.substr(colon + 1);
}

}  // namespace

Result<std::vector<RoomserverApi::InputEventResult>> RoomserverService::inputOutOfBand(
    const CallContext& ctx, const std::string& roomId, const std::vector<InputRoomEvent>& events) {
  if (events.empty()) return fail(ErrorCode::kNotFound, "unknown room " + roomId);
  std::vector<InputEventResult> results;
  EventVerifier verifier(identity_, options_.keys, ctx);
  for (const InputRoomEvent& e : events) {
    InputEventResult result;
    const json::Object& raw = e.event;
    auto stateKey = raw.find("state_key") ? raw.find("state_key")->getString() : nullptr;
    if (e.kind != InputKind::kNew || raw.find("type") == nullptr ||
        raw.find("type")->getString() == nullptr ||
        *raw.find("type")->getString() != "m.room.member" || stateKey == nullptr) {
      return fail(ErrorCode::kNotFound, "unknown room " + roomId);
    }
    PLEXUS_TRY(auto row, store_.remoteInvite(db_, roomId, *stateKey));
    const events::RoomVersion* version = row ? events::findRoomVersion(row->roomVersion) : nullptr;
    if (!row || !version) return fail(ErrorCode::kNotFound, "unknown room " + roomId);

    auto checked = verifier.check(raw, *version, roomId);
    if (!checked.ok()) {
      json::Object copy = raw;
      copy.erase("unsigned");
      if (auto id = events::computeEventId(copy, *version); id.ok()) result.eventId = *id;
      result.error = checked.error().message;
      results.push_back(std::move(result));
      continue;
    }
    const events::Pdu& pdu = *checked->pdu;
    result.eventId = pdu.eventId();
    auto membership = pdu.membership();
    if (!membership || (*membership != "leave" && *membership != "ban")) {
      result.error =
          "only a leave or ban of an invited or knocking user is taken for a room "
          "this server is not in";
    } else if (serverOf(pdu.sender()) != e.origin) {
      result.error = "the sender is not on the sending server";
    } else if (pdu.sender() == *stateKey) {
      result.error = "a local user's own leave comes from this server";
    }
    if (result.error) {
      results.push_back(std::move(result));
      continue;
    }

    OutputRoomEvent out;
    out.kind = OutputRoomEvent::Kind::kNewRoomEvent;
    out.roomId = roomId;
    out.roomVersion = std::string(version->id);
    out.eventId = pdu.eventId();
    out.event = pdu.json();
    out.addsStateEventIds = {pdu.eventId()};
    auto write = [&](storage::Transaction& tx) -> Status {
      PLEXUS_TRY_VOID(store_.deleteRemoteInvite(tx, roomId, *stateKey));
      return bus::enqueueTyped(outputs_, tx, out);
    };
    PLEXUS_TRY_VOID(db_.runInTransaction(write));
    outputs_.committed();
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace plexus::roomserver
