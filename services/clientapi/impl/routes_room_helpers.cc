// Shared pieces of the room-side routes: handler plumbing, parameter parsers, the room access
// gate, power-level checks and the client event format.
#include "clientapi/impl/routes_room_helpers.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <utility>

#include "plexus/events/pdu.h"
#include "plexus/events/room_version.h"
#include "plexus/json/parse.h"

namespace plexus::clientapi::rooms {

// ---- Handler plumbing -------------------------------------------------------------------------

http::Response respond(const Result<json::Value>& result) {
  if (!result.ok()) return errorResponse(result.error());
  return jsonOk(result.value());
}

AuthedRoute jsonRoute(ClientApiDeps& deps, JsonHandler handler) {
  return [&deps, h = std::move(handler)](const http::Request& request, const Requester& requester) {
    return respond(h(deps, request, requester));
  };
}

OpenRoute openJsonRoute(ClientApiDeps& deps, JsonHandler handler) {
  return [&deps, h = std::move(handler)](const http::Request& request) {
    return respond(h(deps, request, Requester{}));
  };
}

Status needRoomserver(const ClientApiDeps& deps) {
  if (deps.roomserver == nullptr) return fail(ErrorCode::kUnavailable, "Rooms are not available");
  return {};
}

Status needSync(const ClientApiDeps& deps) {
  if (deps.sync == nullptr) return fail(ErrorCode::kUnavailable, "Sync is not available");
  return {};
}

Status needAccounts(const ClientApiDeps& deps) {
  if (deps.accounts == nullptr) return fail(ErrorCode::kUnavailable, "Accounts are not available");
  return {};
}

// ---- Parameters -------------------------------------------------------------------------------

Result<std::string> roomIdParam(const http::Request& request) {
  std::string roomId(request.param("roomId"));
  if (!isValidRoomId(roomId)) return fail(ErrorCode::kInvalidParam, "Invalid room ID");
  return roomId;
}

Result<std::string> eventIdParam(const http::Request& request, std::string_view name) {
  std::string eventId(request.param(name));
  if (eventId.size() < 2 || eventId.front() != '$' || eventId.size() > 255) {
    return fail(ErrorCode::kInvalidParam, "Invalid event ID");
  }
  return eventId;
}

Result<int> queryLimit(const http::Request& request, int defaultLimit, int max) {
  PLEXUS_TRY(std::optional<std::int64_t> limit, queryInt(request, "limit"));
  if (!limit) return defaultLimit;
  if (*limit < 0) return fail(ErrorCode::kInvalidParam, "limit must not be negative");
  return static_cast<int>(std::min<std::int64_t>(*limit, max));
}

Result<char> queryDir(const http::Request& request, char defaultDir) {
  std::optional<std::string_view> dir = request.query.get("dir");
  if (!dir) return defaultDir;
  if (*dir == "b") return 'b';
  if (*dir == "f") return 'f';
  return fail(ErrorCode::kInvalidParam, "dir must be 'b' or 'f'");
}

Result<std::optional<json::Object>> queryJsonObject(const http::Request& request,
                                                    std::string_view key) {
  std::optional<std::string_view> text = request.query.get(key);
  if (!text) return std::optional<json::Object>();
  Result<json::Value> parsed = json::parse(*text);
  if (!parsed.ok() || !parsed->isObject()) {
    return fail(ErrorCode::kInvalidParam, std::string(key) + " must be a JSON object");
  }
  return std::optional<json::Object>(std::move(*parsed->getObject()));
}

std::string queryString(const http::Request& request, std::string_view key) {
  return std::string(request.query.get(key).value_or(std::string_view()));
}

// ---- Room access ------------------------------------------------------------------------------

Result<RoomAccess> readableRoomAccess(ClientApiDeps& deps, const CallContext& ctx,
                                      const std::string& roomId, const std::string& userId) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::optional<roomserver::MembershipInfo> info,
             deps.roomserver->queryMembership(ctx, roomId, userId));
  if (!info || info->forgotten) {
    return fail(ErrorCode::kForbidden, "You are not a member of this room");
  }
  RoomAccess access;
  access.membership = info->membership;
  if (info->membership == "join") return access;
  if (info->membership == "leave" || info->membership == "ban") {
    access.leaveEventId = info->eventId;
    return access;
  }
  return fail(ErrorCode::kForbidden, "You are not a member of this room");
}

Status requireJoined(ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
                     const std::string& userId) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::optional<roomserver::MembershipInfo> info,
             deps.roomserver->queryMembership(ctx, roomId, userId));
  if (!info || info->membership != "join") {
    return fail(ErrorCode::kForbidden, "You are not joined to this room");
  }
  return {};
}

Result<std::vector<roomserver::RoomEvent>> readableState(
    ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
    const RoomAccess& access, const std::optional<std::string>& type,
    const std::optional<std::string>& stateKey) {
  if (!access.leaveEventId) {
    std::vector<roomserver::StateSelector> selectors;
    if (type) selectors.push_back({*type, stateKey});
    return deps.roomserver->queryCurrentState(ctx, roomId, selectors);
  }
  PLEXUS_TRY(std::vector<roomserver::RoomEvent> all,
             deps.roomserver->queryStateAtEvent(ctx, *access.leaveEventId,
                                                roomserver::StatePoint::kAfter));
  if (!type) return all;
  std::vector<roomserver::RoomEvent> out;
  for (auto& event : all) {
    if (event.pdu.type() != *type) continue;
    if (stateKey && event.pdu.stateKey() != std::optional<std::string_view>(*stateKey)) continue;
    out.push_back(std::move(event));
  }
  return out;
}

Result<roomserver::RoomEvent> eventInRoom(ClientApiDeps& deps, const CallContext& ctx,
                                          const std::string& roomId, const std::string& eventId) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(roomserver::RoomEvent event, deps.roomserver->queryEvent(ctx, eventId));
  if (event.pdu.roomId() != roomId) return fail(ErrorCode::kNotFound, "Event not found");
  return event;
}

namespace {

// A power level as found in m.room.power_levels (integers; numeric strings in old rooms).
std::optional<std::int64_t> levelOf(const json::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (auto i = value->getInt()) return *i;
  if (const std::string* s = value->getString()) {
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && ptr == s->data() + s->size()) return out;
  }
  return std::nullopt;
}

}  // namespace

Result<bool> maySendState(ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId,
                          const std::string& userId, const std::string& type) {
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(roomserver::RoomEvent create,
             deps.roomserver->queryStateEvent(ctx, roomId, "m.room.create", ""));
  bool isCreator = create.pdu.sender() == userId;
  if (create.pdu.roomVersion().privilegedCreators) {
    // SPEC: room version 12 — the creator and additional_creators have infinite power.
    if (isCreator) return true;
    if (const json::Value* extra = create.pdu.content().find("additional_creators")) {
      if (const json::Array* list = extra->getArray()) {
        for (const auto& v : *list) {
          if (v.getString() && *v.getString() == userId) return true;
        }
      }
    }
  }
  Result<roomserver::RoomEvent> pl =
      deps.roomserver->queryStateEvent(ctx, roomId, "m.room.power_levels", "");
  if (!pl.ok()) {
    if (pl.error().code != ErrorCode::kNotFound) return pl.error();
    return isCreator;  // SPEC: auth rules — without power levels only the creator is privileged
  }
  const json::Object& content = pl->pdu.content();
  std::int64_t userLevel = levelOf(content.find("users_default")).value_or(0);
  if (const json::Value* users = content.find("users")) {
    if (auto level = levelOf(users->get(userId))) userLevel = *level;
  }
  std::int64_t needed = levelOf(content.find("state_default")).value_or(50);
  if (const json::Value* events = content.find("events")) {
    if (auto level = levelOf(events->get(type))) needed = *level;
  }
  return userLevel >= needed;
}

// ---- Formats ----------------------------------------------------------------------------------

json::Object clientEvent(const roomserver::RoomEvent& event, const json::Object* redactedBecause) {
  const events::Pdu& pdu = event.pdu;
  json::Object out;
  out.set("content", pdu.content());
  out.set("event_id", pdu.eventId());
  out.set("origin_server_ts", pdu.originServerTs());
  out.set("room_id", std::string(pdu.roomId()));
  out.set("sender", std::string(pdu.sender()));
  out.set("type", std::string(pdu.type()));
  if (auto key = pdu.stateKey()) out.set("state_key", std::string(*key));
  if (const json::Value* redacts = pdu.json().find("redacts")) out.set("redacts", *redacts);
  json::Object unsignedData;
  if (const json::Value* u = pdu.json().find("unsigned")) {
    if (const json::Object* o = u->getObject()) unsignedData = *o;
  }
  if (redactedBecause != nullptr) unsignedData.set("redacted_because", *redactedBecause);
  if (!unsignedData.empty()) out.set("unsigned", std::move(unsignedData));
  return out;
}

Result<json::Array> clientEvents(ClientApiDeps& deps, const CallContext& ctx,
                                 const std::vector<roomserver::RoomEvent>& events) {
  json::Array out;
  out.reserve(events.size());
  for (const auto& event : events) {
    if (!event.redactedBecause) {
      out.emplace_back(clientEvent(event));
      continue;
    }
    Result<roomserver::RoomEvent> redaction =
        deps.roomserver->queryEvent(ctx, *event.redactedBecause);
    if (redaction.ok()) {
      json::Object because = clientEvent(*redaction);
      out.emplace_back(clientEvent(event, &because));
    } else {
      out.emplace_back(clientEvent(event));
    }
  }
  return out;
}

bool isValidRoomAlias(std::string_view alias) {
  if (alias.size() < 4 || alias.size() > 255 || alias.front() != '#') return false;
  std::size_t colon = alias.find(':');
  if (colon == std::string_view::npos || colon == 1 || colon + 1 >= alias.size()) return false;
  for (char c : alias.substr(1, colon - 1)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') return false;
  }
  return true;
}

}  // namespace plexus::clientapi::rooms
