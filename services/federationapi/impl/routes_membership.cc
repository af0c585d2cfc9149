// The resident side of the membership handshakes (SPEC: server-server-api "Joining Rooms",
// "Knocking", "Leaving Rooms", "Inviting to a Room"): make_join / send_join (v1 and v2),
// make_leave / send_leave (v1 and v2), make_knock / send_knock and invite (v2, and v1 for
// rooms of version 1 and 2). The user in a path
// must belong to the requesting server; the roomserver builds templates and checks the events.
#include <set>
#include <string>
#include <vector>

#include "federationapi/impl/route_context.h"

namespace plexus::federationapi {
namespace {

using RS = roomserver::RoomserverApi;

http::Response makeMembership(const RouteState& state, const FederationRequest& request,
                              const std::string& membership) {
  std::string roomId = request.param("roomId");
  std::string userId = request.param("userId");
  if (serverOfUser(userId) != request.origin)
    return errorResponse(ErrorCode::kForbidden,
                         "the user does not belong to the requesting server");
  if (auto acl = checkServerAcl(request, state, roomId); !acl) return errorResponse(acl.error());
  RS::MakeMembershipRequest make;
  make.roomId = roomId;
  make.userId = userId;
  make.membership = membership;
  make.origin = request.origin;
  for (auto v : request.http.query.getAll("ver")) make.supportedVersions.emplace_back(v);
  auto made = state.rooms().queryMakeMembership(request.ctx, make);
  if (!made) return errorResponse(made.error());
  return http::Response::json(
      json::Object{{"room_version", made->roomVersion}, {"event", made->eventTemplate}});
}

// Runs send_join/send_leave/send_knock through the roomserver; returns the stored event.
Result<roomserver::RoomEvent> sendMembership(const RouteState& state,
                                             const FederationRequest& request,
                                             const std::string& membership) {
  std::string roomId = request.param("roomId");
  const json::Object* event = request.body();
  if (!event) return fail(ErrorCode::kBadJson, "the body must be the membership event");
  PLEXUS_TRY_VOID(checkServerAcl(request, state, roomId));
  RS::SendMembershipRequest send;
  send.roomId = roomId;
  send.eventId = request.param("eventId");
  send.membership = membership;
  send.origin = request.origin;
  send.event = *event;
  return state.rooms().inputSendMembership(request.ctx, send);
}

// The send_join answer: the state before the join, its auth chain, and the event as stored.
Result<json::Object> sendJoinBody(const RouteState& state, const FederationRequest& request,
                                  const roomserver::RoomEvent& joined) {
  PLEXUS_TRY(auto stateEvents, state.rooms().queryStateAtEvent(request.ctx, joined.pdu.eventId(),
                                                               roomserver::StatePoint::kBefore));
  std::vector<std::string> ids;
  ids.reserve(stateEvents.size() + 1);
  for (const auto& e : stateEvents) ids.push_back(e.pdu.eventId());
  ids.push_back(joined.pdu.eventId());
  PLEXUS_TRY(auto authChain, state.rooms().queryAuthChain(request.ctx, ids));
  // NOTSPEC: omit_members (partial state, MSC3706) is ignored; the whole state is returned.
  return json::Object{{"origin", state.deps.serverName},
                      {"state", pduArray(stateEvents)},
                      {"auth_chain", pduArray(authChain)},
                      {"event", joined.pdu.json()},
                      {"members_omitted", false}};
}

// v1 answers are [200, body].
http::Response v1(json::Object body) {
  return http::Response::json(
      json::Value(json::Array{json::Value(200), json::Value(std::move(body))}));
}

http::Response sendJoin(const RouteState& state, const FederationRequest& request, bool legacy) {
  auto joined = sendMembership(state, request, "join");
  if (!joined) return errorResponse(joined.error());
  auto body = sendJoinBody(state, request, *joined);
  if (!body) return errorResponse(body.error());
  if (legacy) {
    body->erase("members_omitted");
    return v1(std::move(*body));
  }
  return http::Response::json(*body);
}

http::Response sendLeave(const RouteState& state, const FederationRequest& request, bool legacy) {
  auto left = sendMembership(state, request, "leave");
  if (!left) return errorResponse(left.error());
  return legacy ? v1(json::Object{}) : http::Response::json(json::Object{});
}

// The stripped state a knocking or invited user sees (SPEC: client-server-api "Stripped state").
Result<json::Array> strippedRoomState(const RouteState& state, const CallContext& ctx,
                                      const std::string& roomId) {
  static const std::set<std::string, std::less<>> kTypes = {
      "m.room.create",          "m.room.join_rules", "m.room.name", "m.room.avatar",
      "m.room.canonical_alias", "m.room.encryption", "m.room.topic"};
  std::vector<roomserver::StateSelector> selectors;
  for (const auto& t : kTypes) selectors.push_back({t, std::string()});
  PLEXUS_TRY(auto current, state.rooms().queryCurrentState(ctx, roomId, selectors));
  json::Array out;
  for (const auto& e : current) out.emplace_back(strippedState(e));
  return out;
}

http::Response sendKnock(const RouteState& state, const FederationRequest& request) {
  auto knocked = sendMembership(state, request, "knock");
  if (!knocked) return errorResponse(knocked.error());
  auto stripped = strippedRoomState(state, request.ctx, request.param("roomId"));
  if (!stripped) return errorResponse(stripped.error());
  return http::Response::json(json::Object{{"knock_room_state", std::move(*stripped)}});
}

// invite v2 ({event, room_version, invite_room_state}) and the deprecated v1 (the event itself,
// rooms of version 1 or 2 only, stripped state in unsigned.invite_room_state; answered
// [200, {event}]).
http::Response invite(const RouteState& state, const FederationRequest& request, bool legacy) {
  const json::Object* body = request.body();
  if (!body) return errorResponse(ErrorCode::kBadJson, "expected a JSON object");
  RS::InviteInput input;
  const json::Value* strippedValue = nullptr;
  if (legacy) {
    // SPEC: server-server-api "PUT /_matrix/federation/v1/invite": only for room versions 1
    // and 2, which is all a server that does not send the version can mean.
    input.roomVersion = "1";
    input.event = *body;
    if (const json::Value* unsignedData = body->find("unsigned")) {
      strippedValue = unsignedData->get("invite_room_state");
      json::Object kept = unsignedData->getObject() ? *unsignedData->getObject() : json::Object{};
      kept.erase("invite_room_state");
      input.event.set("unsigned", std::move(kept));
    }
  } else {
    const json::Value* event = body->find("event");
    const json::Value* version = body->find("room_version");
    if (!event || !event->isObject() || !version || !version->getString())
      return errorResponse(ErrorCode::kBadJson,
                           "expected {event, room_version, invite_room_state}");
    input.roomVersion = *version->getString();
    input.event = *event->getObject();
    strippedValue = body->find("invite_room_state");
  }
  std::string roomId = request.param("roomId");
  if (auto acl = checkServerAcl(request, state, roomId); !acl) return errorResponse(acl.error());
  input.roomId = roomId;
  input.eventId = request.param("eventId");
  input.origin = request.origin;
  if (strippedValue) {
    const json::Array* stripped = strippedValue->getArray();
    if (!stripped) return errorResponse(ErrorCode::kBadJson, "invite_room_state must be an array");
    for (const auto& s : *stripped)
      if (const json::Object* o = s.getObject()) input.inviteRoomState.push_back(*o);
  }
  auto signedEvent = state.rooms().inputInvite(request.ctx, input);
  if (!signedEvent) return errorResponse(signedEvent.error());
  json::Object answer{{"event", std::move(*signedEvent)}};
  return legacy ? v1(std::move(answer)) : http::Response::json(std::move(answer));
}

}  // namespace

void registerMembershipRoutes(http::Router& router, RouteState& state) {
  addFederationRoute(
      router, state, "GET", "/_matrix/federation/v1/make_join/{roomId}/{userId}",
      [&state](const FederationRequest& r) { return makeMembership(state, r, "join"); });
  addFederationRoute(
      router, state, "GET", "/_matrix/federation/v1/make_leave/{roomId}/{userId}",
      [&state](const FederationRequest& r) { return makeMembership(state, r, "leave"); });
  addFederationRoute(
      router, state, "GET", "/_matrix/federation/v1/make_knock/{roomId}/{userId}",
      [&state](const FederationRequest& r) { return makeMembership(state, r, "knock"); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v2/send_join/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return sendJoin(state, r, false); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v1/send_join/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return sendJoin(state, r, true); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v2/send_leave/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return sendLeave(state, r, false); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v1/send_leave/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return sendLeave(state, r, true); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v1/send_knock/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return sendKnock(state, r); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v2/invite/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return invite(state, r, false); });
  addFederationRoute(router, state, "PUT", "/_matrix/federation/v1/invite/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return invite(state, r, true); });
}

}  // namespace plexus::federationapi
