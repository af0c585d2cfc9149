// RoomserverService, the resident side of the membership handshakes: make_join / make_leave /
// make_knock templates and send_join / send_leave / send_knock.
#include <algorithm>

#include "plexus/eventauth/power_levels.h"
#include "plexus/events/event_hashing.h"
#include "plexus/events/event_signing.h"
#include "roomserver/impl/identifiers.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

std::optional<std::string> joinRuleOf(const RoomState& head) {
  const events::Pdu* rules = head.find("m.room.join_rules", "");
  if (!rules) return std::nullopt;
  const json::Value* rule = rules->content().find("join_rule");
  if (!rule || !rule->getString()) return std::nullopt;
  return *rule->getString();
}

}  // namespace

Result<RoomserverApi::MakeMembershipResponse> RoomserverService::queryMakeMembership(
    const CallContext& ctx, const MakeMembershipRequest& request) {
  if (request.membership != "join" && request.membership != "leave" &&
      request.membership != "knock") {
    return fail(ErrorCode::kInvalidParam, "unsupported membership " + request.membership);
  }
  if (!isUserId(request.userId) || serverOf(request.userId) != request.origin) {
    return fail(ErrorCode::kInvalidParam, request.userId + " is not a user of " + request.origin);
  }
  PLEXUS_TRY(LockedRoom room, lockRoom(request.roomId));
  const RoomState& head = room.head();
  const events::RoomVersion& version = *head.version;
  if (request.membership != "leave") {
    std::vector<std::string> supported = request.supportedVersions;
    if (supported.empty()) supported = {"1"};  // SPEC: no `ver` means version 1 only
    if (std::find(supported.begin(), supported.end(), version.id) == supported.end()) {
      return fail(ErrorCode::kIncompatibleRoomVersion,
                  "the room is version " + std::string(version.id));
    }
  }
  if (request.membership == "knock" && !version.knocking) {
    return fail(ErrorCode::kIncompatibleRoomVersion, "knocking needs room version 7 or later");
  }
  // We can only answer for rooms a local user is joined to.
  bool resident = false;
  std::vector<std::string> localJoined;
  for (const auto& [key, slot] : head.state) {
    if (slot.pdu->type() != "m.room.member" || slot.pdu->membership() != "join") continue;
    std::string user(*slot.pdu->stateKey());
    if (serverOf(user) == identity_.serverName) {
      resident = true;
      localJoined.push_back(user);
    }
  }
  if (!resident) return fail(ErrorCode::kNotFound, "this server is not in " + request.roomId);

  json::Object content{{"membership", request.membership}};
  auto current = head.membershipOf(request.userId);
  auto rule = joinRuleOf(head);
  if (request.membership == "join" && version.restrictedJoins &&
      (rule == "restricted" || rule == "knock_restricted") && current != "invite" &&
      current != "join") {
    // SPEC: restricted rooms: a local user with the invite power authorises the join. Whether the
    // joiner is in one of the allowed rooms is checked against our own memberships.
    const events::Pdu* rules = head.find("m.room.join_rules", "");
    bool allowed = false;
    if (const json::Value* allow = rules->content().find("allow"); allow && allow->getArray()) {
      for (const auto& entry : *allow->getArray()) {
        auto type = entry.getStringAt("type");
        auto roomId = entry.getStringAt("room_id");
        if (type != "m.room_membership" || !roomId) continue;
        auto membership = queryMembership(ctx, std::string(*roomId), request.userId);
        if (membership.ok() && *membership && (*membership)->membership == "join") allowed = true;
      }
    }
    if (!allowed) {
      return fail(ErrorCode::kUnableToGrantJoin, "the user is in none of the allowed rooms here");
    }
    const events::Pdu* create = head.find("m.room.create", "");
    PLEXUS_TRY(auto levels,
               eventauth::PowerLevels::fromState(*create, head.find("m.room.power_levels", "")));
    std::sort(localJoined.begin(), localJoined.end());
    auto authoriser =
        std::find_if(localJoined.begin(), localJoined.end(),
                     [&](const std::string& u) { return levels.userLevel(u) >= levels.invite(); });
    if (authoriser == localJoined.end()) {
      return fail(ErrorCode::kUnableToAuthoriseJoin, "no local user may invite");
    }
    content.set("join_authorised_via_users_server", *authoriser);
  }

  EventDraft draft{request.userId, "m.room.member", request.userId, std::move(content),
                   std::nullopt};
  PLEXUS_TRY(events::Pdu built, buildEvent(draft, head, identity_, now(), options_.maxPrevEvents));
  PLEXUS_TRY_VOID(authorizeEvent(built, head));
  json::Object eventTemplate = built.json();
  eventTemplate.erase("hashes");
  eventTemplate.erase("signatures");
  return MakeMembershipResponse{std::string(version.id), std::move(eventTemplate)};
}

Result<RoomEvent> RoomserverService::inputSendMembership(const CallContext& ctx,
                                                         const SendMembershipRequest& request) {
  PLEXUS_TRY(LockedRoom room, lockRoom(request.roomId));
  RoomState& head = room.head();
  const events::RoomVersion& version = *head.version;
  EventVerifier verifier(identity_, options_.keys, ctx);
  verifier.prefetch({&request.event});
  // Restricted joins: the authorising server (us) signs too, and the signature check wants that
  // signature already. Signing recomputes the hash, so the sender's hash is checked first.
  json::Object received = request.event;
  const json::Value* content = received.find("content");
  auto via = content ? content->getStringAt("join_authorised_via_users_server") : std::nullopt;
  bool authorisedHere =
      via && request.membership == "join" && serverOf(*via) == identity_.serverName;
  if (authorisedHere) {
    received.erase("unsigned");
    if (!events::contentHashMatches(received)) {
      return fail(ErrorCode::kBadJson, "the event's content hash is wrong");
    }
    events::hashAndSignEvent(received, identity_.serverName, identity_.keyId, identity_.signingKey,
                             version);
  }
  auto checked = verifier.check(received, version, request.roomId);
  if (!checked.ok()) {
    Error e = checked.error();
    if (e.code != ErrorCode::kInvalidSignature) e.code = ErrorCode::kBadJson;
    return e;
  }
  const events::Pdu& pdu = *checked->pdu;
  if (checked->redacted) return fail(ErrorCode::kBadJson, "the event's content hash is wrong");
  if (pdu.eventId() != request.eventId) {
    return fail(ErrorCode::kBadJson, "the event ID does not match the event");
  }
  if (pdu.type() != "m.room.member" || pdu.stateKey() != pdu.sender() ||
      pdu.membership() != request.membership) {
    return fail(ErrorCode::kBadJson, "not an m.room.member " + request.membership + " event");
  }
  if (serverOf(pdu.sender()) != request.origin) {
    return fail(ErrorCode::kForbidden, "the sender is not a user of " + request.origin);
  }
  ReceivedEvent event = std::move(*checked);
  RoomInput input(inputDeps(ctx, verifier), head);
  auto result = input.inputChecked(event, request.origin);
  if (!result.ok()) {
    room.entry->head.reset();
    return std::move(result).takeError();
  }
  if (result->error) return fail(ErrorCode::kForbidden, *result->error);
  PLEXUS_TRY(auto stored, store_.eventsByIds(db_, {request.eventId}));
  if (stored.empty() || stored.front().rejected || stored.front().softFailed ||
      stored.front().outlier) {
    return fail(ErrorCode::kForbidden, "the event is not allowed by the current room state");
  }
  return toRoomEvent(stored.front(), version);
}

}  // namespace plexus::roomserver
