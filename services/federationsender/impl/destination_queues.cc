// DestinationQueues: scheduling (ready list, backoff timers, workers) and the drain of one
// destination (catch-up collapse, claim or resume a transaction, send it, acknowledge it).
#include "federationsender/impl/destination_queues.h"

#include <algorithm>
#include <chrono>

#include "plexus/federation/transaction_limits.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/log/log.h"

namespace plexus::federationsender {
namespace {

// Transactions one worker sends for a destination before it lets other destinations go first.
constexpr int kTransactionsPerTurn = 20;

// A destination that rejects a transaction with one of these will reject it again: it is
// dropped (logged and counted) instead of blocking the queue forever. Everything else
// (unreachable, 5xx, 429, 401 signature trouble, unknown errors) is retried after a backoff.
bool rejectedForGood(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadJson:
    case ErrorCode::kNotJson:
    case ErrorCode::kInvalidParam:
    case ErrorCode::kMissingParam:
    case ErrorCode::kTooLarge:
    case ErrorCode::kForbidden:
    case ErrorCode::kNotFound:
      return true;
    default:
      return false;
  }
}

}  // namespace

DestinationQueues::DestinationQueues(storage::Database& db, FederationSenderStore& store,
                                     federation::FederationRequester& requester,
                                     const FederationSenderOptions& options)
    : db_(db),
      store_(store),
      requester_(requester),
      options_(options),
      backoff_{options.backoffInitialMs, options.backoffMaxMs},
      // Transaction IDs must not repeat across restarts: the start time makes them unique as
      // long as the clock does not run backwards.
      txnPrefix_(std::to_string(options.nowMs())) {}

DestinationQueues::~DestinationQueues() { stop(); }

Status DestinationQueues::start() {
  PLEXUS_TRY(auto states, store_.destinationStates(db_));
  PLEXUS_TRY(auto withWork, store_.destinationsWithWork(db_));
  std::lock_guard lock(mutex_);
  if (started_) return {};
  started_ = true;
  stopping_ = false;
  const std::int64_t now = options_.nowMs();
  for (auto& s : states) {
    Destination& d = destinations_[s.destination];
    d.state = std::move(s);
    if (d.state.backoffUntilMs > now) timers_.emplace(d.state.backoffUntilMs, d.state.destination);
  }
  for (const auto& name : withWork) {
    Destination& d = destinations_[name];
    d.state.destination = name;
    d.hasWork = true;
    maybeReadyLocked(name, d, now);
  }
  const std::size_t n = std::max<std::size_t>(1, options_.workers);
  for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { workerLoop(); });
  if (!withWork.empty()) {
    log::info("federation sender resumes queues", {{"destinations", withWork.size()}});
  }
  return {};
}

void DestinationQueues::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  started_ = false;
  ready_.clear();
  for (auto& [name, d] : destinations_) {
    d.queued = false;
    d.running = false;
  }
}

void DestinationQueues::notifyWork(const std::vector<std::string>& destinations) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = options_.nowMs();
  for (const auto& name : destinations) {
    Destination& d = destinations_[name];
    d.state.destination = name;
    d.hasWork = true;
    if (d.running) {
      d.dirty = true;
    } else {
      maybeReadyLocked(name, d, now);
    }
  }
}

void DestinationQueues::noteAlive(const std::string& destination) {
  DestinationState copy;
  {
    std::lock_guard lock(mutex_);
    auto it = destinations_.find(destination);
    if (it == destinations_.end()) return;
    Destination& d = it->second;
    if (d.state.failures == 0 && d.state.backoffUntilMs == 0) return;
    const std::int64_t now = options_.nowMs();
    d.state.failures = 0;
    d.state.backoffUntilMs = 0;
    d.state.lastSuccessMs = now;
    copy = d.state;
    maybeReadyLocked(destination, d, now);
  }
  if (auto s = persistState(copy); !s) {
    log::warn("federation sender: cannot store destination state",
              {{"destination", destination}, {"error", s.error().message}});
  }
}

void DestinationQueues::maybeReadyLocked(const std::string& name, Destination& d,
                                         std::int64_t now) {
  if (!started_ || stopping_) return;
  if (!d.hasWork || d.running || d.queued || d.state.backoffUntilMs > now) return;
  d.queued = true;
  ready_.push_back(name);
  wake_.notify_one();
}

void DestinationQueues::promoteExpiredLocked(std::int64_t now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::string name = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = destinations_.find(name);
    if (it != destinations_.end()) maybeReadyLocked(name, it->second, now);
  }
}

void DestinationQueues::workerLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::int64_t now = options_.nowMs();
    promoteExpiredLocked(now);
    if (ready_.empty()) {
      if (timers_.empty()) {
        wake_.wait(lock);
      } else {
        // Capped so that a clock that jumps (or a test clock) is noticed soon.
        const std::int64_t ms = std::clamp<std::int64_t>(timers_.begin()->first - now, 1, 1'000);
        wake_.wait_for(lock, std::chrono::milliseconds(ms));
      }
      continue;
    }
    const std::string name = std::move(ready_.front());
    ready_.pop_front();
    Destination& d = destinations_[name];
    d.queued = false;
    if (d.running || !d.hasWork || d.state.backoffUntilMs > now) continue;
    d.running = true;
    d.dirty = false;
    lock.unlock();
    DrainResult result = drain(name);
    lock.lock();
    d.running = false;
    now = options_.nowMs();
    switch (result.outcome) {
      case Outcome::kIdle:
        d.hasWork = d.dirty;
        d.dirty = false;
        maybeReadyLocked(name, d, now);
        break;
      case Outcome::kMore:
        maybeReadyLocked(name, d, now);
        break;
      case Outcome::kStopped:
        break;
      case Outcome::kFailed: {
        d.state.failures += 1;
        d.state.backoffUntilMs = now + backoff_.delayMs(d.state.failures, options_.random());
        d.counters.failures += 1;
        d.counters.lastError = result.error;
        timers_.emplace(d.state.backoffUntilMs, name);
        const DestinationState copy = d.state;
        log::info("federation sender: destination backs off",
                  {{"destination", name},
                   {"failures", static_cast<long long>(copy.failures)},
                   {"retry_in_ms", static_cast<long long>(copy.backoffUntilMs - now)},
                   {"error", result.error}});
        lock.unlock();
        if (auto s = persistState(copy); !s) {
          log::warn("federation sender: cannot store destination state",
                    {{"destination", name}, {"error", s.error().message}});
        }
        lock.lock();
        break;
      }
    }
  }
}

DestinationQueues::DrainResult DestinationQueues::drain(const std::string& destination) {
  std::uint64_t collapsed = 0;
  if (auto s = collapseBacklog(destination, collapsed); !s) {
    return {Outcome::kFailed, "storage: " + s.error().message};
  }
  if (collapsed > 0) {
    std::lock_guard lock(mutex_);
    destinations_[destination].counters.pdusCollapsed += collapsed;
  }
  for (int i = 0; i < kTransactionsPerTurn; ++i) {
    bool wasFailing = false;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return {Outcome::kStopped, {}};
      wasFailing = destinations_[destination].state.failures > 0;
    }
    auto txn = nextTransaction(destination);
    if (!txn) return {Outcome::kFailed, "storage: " + txn.error().message};
    if (txn->empty()) return {Outcome::kIdle, {}};
    {
      std::lock_guard lock(mutex_);
      auto& c = destinations_[destination].counters;
      c.attempts += 1;
      if (wasFailing) c.retries += 1;
    }
    auto sent = sendTransaction(destination, *txn);
    bool dropped = false;
    if (!sent) {
      if (!rejectedForGood(sent.error().code)) return {Outcome::kFailed, sent.error().message};
      log::warn("federation sender: destination rejected a transaction; dropped",
                {{"destination", destination},
                 {"txn_id", txn->txnId},
                 {"pdus", txn->pdus.size()},
                 {"edus", txn->edus.size()},
                 {"error", sent.error().message}});
      dropped = true;
    }
    const std::int64_t now = options_.nowMs();
    DestinationState state;
    {
      std::lock_guard lock(mutex_);
      state = destinations_[destination].state;
    }
    state.destination = destination;
    state.failures = 0;
    state.backoffUntilMs = 0;
    state.lastSuccessMs = now;
    auto acked = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
      PLEXUS_TRY_VOID(store_.ackTransaction(tx, destination, txn->txnId));
      return store_.setDestinationState(tx, state);
    });
    if (!acked) return {Outcome::kFailed, "storage: " + acked.error().message};
    std::lock_guard lock(mutex_);
    Destination& d = destinations_[destination];
    d.state = state;
    if (dropped) {
      d.counters.transactionsDropped += 1;
    } else {
      d.counters.transactionsSent += 1;
      d.counters.pdusSent += txn->pdus.size();
      d.counters.edusSent += txn->edus.size();
    }
  }
  return {Outcome::kMore, {}};
}

Status DestinationQueues::collapseBacklog(const std::string& destination,
                                          std::uint64_t& collapsed) {
  if (options_.catchUpMaxPdusPerRoom <= 0 && options_.catchUpMaxAgeMs <= 0) return {};
  PLEXUS_TRY(auto backlogs, store_.roomBacklogs(db_, destination));
  const std::int64_t now = options_.nowMs();
  const std::int64_t keep = std::max<std::int64_t>(1, options_.catchUpKeepPerRoom);
  for (const auto& b : backlogs) {
    if (b.count <= keep) continue;
    const bool tooMany =
        options_.catchUpMaxPdusPerRoom > 0 && b.count > options_.catchUpMaxPdusPerRoom;
    const bool tooOld =
        options_.catchUpMaxAgeMs > 0 && now - b.oldestEnqueuedMs > options_.catchUpMaxAgeMs;
    if (!tooMany && !tooOld) continue;
    PLEXUS_TRY(auto deleted, store_.collapseRoom(db_, destination, b.roomId, keep));
    collapsed += static_cast<std::uint64_t>(deleted);
    log::info("federation sender: catch-up keeps only the latest events of a room",
              {{"destination", destination},
               {"room_id", b.roomId},
               {"dropped_pdus", static_cast<long long>(deleted)}});
  }
  return {};
}

Result<StoredTransaction> DestinationQueues::nextTransaction(const std::string& destination) {
  std::string txnId = newTxnId();
  const std::int64_t now = options_.nowMs();
  StoredTransaction out;
  auto claimed = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(auto open, store_.openTransaction(tx, destination));
    if (open && !open->empty()) {
      out = std::move(*open);
      return {};
    }
    if (open) PLEXUS_TRY_VOID(store_.ackTransaction(tx, destination, open->txnId));
    PLEXUS_TRY(out, store_.claimTransaction(tx, destination, txnId, now,
                                            federation::kMaxPdusPerTransaction,
                                            federation::kMaxEdusPerTransaction));
    return {};
  });
  if (!claimed) return Unexpected{std::move(claimed).takeError()};
  return out;
}

Result<void> DestinationQueues::sendTransaction(const std::string& destination,
                                                const StoredTransaction& txn) {
  json::ParseOptions lenient;
  lenient.strictIntegers = false;  // PDUs of room versions 1-5 may hold floats
  json::Array pdus;
  pdus.reserve(txn.pdus.size());
  for (const auto& p : txn.pdus) {
    auto pdu = json::parseObject(p.pduJson, lenient);
    if (!pdu) return fail(ErrorCode::kBadJson, "stored PDU " + p.eventId + " is not JSON");
    pdus.emplace_back(std::move(*pdu));
  }
  json::Array edus;
  edus.reserve(txn.edus.size());
  for (const auto& e : txn.edus) {
    auto content = json::parse(e.contentJson, lenient);
    if (!content) return fail(ErrorCode::kBadJson, "stored EDU " + e.type + " is not JSON");
    edus.emplace_back(json::Object{{"edu_type", e.type}, {"content", std::move(*content)}});
  }
  const json::Value body = json::Object{{"origin", requester_.ourServerName()},
                                        {"origin_server_ts", txn.originServerTs},
                                        {"pdus", std::move(pdus)},
                                        {"edus", std::move(edus)}};
  PLEXUS_TRY(auto answer, requester_.request(destination, "PUT",
                                             "/_matrix/federation/v1/send/" +
                                                 federation::encodeUriComponent(txn.txnId),
                                             &body, options_.transactionTimeoutMs));
  // Per-PDU errors are the receiver's verdict on those events; sending them again would not
  // change it, so they are only logged.
  if (const json::Value* results = answer.get("pdus"); results && results->getObject()) {
    for (const auto& [eventId, result] : *results->getObject()) {
      if (auto error = result.getStringAt("error")) {
        log::info("federation sender: destination did not accept a PDU",
                  {{"destination", destination}, {"event_id", eventId}, {"error", *error}});
      }
    }
  }
  return {};
}

Status DestinationQueues::persistState(const DestinationState& state) {
  return store_.setDestinationState(db_, state);
}

std::string DestinationQueues::newTxnId() {
  std::lock_guard lock(mutex_);
  return txnPrefix_ + "." + std::to_string(++txnCounter_);
}

Result<SenderStats> DestinationQueues::stats() {
  std::vector<std::pair<DestinationState, DestinationStats>> copies;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, d] : destinations_) copies.emplace_back(d.state, d.counters);
  }
  const std::int64_t now = options_.nowMs();
  SenderStats out;
  for (auto& [state, c] : copies) {
    PLEXUS_TRY(auto depth, store_.queueDepth(db_, state.destination));
    c.destination = state.destination;
    c.pendingPdus = depth.pdus;
    c.pendingEdus = depth.edus;
    c.consecutiveFailures = state.failures;
    c.backoffUntilMs = state.backoffUntilMs;
    c.lastSuccessMs = state.lastSuccessMs;
    if (state.backoffUntilMs > now) out.destinationsBackingOff += 1;
    auto& t = out.totals;
    t.pendingPdus += c.pendingPdus;
    t.pendingEdus += c.pendingEdus;
    t.consecutiveFailures += c.consecutiveFailures;
    t.attempts += c.attempts;
    t.retries += c.retries;
    t.failures += c.failures;
    t.transactionsSent += c.transactionsSent;
    t.pdusSent += c.pdusSent;
    t.edusSent += c.edusSent;
    t.transactionsDropped += c.transactionsDropped;
    t.pdusCollapsed += c.pdusCollapsed;
    t.lastSuccessMs = std::max(t.lastSuccessMs, c.lastSuccessMs);
    out.destinations.push_back(std::move(c));
  }
  return out;
}

}  // namespace plexus::federationsender
