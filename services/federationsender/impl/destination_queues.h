// DestinationQueues: delivery of the persisted per-destination queues. A bounded pool of worker
// threads takes destinations that have work and are not backing off; a worker sends one
// transaction at a time for its destination (PUT /_matrix/federation/v1/send/{txnId}, at most
// 50 PDUs and 100 EDUs), deletes the rows the destination acknowledged, and on failure puts the
// destination into a persisted, jittered exponential backoff. A transaction keeps its ID and
// content across retries and restarts until it is acknowledged (the receiver dedupes by ID).
// Callers write queue rows through FederationSenderStore themselves and then call notifyWork().
// Threading: every public method is thread-safe; stop() (and the destructor) joins the workers,
// waiting at most for the requests in flight (bounded by their timeout).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "federationsender/impl/backoff.h"
#include "federationsender/impl/federation_sender_options.h"
#include "federationsender/impl/sender_stats.h"
#include "federationsender/storage/federation_sender_store.h"
#include "plexus/federation/federation_requester.h"

namespace plexus::federationsender {

class DestinationQueues {
 public:
  // Everything given must outlive this. `options.nowMs` and `options.random` must be set.
  DestinationQueues(storage::Database& db, FederationSenderStore& store,
                    federation::FederationRequester& requester,
                    const FederationSenderOptions& options);
  ~DestinationQueues();
  DestinationQueues(const DestinationQueues&) = delete;
  DestinationQueues& operator=(const DestinationQueues&) = delete;

  // Loads the persisted backoff of every destination and the destinations with queued rows,
  // then starts the workers (pending queues resume). Errors: storage errors.
  Status start();
  // Stops the workers; rows stay queued for the next start().
  void stop();

  // Rows were queued for these destinations: wake them (those backing off wait for the end of
  // their backoff).
  void notifyWork(const std::vector<std::string>& destinations);
  // The destination answered a request: forget its backoff and drain its queue now.
  void noteAlive(const std::string& destination);

  // Per-destination counters (queue depths are read from the store).
  Result<SenderStats> stats();

 private:
  struct Destination {
    bool hasWork = false;  // rows may be queued
    bool queued = false;   // in ready_
    bool running = false;  // a worker holds it
    bool dirty = false;    // notified while running
    DestinationState state;
    DestinationStats counters;
  };
  enum class Outcome : std::uint8_t { kIdle, kMore, kFailed, kStopped };
  struct DrainResult {
    Outcome outcome = Outcome::kIdle;
    std::string error;
  };

  void workerLoop();
  // Moves destinations whose backoff ended into ready_. Caller holds mutex_.
  void promoteExpiredLocked(std::int64_t now);
  // Queues `name` for a worker if it has work, is idle and not backing off. Caller holds mutex_.
  void maybeReadyLocked(const std::string& name, Destination& d, std::int64_t now);
  DrainResult drain(const std::string& destination);
  Status collapseBacklog(const std::string& destination, std::uint64_t& collapsed);
  Result<StoredTransaction> nextTransaction(const std::string& destination);
  Result<void> sendTransaction(const std::string& destination, const StoredTransaction& txn);
  Status persistState(const DestinationState& state);
  std::string newTxnId();

  storage::Database& db_;
  FederationSenderStore& store_;
  federation::FederationRequester& requester_;
  const FederationSenderOptions& options_;
  BackoffPolicy backoff_;
  std::string txnPrefix_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool started_ = false;
  bool stopping_ = false;
  std::uint64_t txnCounter_ = 0;
  std::map<std::string, Destination, std::less<>> destinations_;
  std::deque<std::string> ready_;                    // destinations waiting for a worker
  std::multimap<std::int64_t, std::string> timers_;  // backoff end -> destination
  std::vector<std::thread> workers_;
};

}  // namespace plexus::federationsender
