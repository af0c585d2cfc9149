// SendBatcher: the leader/follower queue and the batch's statements.
#include "roomserver/impl/send_batcher.h"

namespace plexus::roomserver {

SendBatcher::SendBatcher(storage::Database& db, RoomserverStore& store, bus::OutputSink& outputs,
                         Options options)
    : db_(db), store_(store), outputs_(outputs), options_(std::move(options)) {
  if (options_.maxBatch == 0) options_.maxBatch = 1;
}

Result<std::int64_t> SendBatcher::write(MessageWrite message) {
  Slot slot{&message, std::nullopt};
  std::unique_lock lock(mutex_);
  queue_.push_back(&slot);
  while (!slot.result) {
    if (writing_) {
      done_.wait(lock);
      continue;
    }
    // Lead: take what is queued (this slot among it unless the queue is longer than a batch).
    writing_ = true;
    std::vector<Slot*> batch;
    while (!queue_.empty() && batch.size() < options_.maxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    if (options_.beforeWrite) options_.beforeWrite(batch.size());
    std::vector<Result<std::int64_t>> results = writeBatch(batch);
    if (options_.afterWrite) options_.afterWrite(batch.size());
    lock.lock();
    // Results are handed over under the lock: waiting threads read them under it.
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    writing_ = false;
    ++batches_;
    messages_ += batch.size();
    done_.notify_all();
  }
  return std::move(*slot.result);
}

std::vector<Result<std::int64_t>> SendBatcher::writeBatch(const std::vector<Slot*>& batch) {
  std::vector<Result<std::int64_t>> results;
  results.reserve(batch.size());
  auto together = writeInOneTransaction(batch);
  if (together.ok()) {
    for (std::int64_t nid : *together) results.emplace_back(nid);
  } else if (batch.size() == 1) {
    results.emplace_back(std::move(together).takeError());
  } else {
    // Find the message(s) at fault: each alone, in order.
    for (Slot* slot : batch) {
      auto alone = writeInOneTransaction({slot});
      if (alone.ok()) {
        results.emplace_back(alone->front());
      } else {
        results.emplace_back(std::move(alone).takeError());
      }
    }
  }
  bool any = false;
  for (const auto& r : results) any = any || r.ok();
  if (any) outputs_.committed();
  return results;
}

Result<std::vector<std::int64_t>> SendBatcher::writeInOneTransaction(
    const std::vector<Slot*>& batch) {
  std::vector<std::int64_t> nids;
  auto fn = [&](storage::Transaction& tx) -> Status {
    std::vector<NewEvent> rows;
    rows.reserve(batch.size());
    for (const Slot* slot : batch) rows.push_back(slot->message->row);
    auto inserted = store_.insertEvents(tx, rows);
    if (!inserted.ok()) return std::move(inserted).takeError();
    nids = std::move(*inserted);

    std::vector<ExtremityReplacement> extremities;
    std::vector<TransactionRow> transactions;
    extremities.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const MessageWrite& m = *batch[i]->message;
      extremities.push_back({m.row.roomNid, m.removedExtremities, nids[i]});
      if (m.transaction) transactions.push_back(*m.transaction);
    }
    if (auto s = store_.replaceExtremitiesMany(tx, extremities); !s.ok()) return s;
    if (!transactions.empty()) {
      if (auto s = store_.insertTransactions(tx, transactions); !s.ok()) return s;
    }
    // Last, as RoomWriter does: on PostgreSQL the outbox holds its topic lock until the commit.
    // Consecutive messages of one topic go in one insert, keeping their order.
    for (std::size_t at = 0; at < batch.size();) {
      const std::string& topic = batch[at]->message->outputTopic;
      std::vector<bus::OutputMessage> messages;
      for (; at < batch.size() && batch[at]->message->outputTopic == topic; ++at) {
        messages.push_back(batch[at]->message->output);
      }
      if (auto s = outputs_.enqueueMany(tx, topic, std::move(messages)); !s.ok()) return s;
    }
    return {};
  };
  if (auto s = db_.runInTransaction(fn); !s.ok()) return std::move(s).takeError();
  return nids;
}

std::size_t SendBatcher::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::uint64_t SendBatcher::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::uint64_t SendBatcher::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

}  // namespace plexus::roomserver
