// Outbox delivery: one thread per subscription reads its topic's rows after the group's
// offset, hands them to the handler in id order and stores the offset it reached.
#include <algorithm>
#include <condition_variable>
#include <thread>
#include <vector>

#include "outbox_sql.h"
#include "plexus/bus/outbox.h"

namespace plexus::bus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kPruneInterval{1};

}  // namespace

class Outbox::Consumer final : public Subscription {
 public:
  // Exactly one of handler and batchHandler is set.
  Consumer(Outbox& outbox, std::string topic, std::string group, Handler handler,
           BatchHandler batchHandler)
      : outbox_(outbox),
        topic_(std::move(topic)),
        group_(std::move(group)),
        handler_(std::move(handler)),
        batchHandler_(std::move(batchHandler)),
        worker_([this] { run(); }) {}

  ~Consumer() override {
    outbox_.detach(this);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  const std::string& topic() const { return topic_; }

  // Waits until the handler accepted every row up to `target`; false at the deadline or stop.
  bool waitHandled(std::int64_t target, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    progress_.wait_until(lock, deadline, [&] { return stopping_ || reached_ >= target; });
    return reached_ >= target;
  }

  void wake() {
    {
      std::lock_guard lock(mutex_);
      pending_ = true;
    }
    wake_.notify_one();
  }

 private:
  const Options& options() const { return outbox_.options_; }

  // Waits for committed() or the poll interval; false when stopping.
  bool waitForWork() {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options().pollInterval, [&] { return stopping_ || pending_; });
    return !stopping_;
  }
  // Waits `delay` ignoring wake-ups (a backoff); false when stopping.
  bool backOff(std::chrono::milliseconds& delay) {
    std::unique_lock lock(mutex_);
    bool stop = wake_.wait_for(lock, delay, [&] { return stopping_; });
    delay = std::min(delay * 2, options().maxRetryDelay);
    return !stop;
  }
  bool takePending() {
    std::lock_guard lock(mutex_);
    bool was = pending_;
    pending_ = false;
    return was;
  }

  Status loadOffset() {
    PLEXUS_TRY(storage::Rows rows, outbox_.db_.query(detail::kLoadOffsetSql, {topic_, group_}));
    if (rows.empty()) return fail(ErrorCode::kInternal, "bus: consumer group not registered");
    PLEXUS_TRY(handled_, rows.front().int64(0));
    stored_ = handled_;
    return {};
  }

  // Best effort: a failed write only means more redelivery after a crash.
  void flushOffset() {
    if (handled_ == stored_) return;
    auto written = outbox_.db_.execute(detail::kStoreOffsetSql, {topic_, group_, handled_});
    if (written.ok()) {
      stored_ = handled_;
      lastFlush_ = Clock::now();
    }
  }

  void maybePrune() {
    if (stored_ == prunedAt_ || Clock::now() - lastPrune_ < kPruneInterval) return;
    lastPrune_ = Clock::now();
    if (outbox_.prune(topic_).ok()) prunedAt_ = stored_;
  }

  // Reads and handles one batch. Returns the number of rows read, or an error when the read
  // or a handler failed (the failed row is retried next time).
  Result<std::size_t> deliverBatch() {
    PLEXUS_TRY(
        storage::Rows rows,
        outbox_.db_.query(detail::kReadSql,
                          {topic_, handled_, static_cast<std::int64_t>(options().batchSize)}));
    std::vector<Message> messages;
    messages.reserve(rows.size());
    for (storage::Row row : rows) {
      PLEXUS_TRY(std::int64_t id, row.int64(0));
      Message message;
      message.topic = topic_;
      PLEXUS_TRY(message.key, row.text(1));
      PLEXUS_TRY(message.payload, row.text(2));
      message.offset = static_cast<std::uint64_t>(id);
      if (batchHandler_) {
        messages.push_back(std::move(message));
        continue;
      }
      PLEXUS_TRY_VOID(handler_(message));
      handled_ = id;
    }
    if (batchHandler_ && !messages.empty()) {
      PLEXUS_TRY_VOID(batchHandler_(messages));
      handled_ = static_cast<std::int64_t>(messages.back().offset);
    }
    return rows.size();
  }

  void run() {
    std::chrono::milliseconds delay = options().firstRetryDelay;
    while (!loadOffset().ok()) {
      if (!backOff(delay)) return;
    }
    delay = options().firstRetryDelay;
    bool more = true;  // rows may be waiting from before the start
    for (;;) {
      if (!more) {
        flushOffset();
        maybePrune();
        if (!waitForWork()) break;
      }
      takePending();  // cleared before reading: a commit after this point wakes us again
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
      }
      auto batch = deliverBatch();
      {
        std::lock_guard lock(mutex_);
        reached_ = handled_;
      }
      progress_.notify_all();
      if (!batch.ok()) {
        flushOffset();
        if (!backOff(delay)) break;
        more = true;
        continue;
      }
      delay = options().firstRetryDelay;
      more = *batch == options().batchSize;
      if (more && Clock::now() - lastFlush_ >= options().offsetFlushInterval) flushOffset();
    }
    flushOffset();  // a clean stop redelivers nothing
  }

  Outbox& outbox_;
  std::string topic_;
  std::string group_;
  Handler handler_;
  BatchHandler batchHandler_;
  std::int64_t handled_ = 0;  // the last id the handler accepted
  std::int64_t stored_ = 0;   // the last id written to bus_consumer_offsets
  std::int64_t prunedAt_ = 0;
  Clock::time_point lastFlush_ = Clock::now();
  Clock::time_point lastPrune_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable progress_;
  std::int64_t reached_ = -1;  // handled_ as seen by waitHandled(); -1 before the first read
  bool pending_ = false;
  bool stopping_ = false;
  std::thread worker_;  // last: starts after the members it uses exist
};

bool Outbox::waitUntilDelivered(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  std::vector<Consumer*> consumers;
  {
    // Not held while waiting: committed() must never block on it.
    std::lock_guard lock(mutex_);
    consumers.assign(consumers_.begin(), consumers_.end());
  }
  for (Consumer* c : consumers) {
    auto newest = db_.query(detail::kNewestSql, {c->topic()});
    if (!newest.ok() || newest->empty()) return false;
    auto id = newest->front().optionalInt64(0);
    if (!id.ok()) return false;
    if (*id && !c->waitHandled(**id, deadline)) return false;
  }
  return true;
}

void Outbox::committed() {
  std::lock_guard lock(mutex_);
  for (Consumer* c : consumers_) c->wake();
}

Result<std::unique_ptr<Subscription>> Outbox::subscribe(std::string_view topic,
                                                        std::string_view group, Handler handler) {
  if (!handler) return fail(ErrorCode::kInvalidParam, "subscribe: no handler");
  return addConsumer(topic, group, std::move(handler), nullptr);
}

Result<std::unique_ptr<Subscription>> Outbox::subscribeBatch(std::string_view topic,
                                                             std::string_view group,
                                                             BatchHandler handler) {
  if (!handler) return fail(ErrorCode::kInvalidParam, "subscribe: no handler");
  return addConsumer(topic, group, nullptr, std::move(handler));
}

Result<std::unique_ptr<Subscription>> Outbox::addConsumer(std::string_view topic,
                                                          std::string_view group, Handler handler,
                                                          BatchHandler batchHandler) {
  if (group.empty()) return fail(ErrorCode::kInvalidParam, "subscribe: empty consumer group");
  // Registered before subscribe() returns, so that no prune deletes rows this group has not
  // seen (a producer may commit right after we return).
  PLEXUS_TRY_VOID(db_.execute(detail::kRegisterGroupSql, {topic, group}));
  auto consumer = std::make_unique<Consumer>(*this, std::string(topic), std::string(group),
                                             std::move(handler), std::move(batchHandler));
  std::lock_guard lock(mutex_);
  consumers_.insert(consumer.get());
  // Rows committed between the thread's first read and the insert above would otherwise
  // wait for the next poll.
  consumer->wake();
  return std::unique_ptr<Subscription>(std::move(consumer));
}

}  // namespace plexus::bus
