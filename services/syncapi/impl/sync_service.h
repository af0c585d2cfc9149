// SyncService: the in-process SyncApi. Consumes roomserver.output (and keyserver.device_list)
// from the bus, keeps sync-api's own copy of timelines and state in SyncStore, and serves
// /sync (long-polling through the Notifier), history, search and the ephemeral streams.
// Split over sync_service.cc (construction, bus inputs, feeds), sync_builder.cc (/sync
// responses), sync_rooms.cc (one room's /sync entry), history.cc (/messages, /context,
// events, relations, threads, search) and ephemeral.cc (typing, receipts, presence,
// to-device, filters).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "accountsync/api/accountsync_api.h"
#include "plexus/bus/bus.h"
#include "plexus/storage/database.h"
#include "roomserver/api/output.h"
#include "syncapi/api/ports.h"
#include "syncapi/api/sync_service_options.h"
#include "syncapi/api/syncapi_api.h"
#include "syncapi/impl/filter.h"
#include "syncapi/impl/lazy_members_cache.h"
#include "syncapi/impl/notifier.h"
#include "syncapi/impl/push_delivery.h"
#include "syncapi/impl/recent_events_cache.h"
#include "syncapi/impl/recent_notifications.h"
#include "syncapi/impl/replica_messages.h"
#include "syncapi/impl/room_index.h"
#include "syncapi/impl/stream_watermarks.h"
#include "syncapi/impl/tokens.h"
#include "syncapi/impl/typing_state.h"
#include "syncapi/impl/unread_counts_cache.h"
#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

// The StoredEvent columns of a PDU of `roomId` (no stream position, no transaction).
StoredEvent storedFromPdu(const std::string& roomId, const std::string& eventId,
                          const json::Object& pdu);

class SyncService final : public SyncApi {
 public:
  // `keys` may be null (then no one-time-key counts and "*" to-device targets are skipped).
  // Errors: the store's migration error.
  static Result<std::unique_ptr<SyncService>> create(storage::Database& db, bus::Bus& bus,
                                                     DeviceKeySource* keys,
                                                     SyncServiceOptions options);
  // With account-sync: start() also consumes "accountsync.account_data" hints and copies the
  // changed entries (AccountSyncApi::queryAccountData) into sync-api's stream.
  static Result<std::unique_ptr<SyncService>> create(storage::Database& db, bus::Bus& bus,
                                                     DeviceKeySource* keys,
                                                     accountsync::AccountSyncApi* accountSync,
                                                     SyncServiceOptions options);
  // With a pusher directory (by default AccountSyncPushers over `accountSync`), each new
  // notification is also sent to the user's HTTP pushers (push_delivery.h). `pushers` must
  // outlive the service.
  static Result<std::unique_ptr<SyncService>> create(storage::Database& db, bus::Bus& bus,
                                                     DeviceKeySource* keys,
                                                     accountsync::AccountSyncApi* accountSync,
                                                     PusherDirectory* pushers,
                                                     SyncServiceOptions options,
                                                     PushDeliveryOptions pushOptions = {});
  ~SyncService() override;

  // The timeline cache of incremental syncs (its hit counts: tests and metrics).
  const RecentEventsCache& recentEvents() const { return recentEvents_; }

  // Where to fetch state events that arrive only by ID (a remote join's state); call before
  // start(). Without one such events are not shown.
  void setRoomEventSource(RoomEventSource* source) { roomEvents_ = source; }
  // Where local users' typing, receipts, presence and to-device messages for remote users go
  // (federation); call before start(). Without one nothing leaves the server.
  void setEduSink(EduSink* sink) { edus_ = sink; }

  // Loads the in-memory room index, subscribes to the bus topics, starts the notifier.
  Status start();
  // Unsubscribes and stops every thread; pending async syncs are dropped.
  void stop();

  // The roomserver.output consumer (public so a composition root or test can feed it).
  Status inputRoomEvent(const roomserver::OutputRoomEvent& output);
  // A run of outputs from the bus: consecutive plain messages are stored in one transaction
  // and their rooms woken once; anything else goes through inputRoomEvent in order.
  Status inputRoomEvents(const std::vector<roomserver::OutputRoomEvent>& outputs);

  // SyncApi
  Result<json::Object> querySync(const CallContext& ctx, const SyncRequest& request) override;
  std::shared_ptr<SyncWait> querySyncAsync(const CallContext& ctx, const SyncRequest& request,
                                           SyncCallback done) override;
  Result<std::string> performCreateFilter(const CallContext& ctx, const std::string& userId,
                                          const json::Object& filter) override;
  Result<json::Object> queryFilter(const CallContext& ctx, const std::string& userId,
                                   const std::string& filterId) override;
  Result<json::Object> queryMessages(const CallContext& ctx,
                                     const MessagesRequest& request) override;
  Result<json::Object> queryContext(const CallContext& ctx, const ContextRequest& request) override;
  Result<json::Object> queryEventForUser(const CallContext& ctx, const std::string& userId,
                                         const std::string& roomId,
                                         const std::string& eventId) override;
  Result<json::Object> queryRelations(const CallContext& ctx,
                                      const RelationsRequest& request) override;
  Result<json::Object> queryThreads(const CallContext& ctx, const ThreadsRequest& request) override;
  Result<json::Object> performSearch(const CallContext& ctx, const std::string& userId,
                                     const json::Object& body,
                                     const std::string& nextBatch) override;
  Result<json::Object> queryTimestampToEvent(const CallContext& ctx, const std::string& userId,
                                             const std::string& roomId, std::int64_t ts,
                                             char dir) override;
  Result<json::Object> queryNotifications(const CallContext& ctx, const std::string& userId,
                                          const std::string& from, int limit,
                                          const std::string& only) override;
  Status performTyping(const CallContext& ctx, const TypingRequest& request) override;
  Status performReceipt(const CallContext& ctx, const ReceiptRequest& request) override;
  Status performSetPresence(const CallContext& ctx, const std::string& userId,
                            const std::string& presence,
                            const std::optional<std::string>& statusMsg) override;
  Result<PresenceStatus> queryPresence(const CallContext& ctx, const std::string& userId) override;
  Status performSendToDevice(const CallContext& ctx, const SendToDeviceRequest& request) override;
  Status inputAccountData(const CallContext& ctx, const std::string& userId,
                          const std::string& roomId, const std::string& type,
                          const json::Object& content) override;
  Status inputDeviceListChange(const CallContext& ctx, const std::string& userId) override;
  Result<KeyChanges> queryKeyChanges(const CallContext& ctx, const std::string& userId,
                                     const std::string& fromToken,
                                     const std::string& toToken) override;

  // For tests and metrics.
  std::size_t parkedWaiters() const { return notifier_.parkedCount(); }
  int threadCount() const { return notifier_.threadCount(); }
  // Null without a pusher directory.
  const PushDeliverer* pushDeliverer() const { return pushes_.get(); }
  StreamToken currentToken() const;

 private:
  SyncService(std::unique_ptr<SyncStore> store, bus::Bus& bus, DeviceKeySource* keys,
              accountsync::AccountSyncApi* accountSync, PusherDirectory* pushers,
              SyncServiceOptions options, PushDeliveryOptions pushOptions);
  // Hands a stored event's notifications to the push deliverer (sync_pushes.cc).
  void queuePushes(const roomserver::OutputRoomEvent& output, const RoomEventWrite& write);
  PushRoomDetails pushDetails(const std::string& userId, const std::string& roomId);
  // Copies the user's account-data changes from account-sync (bus hint handler).
  Status pullAccountData(const std::string& userId);

  // A parsed, resolved /sync request.
  struct SyncPlan {
    SyncRequest request;
    Filter filter;
    bool initial = true;
    StreamToken since;
  };
  struct RoomSync;  // per-room inputs, defined in sync_rooms.cc

  Result<SyncPlan> planSync(const SyncRequest& request);
  // Builds the response for (since, now]; `empty` says whether it carries anything new.
  Result<json::Object> buildSync(const SyncPlan& plan, StreamToken now, bool* empty);
  Result<json::Object> joinedRoom(const SyncPlan& plan, const Membership& m, StreamToken now,
                                  bool* empty);
  Result<json::Object> leftRoom(const SyncPlan& plan, const Membership& m, StreamToken now);
  Result<json::Object> invitedRoom(const Membership& m, const char* stateKey);
  // SyncStore::queryRoomEvents newest first, from recentEvents_ when it holds the range.
  Result<std::vector<StoredEvent>> recentRoomEvents(const std::string& roomId, std::int64_t after,
                                                    std::int64_t upTo, int limit);
  // Timeline + state of a room for (after, upTo]; shared by join and leave sections.
  Status roomTimelineAndState(const SyncPlan& plan, const std::string& roomId, std::int64_t after,
                              std::int64_t upTo, bool fullState, json::Object& out,
                              bool* hasTimeline);
  struct AsyncSync;  // one pending querySyncAsync, defined in sync_builder.cc
  void runAsync(const std::shared_ptr<AsyncSync>& state, bool timedOut);

  // Inputs
  Status addPrevContent(const roomserver::OutputRoomEvent& output, StoredEvent& event);
  Status applyIndexChanges(const roomserver::OutputRoomEvent& output, const StoredEvent& event);
  // True when the room's history starts before what this store has (its create event arrived
  // as state only, with a remote join) and there is a source to ask.
  Result<bool> historyMayContinue(const std::string& roomId);
  // Fetches older history of the room from other servers (roomEvents_) and stores it below the
  // timeline; true when something was added.
  Result<bool> backfillRoom(const std::string& roomId, int limit);
  // Stores the added state events this store has never seen (fetched from roomEvents_).
  Status storeUnknownStateEvents(const roomserver::OutputRoomEvent& output);
  std::vector<NotificationWrite> evaluateNotifications(const roomserver::OutputRoomEvent& output,
                                                       const StoredEvent& event);
  std::shared_ptr<const json::Object> pushRulesFor(const std::string& userId);
  void advance(std::int64_t pos);
  void wakeRoom(const std::string& roomId, const std::vector<std::string>& extraUsers);
  void wakeUsers(const std::vector<std::string>& users);
  // `sendsEdus`: this replica took the typing request, so it tells other servers of expiries.
  void scheduleTypingExpiry(const std::string& roomId, std::int64_t untilMs, bool sendsEdus = true);
  // Replicas sharing the store (replica_tail.cc).
  bool replicated() const;
  Status startReplication();
  void scheduleTailPoll();
  void noteLocalPosition(std::int64_t pos);
  void publishAdvanced(std::int64_t pos);
  // Makes every position up to `target` (committed) visible here, reading back what other
  // replicas wrote; wakes the users it concerns.
  Status catchUp(std::int64_t target);
  Status applyStreamChanges(const StreamChanges& changes, std::vector<std::string>& wake);
  Status reloadRoomIndex(const std::string& roomId);
  void publishTyping(const TypingRequest& request, std::int64_t untilMs);
  void applyReplicaTyping(const TypingChange& change);
  std::int64_t now() const { return options_.clock(); }
  // Presence timeouts (presence_timeouts.cc): a /sync marks the user active; a timer on the
  // notifier's thread moves idle users to unavailable, then offline.
  void noteSyncActivity(const std::string& userId);
  // The user's stored presence, from memory while no presence write for them came since it
  // was read (presenceMarks_), else from the store: every /sync asks.
  Result<std::optional<PresenceRow>> knownPresence(const std::string& userId);
  // The user's rooms and memberships, from memory while no room's state changed since they
  // were read (membershipMarks_), else from the store: every woken /sync asks
  // (known_memberships.cc).
  Result<std::shared_ptr<const std::vector<Membership>>> knownMemberships(
      const std::string& userId);
  void schedulePresenceCheck(const std::string& userId, std::int64_t delayMs);
  void checkPresence(const std::string& userId);
  Status storePresenceChange(const std::string& userId, const std::string& presence,
                             const std::optional<std::string>& statusMsg,
                             std::int64_t lastActiveTs);
  bool isLocal(const std::string& userId) const;
  static std::string notifiedKey(const std::string& userId, const std::string& roomId) {
    return userId + '\n' + roomId;
  }
  // Outbound EDUs (outbound_edus.cc): each is a no-op for remote users or without a sink.
  std::vector<std::string> remoteServersOf(const std::vector<std::string>& users) const;
  void sendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
               const std::string& type, const json::Object& content);
  void sendTypingEdu(const CallContext& ctx, const TypingRequest& request);
  void sendReceiptEdu(const CallContext& ctx, const ReceiptRequest& request, std::int64_t ts);
  void sendPresenceEdu(const CallContext& ctx, const std::string& userId,
                       const std::string& presence, const std::optional<std::string>& statusMsg,
                       std::int64_t lastActiveTs);
  void sendRemoteToDevice(const CallContext& ctx, const SendToDeviceRequest& request,
                          const json::Object& remoteMessages, const std::string& messageId);
  // inputRoomEvents without publishing: stores and applies each output in order.
  Status applyRoomEvents(const std::vector<roomserver::OutputRoomEvent>& outputs);
  // The user's unread counts in the room as of stream position upTo (unread_counts_cache.h).
  Result<UnreadCounts> unreadCounts(const std::string& userId, const std::string& roomId,
                                    std::int64_t upTo);
  Result<json::Object> stateEventsJson(const std::vector<std::string>& ids, const Filter& filter);

  std::unique_ptr<SyncStore> store_;
  bus::Bus& bus_;
  DeviceKeySource* keys_;
  RoomEventSource* roomEvents_ = nullptr;
  EduSink* edus_ = nullptr;
  accountsync::AccountSyncApi* accountSync_;
  std::unordered_map<std::string, std::int64_t> accountSyncPos_;  // bus thread only
  SyncServiceOptions options_;
  std::atomic<std::int64_t> currentPos_{0};
  TypingState typing_;
  RoomIndex rooms_;
  // Newest stream positions per key (stream_watermarks.h): bumped before advance(), read by
  // incremental syncs to skip queries of streams that did not move.
  StreamWatermarks roomEventMarks_;    // by room ID
  StreamWatermarks receiptMarks_;      // by room ID
  StreamWatermarks presenceMarks_;     // by user ID
  StreamWatermarks accountDataMarks_;  // by user ID
  StreamWatermarks toDeviceMarks_;     // by recipient user ID
  StreamWatermarks deviceListMarks_;   // one key, ""
  StreamWatermarks membershipMarks_;   // one key, "": any room's state changed
  StreamWatermarks notifiedMarks_;     // by notifiedKey: a notification stored for them there
  UnreadCountsCache unreadCache_;
  LazyMembersCache lazyMembers_;
  RecentEventsCache recentEvents_;  // timelines of incremental syncs (recent_events_cache.h)
  RecentNotifications recentNotifications_;  // unread counts since the last count
  std::mutex toDeviceAckMutex_;
  // "user\ndevice" -> the since token whose messages were last deleted for that device.
  std::unordered_map<std::string, std::int64_t> toDeviceAcked_;
  // Replicas: positions up to tailedPos_ are visible here; localPositions_ were written by this
  // process and need no read-back.
  std::mutex tailMutex_;
  std::int64_t tailedPos_ = 0;
  std::set<std::int64_t> localPositions_;
  Notifier notifier_;
  std::mutex pushRulesMutex_;
  // Merged rulesets per local user, shared so evaluation never copies them.
  std::unordered_map<std::string, std::shared_ptr<const json::Object>> pushRules_;
  std::vector<std::unique_ptr<bus::Subscription>> subscriptions_;
  std::unique_ptr<PusherDirectory> ownedPushers_;
  std::unique_ptr<PushDeliverer> pushes_;
  struct Activity {
    std::int64_t lastSyncMs = 0;
    bool timerPending = false;
  };
  std::mutex activityMutex_;
  std::unordered_map<std::string, Activity> activity_;
  struct KnownPresence {
    std::optional<PresenceRow> row;
    std::int64_t asOf = 0;  // the current position when it was read
  };
  std::mutex knownPresenceMutex_;
  std::unordered_map<std::string, KnownPresence> knownPresence_;
  struct KnownMemberships {
    std::shared_ptr<const std::vector<Membership>> rows;
    std::int64_t asOf = 0;  // the current position when they were read
  };
  std::mutex knownMembershipsMutex_;
  std::unordered_map<std::string, KnownMemberships> knownMemberships_;
};

}  // namespace plexus::syncapi
