// The deprecated pre-/sync API, built on sync-api and the roomserver: GET /initialSync,
// GET /rooms/{roomId}/initialSync and the event stream GET /events (from/timeout -> chunk,
// start, end). Old clients and bots still use them; they cost nothing beyond /sync.
//
// These calls pass no device ID to sync-api: to-device messages are consumed per device by
// /sync, and an /events poll must not make a device's messages look delivered.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/gap_routes.h"
#include "clientapi/impl/routes_room_helpers.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi::gaps {
namespace {

constexpr std::int64_t kEventsDefaultTimeoutMs = 30'000;
constexpr int kEventsTimelineLimit = 100;

const json::Array* arrayAt(const json::Value& v, std::initializer_list<std::string_view> path) {
  const json::Value* at = &v;
  for (std::string_view key : path) {
    at = at->get(key);
    if (!at) return nullptr;
  }
  return at->getArray();
}

// Events of a /sync room section with their room_id put back (the old API used full events).
void appendWithRoomId(json::Array& out, const json::Array* events, const std::string& roomId) {
  if (!events) return;
  for (const json::Value& event : *events) {
    const json::Object* o = event.getObject();
    if (!o) continue;
    json::Object copy = *o;
    copy.set("room_id", json::Value(roomId));
    out.push_back(json::Value(std::move(copy)));
  }
}

json::Array copyArray(const json::Array* events) { return events ? *events : json::Array{}; }

std::string visibilityOf(ClientApiDeps& deps, const CallContext& ctx, const std::string& roomId) {
  auto visibility = deps.roomserver->queryRoomVisibility(ctx, roomId);
  return visibility.ok() && *visibility == roomserver::Visibility::kPublic ? "public" : "private";
}

Result<json::Array> currentStateEvents(ClientApiDeps& deps, const CallContext& ctx,
                                       const std::string& roomId, const std::string& userId) {
  PLEXUS_TRY(rooms::RoomAccess access, rooms::readableRoomAccess(deps, ctx, roomId, userId));
  PLEXUS_TRY(auto state, rooms::readableState(deps, ctx, roomId, access));
  return rooms::clientEvents(deps, ctx, state);
}

// ---- GET /initialSync ---------------------------------------------------------------------------

Result<json::Value> getInitialSync(ClientApiDeps& deps, const http::Request& http,
                                   const Requester& who) {
  PLEXUS_TRY_VOID(rooms::needSync(deps));
  PLEXUS_TRY_VOID(rooms::needRoomserver(deps));
  PLEXUS_TRY(int limit, rooms::queryLimit(http, 10, 100));
  PLEXUS_TRY(auto archived, queryBool(http, "archived"));
  syncapi::SyncRequest sync;
  sync.userId = who.userId;
  sync.filter = json::Object{
      {"room",
       json::Object{
           {"include_leave", json::Value(archived.value_or(false))},
           {"timeline", json::Object{{"limit", json::Value(static_cast<std::int64_t>(limit))}}}}}};
  const CallContext ctx = callContext(http);
  PLEXUS_TRY(json::Object synced, deps.sync->querySync(ctx, sync));
  const json::Value response(std::move(synced));
  const std::string end(response.getStringAt("next_batch").value_or(""));

  json::Array roomsOut;
  auto addSection = [&](std::string_view section, const char* membership) -> Status {
    const json::Value* rooms = response.get("rooms");
    const json::Value* part = rooms ? rooms->get(section) : nullptr;
    const json::Object* byRoom = part ? part->getObject() : nullptr;
    if (!byRoom) return {};
    for (const auto& [roomId, room] : *byRoom) {
      json::Object entry{{"room_id", json::Value(roomId)}, {"membership", json::Value(membership)}};
      if (section == "invite") {
        entry.set("invite_state",
                  json::Object{{"events", copyArray(arrayAt(room, {"invite_state", "events"}))}});
        roomsOut.push_back(json::Value(std::move(entry)));
        continue;
      }
      json::Array timeline;
      appendWithRoomId(timeline, arrayAt(room, {"timeline", "events"}), roomId);
      json::Object messages{{"chunk", std::move(timeline)}, {"end", json::Value(end)}};
      if (auto prev = room.get("timeline") ? room.get("timeline")->getStringAt("prev_batch")
                                           : std::nullopt) {
        messages.set("start", json::Value(std::string(*prev)));
      } else {
        messages.set("start", json::Value(end));
      }
      entry.set("messages", std::move(messages));
      auto state = currentStateEvents(deps, ctx, roomId, who.userId);
      entry.set("state", state.ok() ? std::move(*state) : json::Array{});
      entry.set("visibility", json::Value(visibilityOf(deps, ctx, roomId)));
      entry.set("account_data", copyArray(arrayAt(room, {"account_data", "events"})));
      roomsOut.push_back(json::Value(std::move(entry)));
    }
    return {};
  };
  PLEXUS_TRY_VOID(addSection("join", "join"));
  PLEXUS_TRY_VOID(addSection("invite", "invite"));
  if (archived.value_or(false)) PLEXUS_TRY_VOID(addSection("leave", "leave"));

  return json::Value(
      json::Object{{"end", json::Value(end)},
                   {"rooms", std::move(roomsOut)},
                   {"presence", copyArray(arrayAt(response, {"presence", "events"}))},
                   {"account_data", copyArray(arrayAt(response, {"account_data", "events"}))}});
}

// ---- GET /rooms/{roomId}/initialSync -----------------------------------------------------------

Result<json::Value> getRoomInitialSync(ClientApiDeps& deps, const http::Request& http,
                                       const Requester& who) {
  PLEXUS_TRY_VOID(rooms::needSync(deps));
  PLEXUS_TRY_VOID(rooms::needRoomserver(deps));
  PLEXUS_TRY_VOID(rooms::needAccounts(deps));
  PLEXUS_TRY(std::string roomId, rooms::roomIdParam(http));
  const CallContext ctx = callContext(http);
  PLEXUS_TRY(rooms::RoomAccess access, rooms::readableRoomAccess(deps, ctx, roomId, who.userId));
  PLEXUS_TRY(auto stateEvents, rooms::readableState(deps, ctx, roomId, access));
  PLEXUS_TRY(json::Array state, rooms::clientEvents(deps, ctx, stateEvents));

  syncapi::MessagesRequest page;
  page.userId = who.userId;
  page.roomId = roomId;
  page.dir = 'b';
  PLEXUS_TRY(page.limit, rooms::queryLimit(http, 20, 100));
  PLEXUS_TRY(json::Object history, deps.sync->queryMessages(ctx, page));
  const json::Value messagesIn(std::move(history));
  // /messages backwards answers newest first; the old API listed them oldest first, with
  // `start` the token to page further back and `end` the live edge.
  json::Array chunk = copyArray(arrayAt(messagesIn, {"chunk"}));
  std::reverse(chunk.begin(), chunk.end());
  std::string newest(messagesIn.getStringAt("start").value_or(""));
  std::string oldest(messagesIn.getStringAt("end").value_or(newest));
  json::Object messages{
      {"chunk", std::move(chunk)}, {"start", json::Value(oldest)}, {"end", json::Value(newest)}};

  json::Array accountData;
  if (auto data = deps.accounts->queryAccountData(ctx, who.userId, 0); data.ok()) {
    for (const auto& entry : data->entries) {
      if (entry.roomId != roomId) continue;
      accountData.push_back(json::Value(json::Object{{"type", json::Value(entry.type)},
                                                     {"content", json::Value(entry.content)}}));
    }
  }
  return json::Value(json::Object{{"room_id", json::Value(roomId)},
                                  {"membership", json::Value(access.membership)},
                                  {"messages", std::move(messages)},
                                  {"state", std::move(state)},
                                  {"visibility", json::Value(visibilityOf(deps, ctx, roomId))},
                                  {"presence", json::Array{}},
                                  {"account_data", std::move(accountData)}});
}

// ---- GET /events ------------------------------------------------------------------------------

// The events of an incremental /sync answer as one flat stream.
json::Object eventStreamBody(const json::Value& synced, const std::string& from) {
  json::Array chunk;
  if (const json::Value* rooms = synced.get("rooms")) {
    if (const json::Value* join = rooms->get("join"); join && join->getObject()) {
      for (const auto& [roomId, room] : *join->getObject()) {
        appendWithRoomId(chunk, arrayAt(room, {"timeline", "events"}), roomId);
      }
    }
  }
  if (const json::Array* presence = arrayAt(synced, {"presence", "events"})) {
    for (const auto& event : *presence) chunk.push_back(event);
  }
  std::string end(synced.getStringAt("next_batch").value_or(from));
  return json::Object{
      {"chunk", std::move(chunk)}, {"start", json::Value(from)}, {"end", json::Value(end)}};
}

void getEvents(ClientApiDeps& deps, const http::Request& http, const Requester& who,
               http::Responder responder) {
  auto timeout = queryInt(http, "timeout");
  if (!timeout.ok()) {
    responder.send(errorResponse(timeout.error()));
    return;
  }
  syncapi::SyncRequest sync;
  sync.userId = who.userId;
  sync.since = rooms::queryString(http, "from");
  sync.timeoutMs = std::clamp<std::int64_t>(timeout->value_or(kEventsDefaultTimeoutMs), 0, 300'000);
  sync.filter = json::Object{
      {"room",
       json::Object{{"timeline", json::Object{{"limit", json::Value(static_cast<std::int64_t>(
                                                            kEventsTimelineLimit))}}}}}};
  if (std::string roomId = rooms::queryString(http, "room_id"); !roomId.empty()) {
    if (!isValidRoomId(roomId)) {
      responder.send(errorResponse(makeError(ErrorCode::kInvalidParam, "Invalid room_id")));
      return;
    }
    (*sync.filter->find("room")->getObject()).set("rooms", json::Array{json::Value(roomId)});
  }
  auto ctx = CallContext::withTimeout(
      std::chrono::milliseconds(sync.timeoutMs) + std::chrono::seconds(60), "client-api");
  if (sync.since.empty()) {
    // SPEC: without `from` the stream starts now. A sync that selects no rooms names the
    // current position cheaply.
    syncapi::SyncRequest position;
    position.userId = who.userId;
    position.filter = json::Object{{"room", json::Object{{"rooms", json::Array{}}}},
                                   {"presence", json::Object{{"types", json::Array{}}}},
                                   {"account_data", json::Object{{"types", json::Array{}}}}};
    auto now = deps.sync->querySync(ctx, position);
    if (!now.ok()) {
      responder.send(errorResponse(now.error()));
      return;
    }
    sync.since = std::string(json::Value(std::move(*now)).getStringAt("next_batch").value_or(""));
  }
  std::string from = sync.since;
  auto wait = deps.sync->querySyncAsync(ctx, sync, [responder, from](Result<json::Object> result) {
    if (!result.ok()) {
      responder.send(errorResponse(result.error()));
      return;
    }
    responder.send(jsonOk(eventStreamBody(json::Value(std::move(*result)), from)));
  });
  if (wait) responder.onCancel([wait] { wait->cancel(); });
}

}  // namespace

void registerLegacySyncRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/initialSync",
                 rooms::jsonRoute(deps, getInitialSync),
                 {.allowGuests = true, .rateLimited = false});
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/rooms/{roomId}/initialSync",
                 rooms::jsonRoute(deps, getRoomInitialSync), {.allowGuests = true});
  // Like /sync, an event-stream loop must not be rate limited.
  addAsyncAuthedRoute(
      router, deps, "GET", "/_matrix/client/{version}/events",
      [&deps](const http::Request& request, const Requester& who, http::Responder responder) {
        getEvents(deps, request, who, std::move(responder));
      },
      {.allowGuests = true, .rateLimited = false});
}

}  // namespace plexus::clientapi::gaps
