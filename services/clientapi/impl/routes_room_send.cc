// Event-writing routes: PUT /send/{eventType}/{txnId} (idempotent per device and transaction
// ID), PUT /state/{eventType}[/{stateKey}] and PUT /redact/{eventId}/{txnId}.
#include <string>
#include <utility>

#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi::rooms {
namespace {

json::Value eventIdObject(const std::string& eventId) {
  json::Object out;
  out.set("event_id", eventId);
  return json::Value(std::move(out));
}

roomserver::TransactionRef transactionOf(const Requester& who, const http::Request& http) {
  return roomserver::TransactionRef{who.userId, who.deviceId, std::string(http.param("txnId"))};
}

Result<json::Value> sendMessage(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  roomserver::SendEventRequest request;
  request.roomId = std::move(roomId);
  request.sender = who.userId;
  request.type = std::string(http.param("eventType"));
  // SPEC: client-server "Guest access" — guests may send m.room.message only.
  if (who.isGuest && request.type != "m.room.message") {
    return fail(ErrorCode::kGuestAccessForbidden, "Guests may only send m.room.message");
  }
  request.content = std::move(body);
  request.transaction = transactionOf(who, http);
  PLEXUS_TRY(roomserver::SendEventResponse sent,
             deps.roomserver->performSendEvent(callContext(http), request));
  return eventIdObject(sent.eventId);
}

// SPEC: client-server "m.room.canonical_alias" — the server must check that `alias` and
// `alt_aliases` point at this room, answering 400 M_BAD_ALIAS otherwise.
Result<bool> canonicalAliasesValid(ClientApiDeps& deps, const CallContext& ctx,
                                   const std::string& roomId, const json::Object& content) {
  std::vector<std::string> aliases;
  if (const json::Value* alias = content.find("alias")) {
    if (const std::string* s = alias->getString()) {
      aliases.push_back(*s);
    } else if (!alias->isNull()) {
      return fail(ErrorCode::kBadJson, "alias must be a string");
    }
  }
  if (const json::Value* alt = content.find("alt_aliases")) {
    const json::Array* list = alt->getArray();
    if (list == nullptr) return fail(ErrorCode::kBadJson, "alt_aliases must be a list");
    for (const json::Value& v : *list) {
      if (v.getString() == nullptr) return fail(ErrorCode::kBadJson, "alt_aliases must be strings");
      aliases.push_back(*v.getString());
    }
  }
  for (const std::string& alias : aliases) {
    if (!isValidRoomAlias(alias)) return fail(ErrorCode::kInvalidParam, "Invalid alias: " + alias);
    Result<roomserver::AliasInfo> info = deps.roomserver->queryRoomIdForAlias(ctx, alias);
    if (!info.ok()) {
      if (info.error().code == ErrorCode::kNotFound) return false;
      return info.error();
    }
    if (info->roomId != roomId) return false;
  }
  return true;
}

// Sets *badAlias (and sends nothing) when an m.room.canonical_alias names a foreign alias.
Result<json::Value> putState(ClientApiDeps& deps, const http::Request& http, const Requester& who,
                             bool* badAlias) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  roomserver::SendEventRequest request;
  request.roomId = std::move(roomId);
  request.sender = who.userId;
  request.type = std::string(http.param("eventType"));
  request.stateKey = std::string(http.param("stateKey"));  // empty for /state/{eventType}[/]
  CallContext ctx = callContext(http);
  if (request.type == "m.room.canonical_alias") {
    PLEXUS_TRY(bool valid, canonicalAliasesValid(deps, ctx, request.roomId, body));
    if (!valid) {
      *badAlias = true;
      return json::Value();
    }
  }
  request.content = std::move(body);
  PLEXUS_TRY(roomserver::SendEventResponse sent, deps.roomserver->performSendEvent(ctx, request));
  return eventIdObject(sent.eventId);
}

Result<json::Value> redact(ClientApiDeps& deps, const http::Request& http, const Requester& who) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(std::string eventId, eventIdParam(http));
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  roomserver::RedactRequest request;
  request.roomId = std::move(roomId);
  request.sender = who.userId;
  request.redactsEventId = std::move(eventId);
  if (who.isSuspended) {
    // SPEC: client-server "Account suspension" — own events only.
    Result<roomserver::RoomEvent> target =
        deps.roomserver->queryEvent(callContext(http), request.redactsEventId);
    if (target.ok() && target->pdu.sender() != who.userId) return suspendedError();
  }
  PLEXUS_TRY(request.reason, optionalString(body, "reason"));
  request.transaction = transactionOf(who, http);
  PLEXUS_TRY(roomserver::SendEventResponse sent,
             deps.roomserver->performRedact(callContext(http), request));
  return eventIdObject(sent.eventId);
}

// 400 M_BAD_ALIAS has no ErrorCode, so the route answers it itself.
AuthedRoute stateRoute(ClientApiDeps& deps) {
  return [&deps](const http::Request& request, const Requester& who) {
    bool badAlias = false;
    Result<json::Value> result = putState(deps, request, who, &badAlias);
    if (badAlias) {
      return http::Response::matrixError(400, "M_BAD_ALIAS",
                                         "An alias does not point at this room");
    }
    return respond(result);
  };
}

}  // namespace

void registerSendRoutes(http::Router& router, ClientApiDeps& deps) {
  // SPEC: client-server "Account suspension" — suspended users send nothing to rooms (but may
  // redact their own events, checked in redact()).
  const RouteOptions guests{.allowGuests = true, .refusedWhileSuspended = true};
  const RouteOptions writes{.refusedWhileSuspended = true};
  addAuthedRoute(router, deps, "PUT",
                 "/_matrix/client/{version}/rooms/{roomId}/send/{eventType}/{txnId}",
                 jsonRoute(deps, sendMessage), guests);
  addAuthedRoute(router, deps, "PUT",
                 "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/{stateKey}",
                 stateRoute(deps), writes);
  // SPEC: an empty state key may be left out, with or without the trailing slash.
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}",
                 stateRoute(deps), writes);
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/",
                 stateRoute(deps), writes);
  addAuthedRoute(router, deps, "PUT",
                 "/_matrix/client/{version}/rooms/{roomId}/redact/{eventId}/{txnId}",
                 jsonRoute(deps, redact));
}

}  // namespace plexus::clientapi::rooms
