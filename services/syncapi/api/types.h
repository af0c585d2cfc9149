// Plain value types of the sync-api contract: the /sync request, pagination, context,
// relations, search, typing, receipts, presence and send-to-device requests. Responses are
// JSON objects shaped exactly like the Client-Server API response bodies, so client-api
// returns them unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/json/value.h"

namespace plexus::syncapi {

// GET /sync. Tokens are opaque strings made by sync-api ("" = initial sync).
struct SyncRequest {
  std::string userId;
  std::string deviceId;
  std::string since;
  std::int64_t timeoutMs = 0;  // long-poll wait when nothing is new; clamped to 5 minutes
  bool fullState = false;
  // The filter: either inline JSON (the `filter` query parameter was a JSON object) or the ID
  // of a filter made with performCreateFilter(). Neither = the default filter.
  std::optional<json::Object> filter;
  std::string filterId;
  // "online" | "offline" | "unavailable" | "" (= leave presence unchanged, i.e. online).
  std::string setPresence;
};

// GET /rooms/{roomId}/messages.
struct MessagesRequest {
  std::string userId;
  std::string deviceId;  // for lazy-loaded member tracking; may be empty
  std::string roomId;
  std::string from;  // a token from /sync (prev_batch / next_batch) or /messages; "" = edge
  std::string to;    // optional end token
  char dir = 'b';    // 'b' backwards (newest first) or 'f' forwards
  int limit = 10;    // clamped to [1, 1000]
  std::optional<json::Object> filter;  // a RoomEventFilter
};

// GET /rooms/{roomId}/context/{eventId}.
struct ContextRequest {
  std::string userId;
  std::string roomId;
  std::string eventId;
  int limit = 10;  // split between before and after
  std::optional<json::Object> filter;  // a RoomEventFilter
};

// GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]].
struct RelationsRequest {
  std::string userId;
  std::string roomId;
  std::string eventId;
  std::string relType;    // "" = any
  std::string eventType;  // "" = any (only with relType)
  std::string from;       // a next_batch from an earlier call, or a /sync or /messages token
  std::string to;
  char dir = 'b';
  int limit = 50;
  bool recurse = false;  // follow relations of relations (depth 3)
};

// GET /_matrix/client/v1/rooms/{roomId}/threads.
struct ThreadsRequest {
  std::string userId;
  std::string roomId;
  std::string include = "all";  // "all" | "participated"
  std::string from;             // next_batch from an earlier call
  int limit = 50;
};

// PUT /rooms/{roomId}/typing/{userId}.
struct TypingRequest {
  std::string roomId;
  std::string userId;
  bool typing = false;
  std::int64_t timeoutMs = 30000;  // how long the notification lasts; clamped to 2 minutes
};

// POST /rooms/{roomId}/receipt/{receiptType}/{eventId} and the m.read part of
// POST /rooms/{roomId}/read_markers.
struct ReceiptRequest {
  std::string roomId;
  std::string userId;
  std::string receiptType;  // "m.read" | "m.read.private"
  std::string eventId;
  std::string threadId;     // "" = unthreaded; "main" or a thread root event ID
  std::optional<std::int64_t> ts;  // ms since the epoch; default now
};

// PUT /sendToDevice/{eventType}/{txnId}.
struct SendToDeviceRequest {
  std::string senderUserId;
  std::string senderDeviceId;
  std::string type;
  std::string txnId;
  // {userId: {deviceId | "*": content}} as in the request body's `messages`.
  json::Object messages;
};

// GET /keys/changes body: {"changed": [...], "left": [...]} (sorted user IDs).
struct KeyChanges {
  std::vector<std::string> changed;
  std::vector<std::string> left;

  json::Object toJson() const {
    json::Array c(changed.begin(), changed.end());
    json::Array l(left.begin(), left.end());
    return json::Object{{"changed", std::move(c)}, {"left", std::move(l)}};
  }
};

// GET /presence/{userId}/status body fields.
struct PresenceStatus {
  std::string presence = "offline";  // "online" | "offline" | "unavailable"
  std::optional<std::string> statusMsg;
  std::optional<std::int64_t> lastActiveAgoMs;
  bool currentlyActive = false;

  // {"presence", "status_msg"?, "last_active_ago"?, "currently_active"}
  json::Object toJson() const {
    json::Object o;
    o.set("presence", presence);
    if (statusMsg) o.set("status_msg", *statusMsg);
    if (lastActiveAgoMs) o.set("last_active_ago", *lastActiveAgoMs);
    o.set("currently_active", currentlyActive);
    return o;
  }
};

}  // namespace plexus::syncapi
