// Ephemeral routes: PUT /typing/{userId}, POST /receipt/{receiptType}/{eventId} and
// POST /read_markers. m.read / m.read.private are receipts (sync API); m.fully_read is the
// room account data "m.fully_read" {"event_id"} (account-sync), which /sync shows like any
// account data.
#include <string>
#include <utility>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/routes_room_helpers.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi::rooms {
namespace {

constexpr std::string_view kFullyRead = "m.fully_read";

json::Value emptyObject() { return json::Value(json::Object()); }

Result<json::Value> putTyping(ClientApiDeps& deps, const http::Request& http,
                              const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY_VOID(requireSelf(who, http.param("userId")));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  syncapi::TypingRequest request;
  request.roomId = std::move(roomId);
  request.userId = who.userId;
  PLEXUS_TRY(std::optional<bool> typing, optionalBool(body, "typing"));
  if (!typing) return fail(ErrorCode::kMissingParam, "typing is required");
  request.typing = *typing;
  PLEXUS_TRY(std::optional<std::int64_t> timeout, optionalInt(body, "timeout"));
  if (timeout) {
    if (*timeout < 0) return fail(ErrorCode::kInvalidParam, "timeout must not be negative");
    request.timeoutMs = *timeout;
  }
  PLEXUS_TRY_VOID(deps.sync->performTyping(callContext(http), request));
  return emptyObject();
}

// SPEC: receipts — thread_id is "main" or the ID of a thread root event.
Status checkThreadId(const std::string& threadId) {
  if (threadId == "main" || (threadId.size() > 1 && threadId.front() == '$')) return {};
  return fail(ErrorCode::kInvalidParam, "thread_id must be 'main' or an event ID");
}

Status setFullyRead(ClientApiDeps& deps, const CallContext& ctx, const Requester& who,
                    const std::string& roomId, const std::string& eventId) {
  PLEXUS_TRY_VOID(needAccounts(deps));
  json::Object content;
  content.set("event_id", eventId);
  PLEXUS_TRY(std::int64_t position,
             deps.accounts->performSetAccountData(ctx, who.userId, roomId, kFullyRead, content));
  (void)position;
  return {};
}

Result<json::Value> postReceipt(ClientApiDeps& deps, const http::Request& http,
                                const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(std::string eventId, eventIdParam(http));
  std::string receiptType(http.param("receiptType"));
  if (receiptType != "m.read" && receiptType != "m.read.private" && receiptType != kFullyRead) {
    return fail(ErrorCode::kInvalidParam, "Unknown receipt type: " + receiptType);
  }
  PLEXUS_TRY(json::Object body, parseOptionalJsonObjectBody(http));
  PLEXUS_TRY(std::optional<std::string> threadId, optionalString(body, "thread_id"));
  if (threadId) {
    // SPEC: the fully-read marker is not threaded.
    if (receiptType == kFullyRead) {
      return fail(ErrorCode::kInvalidParam, "m.fully_read cannot have a thread_id");
    }
    PLEXUS_TRY_VOID(checkThreadId(*threadId));
  }
  CallContext ctx = callContext(http);
  if (receiptType == kFullyRead) {
    PLEXUS_TRY_VOID(requireJoined(deps, ctx, roomId, who.userId));
    PLEXUS_TRY(roomserver::RoomEvent event, eventInRoom(deps, ctx, roomId, eventId));
    (void)event;
    PLEXUS_TRY_VOID(setFullyRead(deps, ctx, who, roomId, eventId));
    return emptyObject();
  }
  syncapi::ReceiptRequest request;
  request.roomId = std::move(roomId);
  request.userId = who.userId;
  request.receiptType = std::move(receiptType);
  request.eventId = std::move(eventId);
  request.threadId = threadId.value_or("");
  PLEXUS_TRY_VOID(deps.sync->performReceipt(ctx, request));
  return emptyObject();
}

Result<json::Value> postReadMarkers(ClientApiDeps& deps, const http::Request& http,
                                    const Requester& who) {
  PLEXUS_TRY_VOID(needSync(deps));
  PLEXUS_TRY_VOID(needRoomserver(deps));
  PLEXUS_TRY(std::string roomId, roomIdParam(http));
  PLEXUS_TRY(json::Object body, parseJsonObjectBody(http));
  PLEXUS_TRY(std::optional<std::string> fullyRead, optionalString(body, kFullyRead));
  PLEXUS_TRY(std::optional<std::string> read, optionalString(body, "m.read"));
  PLEXUS_TRY(std::optional<std::string> readPrivate, optionalString(body, "m.read.private"));
  CallContext ctx = callContext(http);
  PLEXUS_TRY_VOID(requireJoined(deps, ctx, roomId, who.userId));
  // Check every named event first, so that a bad one changes nothing.
  for (const auto* eventId : {&fullyRead, &read, &readPrivate}) {
    if (!*eventId) continue;
    PLEXUS_TRY(roomserver::RoomEvent event, eventInRoom(deps, ctx, roomId, **eventId));
    (void)event;
  }
  if (fullyRead) PLEXUS_TRY_VOID(setFullyRead(deps, ctx, who, roomId, *fullyRead));
  for (auto [type, eventId] : {std::pair{"m.read", &read}, {"m.read.private", &readPrivate}}) {
    if (!*eventId) continue;
    syncapi::ReceiptRequest request;
    request.roomId = roomId;
    request.userId = who.userId;
    request.receiptType = type;
    request.eventId = **eventId;
    PLEXUS_TRY_VOID(deps.sync->performReceipt(ctx, request));
  }
  return emptyObject();
}

}  // namespace

void registerEphemeralRoutes(http::Router& router, ClientApiDeps& deps) {
  RouteOptions guests;
  guests.allowGuests = true;
  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/rooms/{roomId}/typing/{userId}",
                 jsonRoute(deps, putTyping), guests);
  addAuthedRoute(router, deps, "POST",
                 "/_matrix/client/{version}/rooms/{roomId}/receipt/{receiptType}/{eventId}",
                 jsonRoute(deps, postReceipt), guests);
  addAuthedRoute(router, deps, "POST", "/_matrix/client/{version}/rooms/{roomId}/read_markers",
                 jsonRoute(deps, postReadMarkers), guests);
}

}  // namespace plexus::clientapi::rooms
