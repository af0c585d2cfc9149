// SyncStore: sync-api's storage. Everything is ordered by one global stream position
// (monotonic, allocated inside each writing transaction from a single counter row, so commit
// order equals position order and "positions <= current" never skips an uncommitted write).
// Events are kept as canonical JSON with typed columns beside them. One implementation over
// plexus::storage::Database serves SQLite and PostgreSQL (makeSqlSyncStore).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::syncapi {

// Positions of events stored out of stream order: history backfilled from other servers goes
// below 0 and above this floor (timeline, older than everything else here); state that arrives
// without a timeline (a remote join's) goes below it (never timeline).
inline constexpr std::int64_t kTimelineFloor = -(std::int64_t{1} << 50);

struct StoredEvent {
  std::int64_t pos = 0;
  std::string roomId;
  std::string eventId;
  std::int64_t depth = 0;
  std::string type;
  std::string sender;
  std::optional<std::string> stateKey;
  std::string json;  // canonical PDU JSON (redacted form once redacted)
  std::int64_t originTs = 0;
  std::optional<std::string> redactedBecause;  // canonical JSON of the redaction event
  std::optional<std::string> txnUser, txnDevice, txnId;
  std::optional<std::string> relatesTo, relType;
  std::optional<std::string> body;  // text searched by performSearch
};

struct StateKeyRef {
  std::string type;
  std::string stateKey;
  bool operator<(const StateKeyRef& o) const {
    return type != o.type ? type < o.type : stateKey < o.stateKey;
  }
};

struct StateDelta {
  std::int64_t pos = 0;
  StateKeyRef key;
  std::optional<std::string> eventId;  // nullopt: removed from the state
};

struct Membership {
  std::string roomId;
  std::string userId;
  std::string membership;
  std::string eventId;
  std::int64_t pos = 0;
};

struct NotificationWrite {
  std::string userId;
  bool highlight = false;
  std::string threadId;                  // "" for the main timeline
  std::string actions = "[\"notify\"]";  // JSON array text: the matched rule's actions
  std::int64_t ts = 0;                   // when the notification was made (ms)
};

// POST /search over the full-text index (SQLite FTS5, PostgreSQL tsvector).
struct SearchQuery {
  std::vector<std::string> roomIds;
  std::vector<std::string> types;  // event types searched (m.room.message, .name, .topic)
  std::string term;                // the client's search_term
  bool byRank = false;             // order by rank (best first) instead of recency
  std::int64_t beforePos = 0;      // recency order: only pos < beforePos (0 = no bound)
  std::int64_t offset = 0;         // rank order: skip this many hits
  int limit = 100;
};
struct SearchHit {
  StoredEvent event;
  double rank = 0;  // larger is better (SQLite: -bm25; PostgreSQL: ts_rank)
};

// One OutputRoomEvent, written in one transaction.
struct RoomEventWrite {
  StoredEvent event;  // pos is assigned by the store
  std::vector<std::string> addsStateEventIds;
  std::vector<std::string> removesStateEventIds;
  std::vector<NotificationWrite> notifications;
};

struct Receipt {
  std::string roomId, userId, receiptType, threadId, eventId;
  std::int64_t ts = 0;
  std::int64_t pos = 0;
};

struct AccountDataItem {
  std::string roomId, type, content;  // content: JSON text
  std::int64_t pos = 0;
};

struct ToDeviceMessage {
  std::int64_t pos = 0;
  std::string userId, deviceId, sender, type, content;
};

struct PresenceRow {
  std::string userId, presence;
  std::optional<std::string> statusMsg;
  std::int64_t lastActiveTs = 0;
  std::int64_t pos = 0;
};

// What was written at positions in an interval, by key (queryStreamChanges): what a sync-api
// replica needs to learn about writes made by other processes sharing the store.
struct StreamChanges {
  struct StateChange {
    std::string roomId;
    StateKeyRef key;
  };
  std::map<std::string, std::int64_t> roomEvents;  // room -> newest event position
  std::vector<StateChange> stateChanges;
  std::vector<Receipt> receipts;                    // event ID and ts left empty
  std::map<std::string, std::int64_t> accountData;  // user -> newest position
  std::map<std::string, std::int64_t> toDevice;     // recipient user -> newest position
  std::vector<PresenceRow> presence;
  std::map<std::string, std::int64_t> deviceLists;  // user -> newest position
};

struct UnreadCounts {
  std::int64_t notifications = 0;
  std::int64_t highlights = 0;
};

class SyncStore {
 public:
  virtual ~SyncStore() = default;

  // Newest committed stream position (0 for an empty store). Positions are handed out under
  // a row lock held until commit, so every position up to this one is committed too.
  virtual Result<std::int64_t> queryCurrentPosition() = 0;
  // Everything written at positions in (afterPos, upToPos] (state of a remote join stored
  // below 0 is not included: its room shows up through the join's own state change).
  virtual Result<StreamChanges> queryStreamChanges(std::int64_t afterPos, std::int64_t upToPos) = 0;

  // ---- room events ----
  // Stores the event and applies its state changes; returns the position, or nullopt when the
  // event ID was already stored (at-least-once delivery).
  virtual Result<std::optional<std::int64_t>> storeRoomEvent(const RoomEventWrite& write) = 0;
  // Stores several events in order in one transaction (all or none); one entry per write, as
  // storeRoomEvent returns it. A write may not depend on another write of the same call (for
  // example through prev_content): the caller stores those one by one.
  virtual Result<std::vector<std::optional<std::int64_t>>> storeRoomEvents(
      const std::vector<RoomEventWrite>& writes) = 0;
  // Stores state events that are not part of any timeline here (the room state a remote join
  // brings) so that a later write can name them in addsStateEventIds. They get positions below
  // kTimelineFloor, under every timeline range, and no search entry. Known IDs
  // are skipped.
  virtual Status storeOutlierEvents(const std::vector<StoredEvent>& events) = 0;
  // Stores history fetched from other servers (backfill), given newest first: each gets a
  // position below every timeline event of the store and above kTimelineFloor, so /messages
  // pages into it. It changes no state. Known IDs are skipped.
  virtual Status storeBackfilledEvents(const std::vector<StoredEvent>& events) = 0;
  // Replaces the event's JSON with its redacted form and records the redaction.
  virtual Status redactEvent(const std::string& eventId, const std::string& redactedJson,
                             const std::string& redactionJson) = 0;
  virtual Result<std::optional<StoredEvent>> queryEvent(const std::string& eventId) = 0;
  virtual Result<std::vector<StoredEvent>> queryEvents(const std::vector<std::string>& ids) = 0;
  // Events of a room with afterPos < pos <= upToPos, newest first when backwards.
  virtual Result<std::vector<StoredEvent>> queryRoomEvents(const std::string& roomId,
                                                           std::int64_t afterPos,
                                                           std::int64_t upToPos, int limit,
                                                           bool backwards) = 0;

  // ---- state ----
  virtual Result<std::map<StateKeyRef, std::string>> queryCurrentState(
      const std::string& roomId) = 0;
  // Every state delta of the room with pos <= upToPos, in position order.
  virtual Result<std::vector<StateDelta>> queryStateDeltas(const std::string& roomId,
                                                           std::int64_t upToPos) = 0;
  virtual Result<std::vector<Membership>> queryMembershipsOfUser(const std::string& userId) = 0;
  // Current join/invite memberships of every room (for the in-memory member index).
  virtual Result<std::vector<Membership>> queryActiveMemberships() = 0;

  // ---- receipts ----
  // Upserts the receipt and, for read receipts, marks the user's notifications in the room
  // at or before the receipted event as read. Returns the new position.
  virtual Result<std::int64_t> storeReceipt(const Receipt& receipt, bool clearsNotifications) = 0;
  virtual Result<std::vector<Receipt>> queryReceipts(const std::string& roomId,
                                                     std::int64_t afterPos,
                                                     std::int64_t upToPos) = 0;

  // ---- account data ----
  virtual Result<std::int64_t> storeAccountData(const std::string& userId,
                                                const std::string& roomId, const std::string& type,
                                                const std::string& content) = 0;
  virtual Result<std::vector<AccountDataItem>> queryAccountData(const std::string& userId,
                                                                std::int64_t afterPos,
                                                                std::int64_t upToPos) = 0;

  // ---- to-device ----
  // Returns the position, or nullopt when (sender, senderDevice, txnId) was seen before.
  virtual Result<std::optional<std::int64_t>> storeToDevice(
      const std::string& sender, const std::string& senderDevice, const std::string& txnId,
      const std::vector<ToDeviceMessage>& messages) = 0;
  virtual Result<std::vector<ToDeviceMessage>> queryToDevice(const std::string& userId,
                                                             const std::string& deviceId,
                                                             std::int64_t upToPos, int limit) = 0;
  virtual Status deleteToDevice(const std::string& userId, const std::string& deviceId,
                                std::int64_t upToPos) = 0;

  // ---- filters ----
  virtual Result<std::int64_t> storeFilter(const std::string& userId,
                                           const std::string& filterJson) = 0;
  virtual Result<std::optional<std::string>> queryFilter(const std::string& userId,
                                                         std::int64_t id) = 0;

  // ---- presence ----
  virtual Result<std::int64_t> storePresence(const PresenceRow& row) = 0;
  virtual Result<std::optional<PresenceRow>> queryPresence(const std::string& userId) = 0;
  virtual Result<std::vector<PresenceRow>> queryPresenceChanges(std::int64_t afterPos,
                                                                std::int64_t upToPos) = 0;

  // ---- device lists ----
  // Appends a change to the device-list log (every change is kept, so any token range can be
  // answered exactly).
  virtual Result<std::int64_t> storeDeviceListChange(const std::string& userId) = 0;
  // users -> latest change position, for changes in (afterPos, upToPos].
  virtual Result<std::map<std::string, std::int64_t>> queryDeviceListChanges(
      std::int64_t afterPos, std::int64_t upToPos) = 0;

  // ---- unread counts ----
  virtual Result<UnreadCounts> queryUnreadCounts(const std::string& userId,
                                                 const std::string& roomId) = 0;
  // The unread notifications of the room with afterPos < pos <= upToPos (to bring counts
  // known at afterPos up to date when no receipt came in between).
  virtual Result<UnreadCounts> queryUnreadCountsBetween(const std::string& userId,
                                                        const std::string& roomId,
                                                        std::int64_t afterPos,
                                                        std::int64_t upToPos) = 0;
  virtual Result<std::map<std::string, UnreadCounts>> queryThreadUnreadCounts(
      const std::string& userId, const std::string& roomId) = 0;

  // Unread counts cover notifications no read receipt has covered yet. The user's
  // notifications (read or not, with their events), newest first, pos < beforePos.
  struct NotificationRow {
    StoredEvent event;
    bool highlight = false;
    bool read = false;
    std::string actions;  // JSON array text
    std::int64_t ts = 0;
  };
  virtual Result<std::vector<NotificationRow>> queryNotificationEvents(const std::string& userId,
                                                                       std::int64_t beforePos,
                                                                       bool highlightsOnly,
                                                                       int limit) = 0;
  // Events of a room ordered by origin_server_ts from `ts` (forward: >= ts ascending;
  // backward: <= ts descending).
  virtual Result<std::vector<StoredEvent>> queryEventsByTimestamp(const std::string& roomId,
                                                                  std::int64_t ts, bool forward,
                                                                  int limit) = 0;

  // ---- lazy-loaded members already sent to a device ----
  virtual Result<std::set<std::string>> queryLazyMembersSent(const std::string& userId,
                                                             const std::string& deviceId,
                                                             const std::string& roomId) = 0;
  virtual Status storeLazyMembersSent(const std::string& userId, const std::string& deviceId,
                                      const std::string& roomId,
                                      const std::set<std::string>& members) = 0;
  // Forgets what the device was sent and takes a stream position for it (returned), so every
  // token issued after the clear is newer than any issued before it: a replica that kept the
  // sets in memory recognises a device that started over elsewhere (lazy_members_cache.h).
  virtual Result<std::int64_t> clearLazyMembersSent(const std::string& userId,
                                                    const std::string& deviceId) = 0;

  // ---- relations and search ----
  virtual Result<std::vector<StoredEvent>> queryRelations(
      const std::string& roomId, const std::string& eventId, const std::string& relType,
      const std::string& eventType, std::int64_t afterPos, std::int64_t beforePos, int limit,
      bool backwards) = 0;
  // Thread roots of a room by latest reply position, newest first, before `beforePos`:
  // (root event ID, latest reply pos).
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> queryThreadRoots(
      const std::string& roomId, std::int64_t beforePos, int limit) = 0;
  // Full-text search of the body column: every word of the term must match (SQLite FTS5
  // quoted terms; PostgreSQL websearch_to_tsquery('simple', term)). A term without a
  // searchable word matches nothing.
  virtual Result<std::vector<SearchHit>> querySearch(const SearchQuery& query) = 0;
  // How many events match (all positions, offset and limit ignored).
  virtual Result<std::int64_t> querySearchCount(const SearchQuery& query) = 0;
};

// Applies the migrations (idempotent) and returns the store.
Result<std::unique_ptr<SyncStore>> makeSqlSyncStore(storage::Database& db);

}  // namespace plexus::syncapi
