// SqlRoomserverStore: RoomserverStore over plexus::storage::Database, for SQLite and PostgreSQL
// alike. The type and state-key nids are cached in memory (they never change once assigned).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "plexus/storage/database.h"
#include "roomserver/storage/roomserver_store.h"

namespace plexus::roomserver {

// "$1, $2, ..., $n": the parameters of an IN (...) list.
std::string sqlPlaceholders(std::size_t n);

class SqlRoomserverStore final : public RoomserverStore {
 public:
  explicit SqlRoomserverStore(storage::Database& db) : db_(db) {}

  // RoomserverStore
  Status migrate() override;

  Result<std::int64_t> eventTypeNid(std::string_view type) override;
  Result<std::int64_t> stateKeyNid(std::string_view stateKey) override;
  Result<std::vector<std::int64_t>> stateKeyNids(const std::vector<std::string>& stateKeys) override;
  Result<std::string> eventType(std::int64_t typeNid) override;
  Result<std::string> stateKey(std::int64_t stateKeyNid) override;
  bool typeAndKeyInterned(std::string_view type,
                          std::optional<std::string_view> stateKey) const override;

  Result<std::int64_t> insertRoom(storage::Executor& ex, std::string_view roomId,
                                  std::string_view roomVersion) override;
  Result<std::optional<StoredRoom>> room(storage::Executor& ex, std::string_view roomId) override;
  Result<std::string> roomVersion(storage::Executor& ex, std::int64_t roomNid) override;
  Status setRoomSnapshot(storage::Executor& ex, std::int64_t roomNid,
                         std::int64_t snapshotNid) override;
  Status setPublished(storage::Executor& ex, std::int64_t roomNid, bool published) override;
  Result<std::vector<StoredRoom>> publishedRooms(storage::Executor& ex) override;

  Result<std::int64_t> insertEvent(storage::Executor& ex, const NewEvent& event) override;
  Result<std::vector<std::int64_t>> insertEvents(storage::Executor& ex,
                                                 const std::vector<NewEvent>& events) override;
  Status promoteOutlier(storage::Executor& ex, std::int64_t eventNid, std::int64_t stateBeforeNid,
                        bool rejected, bool softFailed) override;
  Status markRedacted(storage::Executor& ex, std::int64_t eventNid, std::string_view redactedJson,
                      std::string_view redactedBy) override;
  Result<std::vector<StoredEvent>> eventsByIds(storage::Executor& ex,
                                               const std::vector<std::string>& ids) override;
  Result<std::vector<StoredEvent>> eventsByNids(storage::Executor& ex,
                                                const std::vector<std::int64_t>& nids) override;

  Result<StoredSnapshot> insertSnapshot(storage::Executor& ex, std::int64_t roomNid,
                                        std::optional<StoredSnapshot> parent,
                                        const std::vector<StateEntry>& entries) override;
  Result<StoredSnapshot> snapshotInfo(storage::Executor& ex, std::int64_t snapshotNid) override;
  Result<std::vector<StateEntry>> loadSnapshot(storage::Executor& ex,
                                               std::int64_t snapshotNid) override;
  Status setCurrentState(storage::Executor& ex, std::int64_t roomNid,
                         const StateEntry& entry) override;
  Status setCurrentStates(storage::Executor& ex, std::int64_t roomNid,
                          const std::vector<StateEntry>& entries) override;
  Status removeCurrentState(storage::Executor& ex, std::int64_t roomNid, std::int64_t typeNid,
                            std::int64_t stateKeyNid) override;
  Result<std::vector<StateEntry>> currentState(storage::Executor& ex,
                                               std::int64_t roomNid) override;

  Status replaceExtremities(storage::Executor& ex, std::int64_t roomNid,
                            const std::vector<std::int64_t>& removed, std::int64_t added) override;
  Status replaceExtremitiesMany(storage::Executor& ex,
                                const std::vector<ExtremityReplacement>& changes) override;
  Result<std::vector<ExtremityRow>> extremities(storage::Executor& ex,
                                                std::int64_t roomNid) override;

  Status setMembership(storage::Executor& ex, std::int64_t roomNid, std::string_view userId,
                       std::string_view membership, std::int64_t eventNid) override;
  Status setMemberships(storage::Executor& ex, std::int64_t roomNid,
                        const std::vector<MembershipUpdate>& updates) override;
  Result<std::optional<MembershipRow>> membership(storage::Executor& ex, std::int64_t roomNid,
                                                  std::string_view userId) override;
  Status setForgotten(storage::Executor& ex, std::int64_t roomNid,
                      std::string_view userId) override;
  Result<std::vector<std::string>> roomsForUser(storage::Executor& ex, std::string_view userId,
                                                std::string_view membership) override;
  Result<std::vector<MembershipRow>> membersWith(storage::Executor& ex, std::int64_t roomNid,
                                                 std::string_view membership) override;

  Status insertTransaction(storage::Executor& ex, std::string_view userId,
                           std::string_view deviceId, std::string_view transactionId,
                           std::string_view eventId) override;
  Status insertTransactions(storage::Executor& ex,
                            const std::vector<TransactionRow>& rows) override;
  Result<std::optional<std::string>> transactionEvent(storage::Executor& ex,
                                                      std::string_view userId,
                                                      std::string_view deviceId,
                                                      std::string_view transactionId) override;

  Status upsertRemoteInvite(storage::Executor& ex, const RemoteInviteRow& invite) override;
  Result<std::optional<RemoteInviteRow>> remoteInvite(storage::Executor& ex,
                                                      std::string_view roomId,
                                                      std::string_view userId) override;
  Status deleteRemoteInvite(storage::Executor& ex, std::string_view roomId,
                            std::string_view userId) override;
  Result<std::vector<RemoteInviteRow>> remoteInvitesForUser(storage::Executor& ex,
                                                            std::string_view userId) override;

  Status insertAlias(storage::Executor& ex, const AliasRow& alias) override;
  Result<bool> removeAlias(storage::Executor& ex, std::string_view alias) override;
  Result<std::optional<AliasRow>> alias(storage::Executor& ex, std::string_view alias) override;
  Result<std::vector<std::string>> aliasesForRoom(storage::Executor& ex,
                                                  std::string_view roomId) override;

 private:
  // Interns `value` in `table` (column `column`, id column `idColumn`).
  Result<std::int64_t> intern(std::string_view table, std::string_view idColumn,
                              std::string_view column, std::string_view value,
                              std::map<std::string, std::int64_t, std::less<>>& cache);
  Result<std::string> lookupName(std::string_view table, std::string_view idColumn,
                                 std::string_view column, std::int64_t nid,
                                 std::map<std::int64_t, std::string>& cache);

  storage::Database& db_;
  mutable std::mutex cacheMutex_;
  std::map<std::string, std::int64_t, std::less<>> typeNids_;
  std::map<std::string, std::int64_t, std::less<>> stateKeyNids_;
  std::map<std::int64_t, std::string> typeNames_;
  std::map<std::int64_t, std::string> stateKeyNames_;
};

}  // namespace plexus::roomserver
