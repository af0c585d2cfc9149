// SyncApi: the sync-api service contract. It owns the client's view of rooms — /sync (with
// long-polling), /messages, /context, single events, relations, threads, search, filters — and
// the ephemeral streams: typing, receipts, presence, to-device messages. It learns room events
// from the roomserver's bus output, account data and device-list changes from their bus topics
// (or the input* calls below), and wakes waiting /sync requests when anything for them arrives.
//
// Caller: client-api (HTTP routes). Every method is thread-safe. Response objects are the
// Client-Server API response bodies (client event format), ready to be serialised.
//
// Who writes what:
// - m.read / m.read.private receipts: performReceipt (also from POST /read_markers).
// - m.fully_read is room account data: client-api writes it through account-sync
//   (AccountSyncApi); it reaches /sync through the account-data feed like any account data.
// - Push rules are account data "m.push_rules"; sync-api evaluates them for notification
//   counts (built-in default rules when the user has none stored).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"
#include "syncapi/api/types.h"

namespace plexus::syncapi {

using SyncCallback = std::function<void(Result<json::Object>)>;

// Handle of one pending asynchronous /sync. Dropping it does NOT cancel the request.
class SyncWait {
 public:
  virtual ~SyncWait() = default;
  // The client went away: the callback will not be called after cancel() returns (unless it
  // is already running on another thread, in which case cancel() waits for it). Idempotent.
  virtual void cancel() = 0;
};

class SyncApi {
 public:
  virtual ~SyncApi() = default;

  // ---- /sync -------------------------------------------------------------------------------

  // The full /sync response body: next_batch, rooms.{join,invite,leave,knock}, presence,
  // account_data, to_device, device_lists, device_one_time_keys_count,
  // device_unused_fallback_key_types. Blocks the calling thread for up to timeoutMs when
  // nothing is new (prefer querySyncAsync on server threads).
  // Errors: kInvalidParam (bad since token or filter), kNotFound (unknown filter ID).
  virtual Result<json::Object> querySync(const CallContext& ctx, const SyncRequest& request) = 0;

  // Same as querySync, asynchronously: returns at once; `done` runs exactly once (unless
  // cancelled) on a sync-api thread, when there is data or when the timeout fires (then with
  // an empty response whose next_batch may be later than `since`). An initial sync (no since)
  // never waits. Waiting costs no thread: waiters are parked in the notifier and timed by one
  // shared timer thread. kUnavailable when the service is not started. `done` may call
  // cancel() on the handle (a no-op then).
  virtual std::shared_ptr<SyncWait> querySyncAsync(const CallContext& ctx,
                                                   const SyncRequest& request,
                                                   SyncCallback done) = 0;

  // ---- filters (POST/GET /user/{userId}/filter) ---------------------------------------------

  // Stores a filter for userId; returns its ID (decimal string). Errors: kBadJson when the
  // filter does not follow the Filter schema's types.
  virtual Result<std::string> performCreateFilter(const CallContext& ctx, const std::string& userId,
                                                  const json::Object& filter) = 0;
  // Errors: kNotFound when userId has no filter with that ID.
  virtual Result<json::Object> queryFilter(const CallContext& ctx, const std::string& userId,
                                           const std::string& filterId) = 0;

  // ---- history ------------------------------------------------------------------------------

  // GET /rooms/{roomId}/messages body: {chunk, start, end?, state?} (state = lazy-loaded
  // members when the filter asks for it). History visibility is applied per event.
  // Errors: kInvalidParam (bad token / dir), kForbidden (user never could see the room).
  virtual Result<json::Object> queryMessages(const CallContext& ctx,
                                             const MessagesRequest& request) = 0;

  // GET /rooms/{roomId}/context/{eventId} body: {event, events_before, events_after, start,
  // end, state}. Errors: kNotFound (unknown event or not visible), kForbidden.
  virtual Result<json::Object> queryContext(const CallContext& ctx,
                                            const ContextRequest& request) = 0;

  // GET /rooms/{roomId}/event/{eventId}: one event in client format if the user may see it.
  // Errors: kNotFound (unknown or not visible: the spec answers 404 for both).
  virtual Result<json::Object> queryEventForUser(const CallContext& ctx, const std::string& userId,
                                                 const std::string& roomId,
                                                 const std::string& eventId) = 0;

  // /relations body: {chunk, next_batch?, prev_batch?, recursion_depth?}.
  // Errors: kForbidden (cannot see the room), kInvalidParam (bad token).
  virtual Result<json::Object> queryRelations(const CallContext& ctx,
                                              const RelationsRequest& request) = 0;

  // /threads body: {chunk (thread roots, newest first), next_batch?}.
  virtual Result<json::Object> queryThreads(const CallContext& ctx,
                                            const ThreadsRequest& request) = 0;

  // POST /search body in, response body out ({search_categories: {room_events: {results,
  // count, highlights, next_batch?, groups?}}}). Searches content.body / name / topic of
  // message events in rooms the user is joined to. `nextBatch` is the query parameter.
  // Errors: kBadJson (bad body), kInvalidParam (bad next_batch).
  virtual Result<json::Object> performSearch(const CallContext& ctx, const std::string& userId,
                                             const json::Object& body,
                                             const std::string& nextBatch) = 0;

  // GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event body: {event_id,
  // origin_server_ts} of the visible event closest to `ts` in direction dir ('f': at or after,
  // 'b': at or before). Errors: kNotFound (none), kInvalidParam (bad dir), kForbidden.
  virtual Result<json::Object> queryTimestampToEvent(const CallContext& ctx,
                                                     const std::string& userId,
                                                     const std::string& roomId, std::int64_t ts,
                                                     char dir) {
    (void)ctx, (void)userId, (void)roomId, (void)ts, (void)dir;
    return fail(ErrorCode::kUnrecognized, "timestamp_to_event is not supported");
  }

  // GET /notifications body: {notifications: [{actions, event, read, room_id, ts}],
  // next_token?}, newest first. Lists the user's notifications: actions as the push rules
  // evaluated them when the event arrived, read = a read receipt covers the event. `from` is
  // an earlier next_token, `limit` is clamped to [1, 100], `only` = "highlight" keeps
  // highlights only. Errors: kInvalidParam (bad from token).
  virtual Result<json::Object> queryNotifications(const CallContext& ctx,
                                                  const std::string& userId,
                                                  const std::string& from, int limit,
                                                  const std::string& only) {
    (void)ctx, (void)userId, (void)from, (void)limit, (void)only;
    return fail(ErrorCode::kUnrecognized, "notifications are not supported");
  }

  // ---- ephemeral inputs ---------------------------------------------------------------------

  // Typing notifications (kept in memory, expire after timeoutMs). Errors: kForbidden when the
  // user is not joined to the room.
  virtual Status performTyping(const CallContext& ctx, const TypingRequest& request) = 0;

  // Stores a receipt (and resets the user's unread counts up to that event for m.read /
  // m.read.private). Errors: kInvalidParam (unknown receipt type, e.g. m.fully_read: that is
  // account data), kNotFound (unknown event), kForbidden (user not joined).
  virtual Status performReceipt(const CallContext& ctx, const ReceiptRequest& request) = 0;

  // PUT /presence/{userId}/status. Errors: kInvalidParam (unknown presence value).
  virtual Status performSetPresence(const CallContext& ctx, const std::string& userId,
                                    const std::string& presence,
                                    const std::optional<std::string>& statusMsg) = 0;
  // GET /presence/{userId}/status. Errors: kNotFound when nothing is known of the user.
  virtual Result<PresenceStatus> queryPresence(const CallContext& ctx,
                                               const std::string& userId) = 0;

  // Queues to-device messages; idempotent per (sender, sender device, txnId). "*" expands to
  // every device of the recipient known to the device source. Each message is delivered once
  // per device in /sync `to_device` and deleted once the device syncs with a later token.
  // Errors: kBadJson (messages not {user: {device: object}}).
  virtual Status performSendToDevice(const CallContext& ctx,
                                     const SendToDeviceRequest& request) = 0;

  // ---- feeds (normally the bus; callable directly by a composition root or adapter) ------

  // Account data changed (roomId "" = global). Idempotent; wakes the user's /sync.
  virtual Status inputAccountData(const CallContext& ctx, const std::string& userId,
                                  const std::string& roomId, const std::string& type,
                                  const json::Object& content) = 0;

  // A user's device list (or cross-signing keys) changed: users sharing a room with them see
  // the user in device_lists.changed. Wakes those users' /sync.
  virtual Status inputDeviceListChange(const CallContext& ctx, const std::string& userId) = 0;

  // ---- GET /keys/changes ----------------------------------------------------------------------

  // Users whose device lists changed between two sync tokens (fromToken, toToken], among the
  // users sharing a joined room with userId at toToken, plus users who came to share a room in
  // that range (`changed`); `left`: users who shared a room at fromToken and share none at
  // toToken. userId itself is in `changed` when its own devices changed. toToken later than
  // the newest position is clamped; fromToken at or after toToken gives empty lists.
  // Errors: kInvalidParam (malformed token).
  virtual Result<KeyChanges> queryKeyChanges(const CallContext& ctx, const std::string& userId,
                                             const std::string& fromToken,
                                             const std::string& toToken) {
    (void)ctx, (void)userId, (void)fromToken, (void)toToken;
    return fail(ErrorCode::kUnrecognized, "key changes are not supported");
  }
};

}  // namespace plexus::syncapi
