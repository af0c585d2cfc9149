// FederationSenderStore: the federation sender's storage interface — one persisted queue of PDUs
// and EDUs per destination, the rows claimed by the destination's in-flight transaction, and
// the delivery state (backoff) that must survive a restart. Every method takes the Executor to
// run on, so the service composes one step's reads and writes into a single transaction.
// Implementation: SqlFederationSenderStore (SQLite and PostgreSQL). Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::federationsender {

using storage::Executor;

struct QueuedPdu {
  std::int64_t id = 0;  // increases with enqueue order
  std::string roomId;
  std::string eventId;
  std::string pduJson;  // canonical JSON of the PDU as it goes on the wire
  std::int64_t enqueuedMs = 0;
};

struct QueuedEdu {
  std::int64_t id = 0;
  std::string type;
  std::string contentJson;  // canonical JSON of the EDU content
  std::int64_t enqueuedMs = 0;
};

// The rows one transaction carries. Its ID and timestamp stay the same on every retry, so the
// receiver recognises a repeat.
struct StoredTransaction {
  std::string txnId;
  std::int64_t originServerTs = 0;
  std::vector<QueuedPdu> pdus;  // in enqueue order
  std::vector<QueuedEdu> edus;
  bool empty() const { return pdus.empty() && edus.empty(); }
};

// How a destination has been doing; persisted so that a restart keeps the backoff.
struct DestinationState {
  std::string destination;
  std::int64_t failures = 0;        // consecutive failed attempts (0: healthy)
  std::int64_t backoffUntilMs = 0;  // wall clock (ms since the epoch); 0: none
  std::int64_t lastSuccessMs = 0;   // 0: never
};

struct QueueDepth {
  std::int64_t pdus = 0;
  std::int64_t edus = 0;
};

// Unclaimed PDUs of one room waiting for one destination.
struct RoomBacklog {
  std::string roomId;
  std::int64_t count = 0;
  std::int64_t oldestEnqueuedMs = 0;
};

class FederationSenderStore {
 public:
  virtual ~FederationSenderStore() = default;

  // Creates or upgrades the schema. Errors: storage errors.
  virtual Status migrate(storage::Database& db) = 0;

  // Queues a PDU for a destination. Queuing the same event ID for the same destination again is
  // a no-op (the bus delivers at least once).
  virtual Status enqueuePdu(Executor& ex, std::string_view destination, std::string_view roomId,
                            std::string_view eventId, std::string_view pduJson,
                            std::int64_t nowMs) = 0;
  virtual Status enqueueEdu(Executor& ex, std::string_view destination, std::string_view type,
                            std::string_view contentJson, std::int64_t nowMs) = 0;

  // Destinations with at least one queued row (claimed or not), sorted.
  virtual Result<std::vector<std::string>> destinationsWithWork(Executor& ex) = 0;

  // The destination's in-flight transaction (rows claimed by an earlier claimTransaction and not
  // acknowledged yet), or nullopt when there is none.
  virtual Result<std::optional<StoredTransaction>> openTransaction(
      Executor& ex, std::string_view destination) = 0;
  // Claims the oldest unclaimed rows (at most maxPdus PDUs and maxEdus EDUs) for a new
  // transaction `txnId` and returns it; empty when nothing is queued (then nothing is recorded).
  // Call inside a transaction, and only when openTransaction() found none.
  virtual Result<StoredTransaction> claimTransaction(Executor& ex, std::string_view destination,
                                                     std::string_view txnId,
                                                     std::int64_t originServerTs,
                                                     std::size_t maxPdus, std::size_t maxEdus) = 0;
  // The destination acknowledged `txnId`: deletes its rows and forgets the transaction.
  virtual Status ackTransaction(Executor& ex, std::string_view destination,
                                std::string_view txnId) = 0;

  // Queued rows (claimed or not) of one destination.
  virtual Result<QueueDepth> queueDepth(Executor& ex, std::string_view destination) = 0;
  // Unclaimed PDUs per room of one destination.
  virtual Result<std::vector<RoomBacklog>> roomBacklogs(Executor& ex,
                                                        std::string_view destination) = 0;
  // Deletes the unclaimed PDUs of a room for a destination except the `keepLatest` newest;
  // returns how many were deleted.
  virtual Result<std::int64_t> collapseRoom(Executor& ex, std::string_view destination,
                                            std::string_view roomId, std::int64_t keepLatest) = 0;

  // Delivery state; destinations never seen have none.
  virtual Result<std::optional<DestinationState>> destinationState(
      Executor& ex, std::string_view destination) = 0;
  virtual Result<std::vector<DestinationState>> destinationStates(Executor& ex) = 0;
  // Inserts or replaces the failures / backoff / last-success columns (the in-flight
  // transaction columns are left alone).
  virtual Status setDestinationState(Executor& ex, const DestinationState& state) = 0;
};

}  // namespace plexus::federationsender
