// SendBatcher: group commit for plain messages (one event that changes no state) sent into
// different rooms at about the same time. Each caller hands over its message's rows and waits;
// the first caller to find no batch being written writes everything queued so far in one
// transaction (one multi-row statement per table and one outbox insert), the others wait for
// its commit. At low load a batch is the one message and costs what a single send did; under
// load batches grow by themselves, and the statements and commits per message shrink.
//
// A failed batch is written again one message per transaction, so one message's error (its
// transaction ID recorded already) fails only that message. Callers hold their room's write
// mutex while they wait, so a batch never holds two messages of one room.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/bus/output_sink.h"
#include "plexus/core/result.h"
#include "plexus/storage/database.h"
#include "roomserver/storage/roomserver_store.h"

namespace plexus::roomserver {

// The rows of one plain message (RoomWriter::messageWrite()).
struct MessageWrite {
  NewEvent row;
  std::vector<std::int64_t> removedExtremities;  // nids of the prev events that were extremities
  std::optional<TransactionRow> transaction;
  std::string outputTopic;
  bus::OutputMessage output;
};

class SendBatcher {
 public:
  struct Options {
    std::size_t maxBatch = 64;
    // Test hook: called by a leader with the batch it is about to write, outside the lock.
    std::function<void(std::size_t batchSize)> beforeWrite;
    // Called with each batch's size once it is written (metrics).
    std::function<void(std::size_t batchSize)> afterWrite;
  };
  SendBatcher(storage::Database& db, RoomserverStore& store, bus::OutputSink& outputs,
              Options options);
  SendBatcher(storage::Database& db, RoomserverStore& store, bus::OutputSink& outputs)
      : SendBatcher(db, store, outputs, Options{}) {}

  // Writes the message with whatever else is queued; returns its event nid once committed (the
  // outputs' delivery already woken). Errors: the storage error of writing it alone.
  Result<std::int64_t> write(MessageWrite message);

  // Messages waiting for a leader right now (tests).
  std::size_t queued() const;
  // Batches and messages written so far (tests, metrics).
  std::uint64_t batches() const;
  std::uint64_t messages() const;

 private:
  struct Slot {
    MessageWrite* message;
    std::optional<Result<std::int64_t>> result;
  };
  // The result of each message of the batch, in order.
  std::vector<Result<std::int64_t>> writeBatch(const std::vector<Slot*>& batch);
  Result<std::vector<std::int64_t>> writeInOneTransaction(const std::vector<Slot*>& batch);

  storage::Database& db_;
  RoomserverStore& store_;
  bus::OutputSink& outputs_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<Slot*> queue_;
  bool writing_ = false;
  std::uint64_t batches_ = 0;
  std::uint64_t messages_ = 0;
};

}  // namespace plexus::roomserver
