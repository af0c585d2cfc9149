// /sync (a long poll answered through the Responder: no thread waits), send-to-device,
// presence and the deprecated GET /events/{eventId}.
#include <algorithm>

#include "clientapi/impl/account_routes.h"
#include "plexus/json/parse.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::clientapi {
namespace {

Result<syncapi::SyncRequest> parseSyncRequest(const http::Request& request, const Requester& who) {
  syncapi::SyncRequest sync;
  sync.userId = who.userId;
  sync.deviceId = who.deviceId;
  sync.since = std::string(request.query.get("since").value_or(""));
  PLEXUS_TRY(auto timeout, queryInt(request, "timeout"));
  sync.timeoutMs = std::max<std::int64_t>(0, timeout.value_or(0));
  PLEXUS_TRY(auto fullState, queryBool(request, "full_state"));
  sync.fullState = fullState.value_or(false);
  if (auto filter = request.query.get("filter"); filter && !filter->empty()) {
    // SPEC: `filter` is a filter ID or, when it starts with '{', an inline Filter object.
    if (filter->front() == '{') {
      auto parsed = json::parseObject(*filter);
      if (!parsed.ok()) return fail(ErrorCode::kInvalidParam, "filter is not a JSON object");
      sync.filter = std::move(*parsed);
    } else {
      sync.filterId = std::string(*filter);
    }
  }
  std::string presence(request.query.get("set_presence").value_or(""));
  if (!presence.empty() && presence != "online" && presence != "offline" && presence != "unavailable") {
    return fail(ErrorCode::kInvalidParam, "set_presence must be online, offline or unavailable");
  }
  sync.setPresence = std::move(presence);
  return sync;
}

void doSync(ClientApiDeps& deps, const http::Request& request, const Requester& who, http::Responder responder) {
  auto sync = parseSyncRequest(request, who);
  if (!sync.ok()) {
    responder.send(errorResponse(sync.error()));
    return;
  }
  // The service clamps the wait; the deadline only has to outlast it.
  auto ctx = CallContext::withTimeout(std::chrono::milliseconds(sync->timeoutMs) + std::chrono::seconds(60), "client-api");
  auto wait = deps.sync->querySyncAsync(ctx, *sync, [responder](Result<json::Object> result) {
    responder.send(toResponse(std::move(result)));
  });
  if (wait) responder.onCancel([wait] { wait->cancel(); });
}

}  // namespace

void registerSyncRoutes(http::Router& router, ClientApiDeps& deps) {
  // SPEC: clients call /sync in a loop; rate limiting it would only stall them.
  addAsyncAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/sync",
                      [&deps](const http::Request& request, const Requester& who, http::Responder responder) {
                        doSync(deps, request, who, std::move(responder));
                      },
                      {.allowGuests = true, .rateLimited = false});

  // Deprecated single-event lookup without the room (SPEC: v3 "GET /events/{eventId}"): the
  // roomserver names the room, sync-api applies history visibility. Unknown and invisible
  // events are both 404.
  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/events/{eventId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   std::string eventId(request.param("eventId"));
                   const CallContext ctx = callContext(request);
                   auto event = deps.roomserver->queryEvent(ctx, eventId);
                   if (!event.ok()) return errorResponse(makeError(ErrorCode::kNotFound, "Event not found"));
                   return toResponse(deps.sync->queryEventForUser(ctx, who.userId, std::string(event->pdu.roomId()), eventId));
                 },
                 {.allowGuests = true});

  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/sendToDevice/{eventType}/{txnId}",
                 [&deps](const http::Request& request, const Requester& who) {
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto messages = requireObject(*body, "messages");
                   if (!messages.ok()) return errorResponse(messages.error());
                   syncapi::SendToDeviceRequest send;
                   send.senderUserId = who.userId;
                   send.senderDeviceId = who.deviceId;
                   send.type = std::string(request.param("eventType"));
                   send.txnId = std::string(request.param("txnId"));
                   send.messages = **messages;
                   Status sent = deps.sync->performSendToDevice(callContext(request), send);
                   if (!sent.ok()) return errorResponse(sent.error());
                   return jsonOk(json::Object{});
                 },
                 {.allowGuests = true});

  addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/presence/{userId}/status",
                 [&deps](const http::Request& request, const Requester&) {
                   std::string userId(request.param("userId"));
                   if (!isValidUserId(userId)) return errorResponse(makeError(ErrorCode::kInvalidParam, "Invalid user ID"));
                   auto status = deps.sync->queryPresence(callContext(request), userId);
                   if (!status.ok()) return errorResponse(status.error());
                   return jsonOk(status->toJson());
                 },
                 {.allowGuests = true});

  addAuthedRoute(router, deps, "PUT", "/_matrix/client/{version}/presence/{userId}/status",
                 [&deps](const http::Request& request, const Requester& who) {
                   if (Status self = requireSelf(who, request.param("userId")); !self.ok()) return errorResponse(self.error());
                   auto body = parseJsonObjectBody(request);
                   if (!body.ok()) return errorResponse(body.error());
                   auto presence = requireString(*body, "presence");
                   if (!presence.ok()) return errorResponse(presence.error());
                   auto message = optionalString(*body, "status_msg");
                   if (!message.ok()) return errorResponse(message.error());
                   Status set = deps.sync->performSetPresence(callContext(request), who.userId, *presence, *message);
                   if (!set.ok()) return errorResponse(set.error());
                   return jsonOk(json::Object{});
                 },
                 {.allowGuests = true});
}

}  // namespace plexus::clientapi
