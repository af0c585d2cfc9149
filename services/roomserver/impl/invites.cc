// RoomserverService, invites over federation: an invite of a local user received from another
// server (invite v2), inviting a user of another server, and rejecting an invite to a room this
// server is not in (make_leave / send_leave through the inviting server).
#include "plexus/bus/output_sink.h"
#include "plexus/events/event_signing.h"
#include "plexus/json/canonical.h"
#include "roomserver/impl/identifiers.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

// The stripped state an invitee's client sees (spec: "stripped state").
std::vector<json::Object> strippedState(const RoomState& head, std::string_view sender) {
  std::vector<json::Object> out;
  auto add = [&](std::string_view type, std::string_view stateKey) {
    const events::Pdu* e = head.find(type, stateKey);
    if (!e) return;
    out.push_back(json::Object{{"type", std::string(type)},
                               {"state_key", std::string(stateKey)},
                               {"sender", std::string(e->sender())},
                               {"content", e->content()}});
  };
  for (std::string_view type :
       {"m.room.create", "m.room.join_rules", "m.room.name", "m.room.avatar",
        "m.room.canonical_alias", "m.room.encryption", "m.room.topic"}) {
    add(type, "");
  }
  add("m.room.member", sender);
  return out;
}

}  // namespace

Result<json::Object> RoomserverService::inputInvite(const CallContext& ctx,
                                                    const InviteInput& invite) {
  const events::RoomVersion* version = events::findRoomVersion(invite.roomVersion);
  if (!version) {
    return fail(ErrorCode::kIncompatibleRoomVersion, "room version " + invite.roomVersion);
  }
  EventVerifier verifier(identity_, options_.keys, ctx);
  verifier.prefetch({&invite.event});
  auto checked = verifier.check(invite.event, *version, invite.roomId);
  if (!checked.ok()) {
    Error e = checked.error();
    if (e.code != ErrorCode::kInvalidSignature) e.code = ErrorCode::kBadJson;
    return e;
  }
  const events::Pdu& pdu = *checked->pdu;
  if (checked->redacted) return fail(ErrorCode::kBadJson, "the invite's content hash is wrong");
  if (pdu.eventId() != invite.eventId) return fail(ErrorCode::kBadJson, "event ID mismatch");
  if (pdu.type() != "m.room.member" || pdu.membership() != "invite" || !pdu.stateKey()) {
    return fail(ErrorCode::kBadJson, "not an invite");
  }
  std::string target(*pdu.stateKey());
  if (serverOf(target) != identity_.serverName) {
    return fail(ErrorCode::kForbidden, target + " is not a user of this server");
  }
  if (serverOf(pdu.sender()) != invite.origin) {
    return fail(ErrorCode::kForbidden, "the inviter is not a user of " + invite.origin);
  }

  json::Object signedEvent = pdu.json();
  events::hashAndSignEvent(signedEvent, identity_.serverName, identity_.keyId, identity_.signingKey,
                           *version);
  json::Object withState = signedEvent;
  json::Array roomState;
  for (const auto& s : invite.inviteRoomState) roomState.emplace_back(s);
  withState.set("unsigned", json::Object{{"invite_room_state", std::move(roomState)}});

  RemoteInviteRow row{invite.roomId,  target,
                      invite.eventId, std::string(version->id),
                      invite.origin,  json::canonical(withState)};
  OutputRoomEvent out;
  out.kind = OutputRoomEvent::Kind::kInvite;
  out.roomId = invite.roomId;
  out.roomVersion = std::string(version->id);
  out.eventId = invite.eventId;
  out.event = withState;
  auto write = [&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_.upsertRemoteInvite(tx, row));
    return bus::enqueueTyped(outputs_, tx, out);
  };
  PLEXUS_TRY_VOID(db_.runInTransaction(write));
  outputs_.committed();
  return signedEvent;
}

Result<SendEventResponse> RoomserverService::performRemoteInvite(
    const CallContext& ctx, const MembershipChangeRequest& request) {
  federationsender::FederationSenderApi* federation = federation_.load();
  PLEXUS_TRY(LockedRoom room, lockRoom(request.roomId));
  RoomState& head = room.head();
  json::Object content{{"membership", "invite"}};
  if (request.reason) content.set("reason", *request.reason);
  if (request.isDirect) content.set("is_direct", true);
  EventDraft draft{request.sender, "m.room.member", request.target, std::move(content),
                   std::nullopt};
  PLEXUS_TRY(events::Pdu built, buildEvent(draft, head, identity_, now(), options_.maxPrevEvents));
  PLEXUS_TRY_VOID(authorizeEvent(built, head));

  // The invitee's server signs first; the room sees the invite only once it has.
  federationsender::SendInviteRequest sendRequest{request.roomId, built.eventId(),
                                                  std::string(head.version->id), built.json(),
                                                  strippedState(head, request.sender)};
  // NOTSPEC: the room's write mutex is held during the request, so the invite lands on the
  // head it was built on.
  PLEXUS_TRY(json::Object answered, federation->performSendInvite(
                                        ctx, std::string(serverOf(request.target)), sendRequest));
  EventVerifier verifier(identity_, options_.keys, ctx);
  verifier.prefetch({&answered});
  auto checked = verifier.check(answered, *head.version, request.roomId);
  if (!checked.ok() || checked->pdu->eventId() != built.eventId() || checked->redacted) {
    return fail(ErrorCode::kBadJson, "the invitee's server returned another event");
  }
  const json::Value* sigs = checked->pdu->json().find("signatures");
  if (!sigs || !sigs->get(serverOf(request.target))) {
    return fail(ErrorCode::kBadJson, "the invitee's server did not sign the invite");
  }
  RoomInput input(inputDeps(ctx, verifier), head);
  auto result = input.inputChecked(std::move(*checked), identity_.serverName);
  if (!result.ok()) {
    room.entry->head.reset();
    return std::move(result).takeError();
  }
  if (result->error) return fail(ErrorCode::kForbidden, *result->error);
  return SendEventResponse{built.eventId()};
}

Result<SendEventResponse> RoomserverService::rejectRemoteInvite(
    const CallContext& ctx, const RemoteInviteRow& invite,
    const std::optional<std::string>& reason) {
  federationsender::FederationSenderApi* federation = federation_.load();
  PLEXUS_TRY(auto made,
             federation->performMakeLeave(ctx, invite.origin, invite.roomId, invite.userId));
  const events::RoomVersion* version = events::findRoomVersion(made.roomVersion);
  if (!version) version = events::findRoomVersion(invite.roomVersion);
  if (!version)
    return fail(ErrorCode::kIncompatibleRoomVersion, "room version " + made.roomVersion);
  const json::Object& templ = made.event;
  const json::Value* content = templ.find("content");
  if (templ.find("type") == nullptr || *templ.find("type")->getString() != "m.room.member" ||
      !templ.find("state_key") || !templ.find("state_key")->getString() ||
      *templ.find("state_key")->getString() != invite.userId || !content ||
      content->getStringAt("membership") != "leave") {
    return fail(ErrorCode::kBadJson, "the resident server's template is not our leave");
  }
  json::Object event = signedFromTemplate(ctx, templ, *version, invite.userId, reason, false);
  PLEXUS_TRY(events::Pdu leave, events::Pdu::fromJson(event, *version));
  PLEXUS_TRY_VOID(
      federation->performSendLeave(ctx, invite.origin, invite.roomId, leave.eventId(), event));

  // The invite is gone; sync-api learns it from the leave.
  OutputRoomEvent out;
  out.kind = OutputRoomEvent::Kind::kNewRoomEvent;
  out.roomId = invite.roomId;
  out.roomVersion = std::string(version->id);
  out.eventId = leave.eventId();
  out.event = leave.json();
  out.addsStateEventIds = {leave.eventId()};
  auto write = [&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_.deleteRemoteInvite(tx, invite.roomId, invite.userId));
    return bus::enqueueTyped(outputs_, tx, out);
  };
  PLEXUS_TRY_VOID(db_.runInTransaction(write));
  outputs_.committed();
  return SendEventResponse{leave.eventId()};
}

}  // namespace plexus::roomserver
