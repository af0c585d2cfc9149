// Event and state reads (SPEC: server-server-api "Retrieving events", "Backfilling and
// retrieving missing events"): /event, /state, /state_ids, /event_auth, /backfill and
// /get_missing_events, and /timestamp_to_event (through sync-api). Each checks the room's server
// ACL and that the requesting server may see what it asks for (event_visibility.h); walks over
// prev_events are bounded by the limits.
#include <algorithm>
#include <charconv>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "federationapi/impl/event_visibility.h"
#include "federationapi/impl/route_context.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::federationapi {
namespace {

using roomserver::RoomEvent;

std::optional<std::int64_t> parseInt(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> idsOf(const std::vector<RoomEvent>& events) {
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const auto& e : events) ids.push_back(e.pdu.eventId());
  return ids;
}

// The ACL and "in the room now" checks of the room-scoped reads.
Status checkRoomAccess(const RouteState& state, const FederationRequest& request,
                       const std::string& roomId) {
  PLEXUS_TRY_VOID(checkServerAcl(request, state, roomId));
  PLEXUS_TRY(bool inRoom, serverInRoom(request.ctx, state.rooms(), roomId, request.origin));
  if (!inRoom) return fail(ErrorCode::kForbidden, "the requesting server is not in the room");
  return {};
}

// The event `eventId` of `roomId`, when the requesting server may see it. Errors: kNotFound
// (unknown, another room), kForbidden (not visible).
Result<RoomEvent> visibleEventInRoom(const RouteState& state, const FederationRequest& request,
                                     const std::string& roomId, const std::string& eventId) {
  auto event = state.rooms().queryEvent(request.ctx, eventId);
  if (!event || event->pdu.roomId() != roomId) return fail(ErrorCode::kNotFound, "unknown event");
  PLEXUS_TRY(bool visible, serverCanSeeEvent(request.ctx, state.rooms(), eventId, request.origin));
  if (!visible)
    return fail(ErrorCode::kForbidden, "the event is not visible to the requesting server");
  return std::move(*event);
}

struct ByDepth {
  bool operator()(const RoomEvent& a, const RoomEvent& b) const {
    return a.pdu.depth() < b.pdu.depth();  // max-heap: the deepest first
  }
};

// Walks prev_events backwards from `starts`, deepest first, skipping `stop` events and events
// below `minDepth`, until `limit` events are collected. With includeStarts the start events
// are part of the answer; otherwise only their ancestors.
Result<std::vector<RoomEvent>> walkBackwards(const RouteState& state, const CallContext& ctx,
                                             const std::string& roomId,
                                             const std::vector<std::string>& starts,
                                             const std::set<std::string>& stop, std::size_t limit,
                                             std::int64_t minDepth, bool includeStarts) {
  std::set<std::string> seen(stop.begin(), stop.end());
  std::priority_queue<RoomEvent, std::vector<RoomEvent>, ByDepth> pending;
  auto enqueue = [&](const std::vector<std::string>& ids) -> Status {
    std::vector<std::string> fresh;
    for (const auto& id : ids)
      if (seen.insert(id).second) fresh.push_back(id);
    if (fresh.empty()) return {};
    PLEXUS_TRY(auto events, state.rooms().queryEvents(ctx, fresh));
    for (auto& e : events)
      if (e.pdu.roomId() == roomId && e.pdu.depth() >= minDepth) pending.push(std::move(e));
    return {};
  };
  auto prevsOf = [](const RoomEvent& e) {
    std::vector<std::string> out;
    for (auto p : e.pdu.prevEvents()) out.emplace_back(p);
    return out;
  };

  if (includeStarts) {
    PLEXUS_TRY_VOID(enqueue(starts));
  } else {
    std::vector<std::string> fresh;
    for (const auto& id : starts) seen.insert(id);
    PLEXUS_TRY(auto events, state.rooms().queryEvents(ctx, starts));
    for (const auto& e : events) {
      if (e.pdu.roomId() != roomId) continue;
      for (auto& p : prevsOf(e)) fresh.push_back(std::move(p));
    }
    PLEXUS_TRY_VOID(enqueue(fresh));
  }
  std::vector<RoomEvent> out;
  while (!pending.empty() && out.size() < limit) {
    RoomEvent e = pending.top();
    pending.pop();
    auto prevs = prevsOf(e);
    out.push_back(std::move(e));
    if (out.size() < limit) PLEXUS_TRY_VOID(enqueue(prevs));
  }
  return out;
}

http::Response getEvent(const RouteState& state, const FederationRequest& request) {
  auto event = state.rooms().queryEvent(request.ctx, request.param("eventId"));
  if (!event) return errorResponse(ErrorCode::kNotFound, "unknown event");
  std::string roomId(event->pdu.roomId());
  if (auto acl = checkServerAcl(request, state, roomId); !acl) return errorResponse(acl.error());
  auto visible =
      serverCanSeeEvent(request.ctx, state.rooms(), event->pdu.eventId(), request.origin);
  if (!visible) return errorResponse(visible.error());
  // Not telling a server that may not see it whether the event exists.
  if (!*visible) return errorResponse(ErrorCode::kNotFound, "unknown event");
  return http::Response::json(json::Object{{"origin", state.deps.serverName},
                                           {"origin_server_ts", state.now()},
                                           {"pdus", json::Array{json::Value(event->pdu.json())}}});
}

http::Response getState(const RouteState& state, const FederationRequest& request, bool idsOnly) {
  std::string roomId = request.param("roomId");
  auto eventId = request.http.query.get("event_id");
  if (!eventId) return errorResponse(ErrorCode::kMissingParam, "event_id is required");
  if (auto access = checkRoomAccess(state, request, roomId); !access)
    return errorResponse(access.error());
  auto event = visibleEventInRoom(state, request, roomId, std::string(*eventId));
  if (!event) return errorResponse(event.error());
  // SPEC: the state "at" the event is the state before it (what it was authorised against).
  auto stateEvents = state.rooms().queryStateAtEvent(request.ctx, event->pdu.eventId(),
                                                     roomserver::StatePoint::kBefore);
  if (!stateEvents) return errorResponse(stateEvents.error());
  auto authChain = state.rooms().queryAuthChain(request.ctx, idsOf(*stateEvents));
  if (!authChain) return errorResponse(authChain.error());
  if (idsOnly) {
    auto toArray = [](const std::vector<RoomEvent>& events) {
      json::Array out;
      for (const auto& e : events) out.emplace_back(e.pdu.eventId());
      return out;
    };
    return http::Response::json(
        json::Object{{"pdu_ids", toArray(*stateEvents)}, {"auth_chain_ids", toArray(*authChain)}});
  }
  return http::Response::json(
      json::Object{{"pdus", pduArray(*stateEvents)}, {"auth_chain", pduArray(*authChain)}});
}

http::Response getEventAuth(const RouteState& state, const FederationRequest& request) {
  std::string roomId = request.param("roomId");
  if (auto access = checkRoomAccess(state, request, roomId); !access)
    return errorResponse(access.error());
  auto event = visibleEventInRoom(state, request, roomId, request.param("eventId"));
  if (!event) return errorResponse(event.error());
  auto chain = state.rooms().queryAuthChain(request.ctx, {event->pdu.eventId()});
  if (!chain) return errorResponse(chain.error());
  return http::Response::json(json::Object{{"auth_chain", pduArray(*chain)}});
}

http::Response backfill(const RouteState& state, const FederationRequest& request) {
  std::string roomId = request.param("roomId");
  std::vector<std::string> starts;
  for (auto v : request.http.query.getAll("v")) starts.emplace_back(v);
  auto limitText = request.http.query.get("limit");
  if (starts.empty() || !limitText)
    return errorResponse(ErrorCode::kMissingParam, "v and limit are required");
  auto limit = parseInt(*limitText);
  if (!limit || *limit < 0)
    return errorResponse(ErrorCode::kInvalidParam, "limit must be an integer");
  if (starts.size() > static_cast<std::size_t>(state.deps.limits.maxBackfillEvents))
    return errorResponse(ErrorCode::kInvalidParam, "too many starting events");
  if (auto access = checkRoomAccess(state, request, roomId); !access)
    return errorResponse(access.error());
  std::size_t bounded =
      static_cast<std::size_t>(std::min<std::int64_t>(*limit, state.deps.limits.maxBackfillEvents));
  auto events = walkBackwards(state, request.ctx, roomId, starts, {}, bounded, 0, true);
  if (!events) return errorResponse(events.error());
  auto visible = filterVisible(request.ctx, state.rooms(), std::move(*events), request.origin);
  if (!visible) return errorResponse(visible.error());
  return http::Response::json(json::Object{{"origin", state.deps.serverName},
                                           {"origin_server_ts", state.now()},
                                           {"pdus", pduArray(*visible)}});
}

// A list of event IDs in the body; nullopt when the member is not an array of strings.
std::optional<std::vector<std::string>> idList(const json::Object& body, std::string_view key,
                                               std::size_t max) {
  const json::Value* value = body.find(key);
  const json::Array* array = value ? value->getArray() : nullptr;
  if (!array || array->size() > max) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : *array) {
    const std::string* s = v.getString();
    if (!s) return std::nullopt;
    out.push_back(*s);
  }
  return out;
}

http::Response getMissingEvents(const RouteState& state, const FederationRequest& request) {
  std::string roomId = request.param("roomId");
  const json::Object* body = request.body();
  if (!body) return errorResponse(ErrorCode::kBadJson, "the body must be a JSON object");
  constexpr std::size_t kMaxIds = 1000;
  auto earliest = idList(*body, "earliest_events", kMaxIds);
  auto latest = idList(*body, "latest_events", kMaxIds);
  if (!earliest || !latest)
    return errorResponse(ErrorCode::kBadJson,
                         "earliest_events and latest_events must be arrays of event IDs");
  std::int64_t limit = 10, minDepth = 0;
  if (const json::Value* l = body->find("limit")) {
    if (!l->getInt()) return errorResponse(ErrorCode::kBadJson, "limit must be an integer");
    limit = *l->getInt();
  }
  if (const json::Value* d = body->find("min_depth")) {
    if (!d->getInt()) return errorResponse(ErrorCode::kBadJson, "min_depth must be an integer");
    minDepth = *d->getInt();
  }
  if (auto access = checkRoomAccess(state, request, roomId); !access)
    return errorResponse(access.error());
  std::size_t bounded = static_cast<std::size_t>(
      std::clamp<std::int64_t>(limit, 0, state.deps.limits.maxMissingEvents));
  std::set<std::string> stop(earliest->begin(), earliest->end());
  auto events = walkBackwards(state, request.ctx, roomId, *latest, stop, bounded, minDepth, false);
  if (!events) return errorResponse(events.error());
  auto visible = filterVisible(request.ctx, state.rooms(), std::move(*events), request.origin);
  if (!visible) return errorResponse(visible.error());
  // Oldest first, as the requester applies them.
  std::stable_sort(visible->begin(), visible->end(), [](const RoomEvent& a, const RoomEvent& b) {
    return a.pdu.depth() < b.pdu.depth();
  });
  return http::Response::json(json::Object{{"events", pduArray(*visible)}});
}

// sync-api indexes events by timestamp and applies a user's history visibility. A server's view
// is taken as that of one of its joined users (any, when several: they see the same shared
// history); without one only a world_readable room answers.
http::Response timestampToEvent(const RouteState& state, const FederationRequest& request) {
  if (!state.deps.sync)
    return errorResponse(ErrorCode::kUnrecognized, "timestamp_to_event is not supported here");
  std::string roomId = request.param("roomId");
  auto tsText = request.http.query.get("ts");
  auto dir = request.http.query.get("dir");
  if (!tsText || !dir) return errorResponse(ErrorCode::kMissingParam, "ts and dir are required");
  auto ts = parseInt(*tsText);
  if (!ts || (*dir != "f" && *dir != "b"))
    return errorResponse(ErrorCode::kInvalidParam, "ts must be an integer and dir f or b");
  if (auto acl = checkServerAcl(request, state, roomId); !acl) return errorResponse(acl.error());
  auto members = state.rooms().queryJoinedMembers(request.ctx, roomId);
  if (!members) return errorResponse(members.error());
  std::string viewer = "@_:" + request.origin;  // no member: world_readable rooms only
  for (const auto& m : *members) {
    if (serverOfUser(m.userId) == request.origin) {
      viewer = m.userId;
      break;
    }
  }
  auto found = state.deps.sync->queryTimestampToEvent(request.ctx, viewer, roomId, *ts, (*dir)[0]);
  if (!found) {
    // Not telling an outsider whether the room exists.
    if (found.error().code == ErrorCode::kForbidden)
      return errorResponse(ErrorCode::kNotFound, "no event found");
    return errorResponse(found.error());
  }
  return http::Response::json(*found);
}

}  // namespace

void registerEventRoutes(http::Router& router, RouteState& state) {
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/event/{eventId}",
                     [&state](const FederationRequest& r) { return getEvent(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/state/{roomId}",
                     [&state](const FederationRequest& r) { return getState(state, r, false); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/state_ids/{roomId}",
                     [&state](const FederationRequest& r) { return getState(state, r, true); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/event_auth/{roomId}/{eventId}",
                     [&state](const FederationRequest& r) { return getEventAuth(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/backfill/{roomId}",
                     [&state](const FederationRequest& r) { return backfill(state, r); });
  addFederationRoute(router, state, "POST", "/_matrix/federation/v1/get_missing_events/{roomId}",
                     [&state](const FederationRequest& r) { return getMissingEvents(state, r); });
  addFederationRoute(router, state, "GET", "/_matrix/federation/v1/timestamp_to_event/{roomId}",
                     [&state](const FederationRequest& r) { return timestampToEvent(state, r); });
}

}  // namespace plexus::federationapi
