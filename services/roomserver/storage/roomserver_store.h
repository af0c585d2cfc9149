// RoomserverStore: the roomserver's tables. Rooms, event types and state keys get numeric IDs
// ("nids"); events are stored as canonical JSON bytes beside typed columns; room state is kept
// as snapshots (a parent snapshot plus the entries that differ, with a full copy every
// kMaxSnapshotChain levels), plus the current state, forward extremities, memberships,
// transaction IDs, aliases and directory visibility of each room.
//
// Methods that take an Executor& run inside the caller's transaction (one per input event or
// request); the others use the database directly. Interning (eventTypeNid, stateKeyNid) runs
// outside transactions on purpose: a nid then never names a row that a rollback removed, so it
// can be cached. Thread-safe.
//
// The writes that return only a Status (set*, replaceExtremities, removeCurrentState,
// promoteOutlier, markRedacted, setForgotten, insertTransaction(s)) are deferred on a PostgreSQL
// transaction (plexus/storage/deferred.h): they go out with the transaction's next statement or
// its commit, which then returns their error (insertTransaction's unique violation comes back
// from the commit). A send thus costs two round trips: BEGIN + the event row, the rest + COMMIT.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::roomserver {

inline constexpr int kMaxSnapshotChain = 32;

struct StoredRoom {
  std::int64_t roomNid = 0;
  std::string roomId;
  std::string roomVersion;
  std::int64_t snapshotNid = 0;  // state after the latest event (0: none yet)
  bool published = false;        // in the public room directory
};

struct StoredEvent {
  std::int64_t eventNid = 0;
  std::int64_t roomNid = 0;
  std::string eventId;
  std::string type;
  std::optional<std::string> stateKey;
  std::string sender;
  std::int64_t depth = 0;
  std::int64_t originServerTs = 0;
  bool rejected = false;
  std::optional<std::string> redactedBy;  // the redaction that applied, if any
  std::string json;                       // canonical JSON bytes as stored (redacted if so)
  std::int64_t stateBeforeNid = 0;        // snapshot of the state before the event
  bool outlier = false;     // stored without its state (stateBeforeNid is 0 then)
  bool softFailed = false;  // accepted by its own state, refused by the current one
};

struct NewEvent {
  std::int64_t roomNid = 0;
  std::string eventId;
  std::int64_t typeNid = 0;
  std::optional<std::int64_t> stateKeyNid;
  std::string sender;
  std::int64_t depth = 0;
  std::int64_t originServerTs = 0;
  std::string json;
  std::int64_t stateBeforeNid = 0;
  bool rejected = false;
  bool outlier = false;
  bool softFailed = false;
};

// One entry of a state: (type nid, state key nid) -> event nid.
struct StateEntry {
  std::int64_t typeNid = 0;
  std::int64_t stateKeyNid = 0;
  std::int64_t eventNid = 0;
  friend bool operator==(const StateEntry&, const StateEntry&) = default;
};

struct StoredSnapshot {
  std::int64_t snapshotNid = 0;
  int chainLength = 0;  // 0 for a full snapshot
};

struct ExtremityRow {
  std::int64_t eventNid = 0;
  std::string eventId;
  std::int64_t depth = 0;
};

// One room's extremity change for replaceExtremitiesMany.
struct ExtremityReplacement {
  std::int64_t roomNid = 0;
  std::vector<std::int64_t> removed;
  std::int64_t added = 0;
};

// One client transaction ID and the event it sent, for insertTransactions.
struct TransactionRow {
  std::string userId;
  std::string deviceId;
  std::string transactionId;
  std::string eventId;
};

struct MembershipRow {
  std::string roomId;
  std::string userId;
  std::string membership;
  std::int64_t eventNid = 0;
  std::string eventId;
  bool forgotten = false;
};

// An invite of a local user to a room this server is not in (received over federation).
struct RemoteInviteRow {
  std::string roomId;
  std::string userId;
  std::string eventId;
  std::string roomVersion;
  std::string origin;  // the inviting server
  std::string json;    // the invite as we signed it, with unsigned.invite_room_state
};

struct AliasRow {
  std::string alias;
  std::string roomId;
  std::string creator;
};

class RoomserverStore {
 public:
  virtual ~RoomserverStore() = default;

  // Applies the schema migrations (component "roomserver").
  virtual Status migrate() = 0;

  // --- Numeric IDs (outside transactions; cached) ---
  virtual Result<std::int64_t> eventTypeNid(std::string_view type) = 0;
  virtual Result<std::int64_t> stateKeyNid(std::string_view stateKey) = 0;
  // stateKeyNid for many keys at once (a join's state): one query per chunk, new ones inserted in
  // one transaction. Same order as `stateKeys`.
  virtual Result<std::vector<std::int64_t>> stateKeyNids(const std::vector<std::string>& stateKeys) = 0;
  virtual Result<std::string> eventType(std::int64_t typeNid) = 0;
  virtual Result<std::string> stateKey(std::int64_t stateKeyNid) = 0;
  // Whether eventTypeNid / stateKeyNid would answer from memory (no database access): a caller
  // holding a transaction open must not intern anything new.
  virtual bool typeAndKeyInterned(std::string_view type,
                                  std::optional<std::string_view> stateKey) const = 0;

  // --- Rooms ---
  // Errors: a unique violation (storage::isUniqueViolation) when the room exists.
  virtual Result<std::int64_t> insertRoom(storage::Executor& ex, std::string_view roomId,
                                          std::string_view roomVersion) = 0;
  virtual Result<std::optional<StoredRoom>> room(storage::Executor& ex, std::string_view roomId) = 0;
  // The version of a room by nid. Errors: kNotFound.
  virtual Result<std::string> roomVersion(storage::Executor& ex, std::int64_t roomNid) = 0;
  virtual Status setRoomSnapshot(storage::Executor& ex, std::int64_t roomNid,
                                 std::int64_t snapshotNid) = 0;
  virtual Status setPublished(storage::Executor& ex, std::int64_t roomNid, bool published) = 0;
  virtual Result<std::vector<StoredRoom>> publishedRooms(storage::Executor& ex) = 0;

  // --- Events ---
  virtual Result<std::int64_t> insertEvent(storage::Executor& ex, const NewEvent& event) = 0;
  // Many rows at once (multi-row inserts); the nids in the same order.
  virtual Result<std::vector<std::int64_t>> insertEvents(storage::Executor& ex,
                                                         const std::vector<NewEvent>& events) = 0;
  // Turns a stored outlier into an event with state (federation input received it again with its
  // prev_events): sets the state before it and the rejected / soft-failed flags.
  virtual Status promoteOutlier(storage::Executor& ex, std::int64_t eventNid,
                                std::int64_t stateBeforeNid, bool rejected, bool softFailed) = 0;
  // Replaces the stored JSON with its redacted form and records the redaction's ID.
  virtual Status markRedacted(storage::Executor& ex, std::int64_t eventNid,
                              std::string_view redactedJson, std::string_view redactedBy) = 0;
  // Known events only, in no particular order.
  virtual Result<std::vector<StoredEvent>> eventsByIds(storage::Executor& ex,
                                                       const std::vector<std::string>& ids) = 0;
  virtual Result<std::vector<StoredEvent>> eventsByNids(storage::Executor& ex,
                                                        const std::vector<std::int64_t>& nids) = 0;

  // --- State ---
  // A snapshot: `parent` plus `entries` (which replace the parent's entries of the same key),
  // or a full snapshot when parent is nullopt. The caller keeps the chain short: write a full
  // snapshot when the parent's chainLength reaches kMaxSnapshotChain.
  virtual Result<StoredSnapshot> insertSnapshot(storage::Executor& ex, std::int64_t roomNid,
                                                std::optional<StoredSnapshot> parent,
                                                const std::vector<StateEntry>& entries) = 0;
  virtual Result<StoredSnapshot> snapshotInfo(storage::Executor& ex, std::int64_t snapshotNid) = 0;
  // The full state of a snapshot (0: the empty state), sorted by (typeNid, stateKeyNid).
  virtual Result<std::vector<StateEntry>> loadSnapshot(storage::Executor& ex,
                                                       std::int64_t snapshotNid) = 0;
  virtual Status setCurrentState(storage::Executor& ex, std::int64_t roomNid,
                                 const StateEntry& entry) = 0;
  virtual Status setCurrentStates(storage::Executor& ex, std::int64_t roomNid,
                                  const std::vector<StateEntry>& entries) = 0;
  // Removes one key from the current state (a state resolution dropped it).
  virtual Status removeCurrentState(storage::Executor& ex, std::int64_t roomNid,
                                    std::int64_t typeNid, std::int64_t stateKeyNid) = 0;
  virtual Result<std::vector<StateEntry>> currentState(storage::Executor& ex,
                                                       std::int64_t roomNid) = 0;

  // --- Forward extremities ---
  virtual Status replaceExtremities(storage::Executor& ex, std::int64_t roomNid,
                                    const std::vector<std::int64_t>& removed,
                                    std::int64_t added) = 0;
  // replaceExtremities for many rooms in one delete and one insert (a group commit).
  virtual Status replaceExtremitiesMany(storage::Executor& ex,
                                        const std::vector<ExtremityReplacement>& changes) = 0;
  virtual Result<std::vector<ExtremityRow>> extremities(storage::Executor& ex,
                                                        std::int64_t roomNid) = 0;

  // --- Memberships ---
  // Sets the user's membership (and clears `forgotten`).
  virtual Status setMembership(storage::Executor& ex, std::int64_t roomNid, std::string_view userId,
                               std::string_view membership, std::int64_t eventNid) = 0;
  struct MembershipUpdate {
    std::string userId;
    std::string membership;
    std::int64_t eventNid = 0;
  };
  virtual Status setMemberships(storage::Executor& ex, std::int64_t roomNid,
                                const std::vector<MembershipUpdate>& updates) = 0;
  virtual Result<std::optional<MembershipRow>> membership(storage::Executor& ex,
                                                          std::int64_t roomNid,
                                                          std::string_view userId) = 0;
  virtual Status setForgotten(storage::Executor& ex, std::int64_t roomNid,
                              std::string_view userId) = 0;
  // Not forgotten.
  virtual Result<std::vector<std::string>> roomsForUser(storage::Executor& ex,
                                                        std::string_view userId,
                                                        std::string_view membership) = 0;
  virtual Result<std::vector<MembershipRow>> membersWith(storage::Executor& ex,
                                                         std::int64_t roomNid,
                                                         std::string_view membership) = 0;

  // --- Transaction IDs ---
  // Errors: a unique violation when the transaction is recorded already.
  virtual Status insertTransaction(storage::Executor& ex, std::string_view userId,
                                   std::string_view deviceId, std::string_view transactionId,
                                   std::string_view eventId) = 0;
  // Many rows in one statement; a unique violation when any is recorded already.
  virtual Status insertTransactions(storage::Executor& ex,
                                    const std::vector<TransactionRow>& rows) = 0;
  virtual Result<std::optional<std::string>> transactionEvent(storage::Executor& ex,
                                                              std::string_view userId,
                                                              std::string_view deviceId,
                                                              std::string_view transactionId) = 0;

  // --- Remote invites ---
  // Inserts or replaces the user's invite to the room.
  virtual Status upsertRemoteInvite(storage::Executor& ex, const RemoteInviteRow& invite) = 0;
  virtual Result<std::optional<RemoteInviteRow>> remoteInvite(storage::Executor& ex,
                                                              std::string_view roomId,
                                                              std::string_view userId) = 0;
  virtual Status deleteRemoteInvite(storage::Executor& ex, std::string_view roomId,
                                    std::string_view userId) = 0;
  virtual Result<std::vector<RemoteInviteRow>> remoteInvitesForUser(storage::Executor& ex,
                                                                    std::string_view userId) = 0;

  // --- Aliases ---
  // Errors: a unique violation when the alias exists.
  virtual Status insertAlias(storage::Executor& ex, const AliasRow& alias) = 0;
  // False when it did not exist.
  virtual Result<bool> removeAlias(storage::Executor& ex, std::string_view alias) = 0;
  virtual Result<std::optional<AliasRow>> alias(storage::Executor& ex, std::string_view alias) = 0;
  virtual Result<std::vector<std::string>> aliasesForRoom(storage::Executor& ex,
                                                          std::string_view roomId) = 0;
};

}  // namespace plexus::roomserver
