// SqlSyncStore: SyncStore over plexus::storage::Database (SQLite and PostgreSQL). Split over
// sql_syncapi_store.cc (room events, state, memberships, relations, notifications),
// sql_syncapi_search.cc (full-text search) and sql_syncapi_streams.cc (receipts, account data,
// to-device, filters, presence, device lists, unread counts, lazy-loading).
#pragma once

#include "plexus/storage/database.h"
#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

class SqlSyncStore final : public SyncStore {
 public:
  explicit SqlSyncStore(storage::Database& db) : db_(db) {}

  // SyncStore
  Result<std::int64_t> queryCurrentPosition() override;
  Result<StreamChanges> queryStreamChanges(std::int64_t afterPos, std::int64_t upToPos) override;
  Result<std::optional<std::int64_t>> storeRoomEvent(const RoomEventWrite& write) override;
  Status storeOutlierEvents(const std::vector<StoredEvent>& events) override;
  Status storeBackfilledEvents(const std::vector<StoredEvent>& events) override;
  Result<std::vector<std::optional<std::int64_t>>> storeRoomEvents(
      const std::vector<RoomEventWrite>& writes) override;
  Status redactEvent(const std::string& eventId, const std::string& redactedJson,
                     const std::string& redactionJson) override;
  Result<std::optional<StoredEvent>> queryEvent(const std::string& eventId) override;
  Result<std::vector<StoredEvent>> queryEvents(const std::vector<std::string>& ids) override;
  Result<std::vector<StoredEvent>> queryRoomEvents(const std::string& roomId, std::int64_t afterPos,
                                                   std::int64_t upToPos, int limit,
                                                   bool backwards) override;
  Result<std::map<StateKeyRef, std::string>> queryCurrentState(const std::string& roomId) override;
  Result<std::vector<StateDelta>> queryStateDeltas(const std::string& roomId,
                                                   std::int64_t upToPos) override;
  Result<std::vector<Membership>> queryMembershipsOfUser(const std::string& userId) override;
  Result<std::vector<Membership>> queryActiveMemberships() override;
  Result<std::int64_t> storeReceipt(const Receipt& receipt, bool clearsNotifications) override;
  Result<std::vector<Receipt>> queryReceipts(const std::string& roomId, std::int64_t afterPos,
                                             std::int64_t upToPos) override;
  Result<std::int64_t> storeAccountData(const std::string& userId, const std::string& roomId,
                                        const std::string& type,
                                        const std::string& content) override;
  Result<std::vector<AccountDataItem>> queryAccountData(const std::string& userId,
                                                        std::int64_t afterPos,
                                                        std::int64_t upToPos) override;
  Result<std::optional<std::int64_t>> storeToDevice(
      const std::string& sender, const std::string& senderDevice, const std::string& txnId,
      const std::vector<ToDeviceMessage>& messages) override;
  Result<std::vector<ToDeviceMessage>> queryToDevice(const std::string& userId,
                                                     const std::string& deviceId,
                                                     std::int64_t upToPos, int limit) override;
  Status deleteToDevice(const std::string& userId, const std::string& deviceId,
                        std::int64_t upToPos) override;
  Result<std::int64_t> storeFilter(const std::string& userId,
                                   const std::string& filterJson) override;
  Result<std::optional<std::string>> queryFilter(const std::string& userId,
                                                 std::int64_t id) override;
  Result<std::int64_t> storePresence(const PresenceRow& row) override;
  Result<std::optional<PresenceRow>> queryPresence(const std::string& userId) override;
  Result<std::vector<PresenceRow>> queryPresenceChanges(std::int64_t afterPos,
                                                        std::int64_t upToPos) override;
  Result<std::int64_t> storeDeviceListChange(const std::string& userId) override;
  Result<std::map<std::string, std::int64_t>> queryDeviceListChanges(std::int64_t afterPos,
                                                                     std::int64_t upToPos) override;
  Result<UnreadCounts> queryUnreadCounts(const std::string& userId,
                                         const std::string& roomId) override;
  Result<UnreadCounts> queryUnreadCountsBetween(const std::string& userId,
                                                const std::string& roomId, std::int64_t afterPos,
                                                std::int64_t upToPos) override;
  Result<std::map<std::string, UnreadCounts>> queryThreadUnreadCounts(
      const std::string& userId, const std::string& roomId) override;
  Result<std::vector<NotificationRow>> queryNotificationEvents(const std::string& userId,
                                                               std::int64_t beforePos,
                                                               bool highlightsOnly,
                                                               int limit) override;
  Result<std::vector<StoredEvent>> queryEventsByTimestamp(const std::string& roomId,
                                                          std::int64_t ts, bool forward,
                                                          int limit) override;
  Result<std::set<std::string>> queryLazyMembersSent(const std::string& userId,
                                                     const std::string& deviceId,
                                                     const std::string& roomId) override;
  Status storeLazyMembersSent(const std::string& userId, const std::string& deviceId,
                              const std::string& roomId,
                              const std::set<std::string>& members) override;
  Result<std::int64_t> clearLazyMembersSent(const std::string& userId,
                                            const std::string& deviceId) override;
  Result<std::vector<StoredEvent>> queryRelations(const std::string& roomId,
                                                  const std::string& eventId,
                                                  const std::string& relType,
                                                  const std::string& eventType,
                                                  std::int64_t afterPos, std::int64_t beforePos,
                                                  int limit, bool backwards) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> queryThreadRoots(
      const std::string& roomId, std::int64_t beforePos, int limit) override;
  Result<std::vector<SearchHit>> querySearch(const SearchQuery& query) override;
  Result<std::int64_t> querySearchCount(const SearchQuery& query) override;

 private:
  storage::Database& db_;
};

// Allocates the next stream position inside `tx` (the counter row serialises writers until
// commit, so positions commit in order).
Result<std::int64_t> allocatePosition(storage::Executor& tx);

// The event columns in SELECT order, and a reader for them (shared by the store's files).
extern const std::string_view kSyncEventColumns;
Result<StoredEvent> readSyncEvent(const storage::Row& r);

}  // namespace plexus::syncapi
