// Outbox: durable bus outputs kept in the producer's own database (transactional outbox).
// Producers enqueue() inside their transaction (OutputSink); consumers subscribe() exactly as on
// any Bus. Tables (component "bus" of libs/storage migrations):
//   bus_outbox(id, topic, msg_key, payload)                 one row per message, id increasing
//   bus_consumer_offsets(topic, consumer_group, last_id)    the last id each group handled
// Each subscription has a delivery thread that reads the rows after its group's offset (one
// indexed range query), calls the handler in id order, then stores the new offset. A failing
// handler sees the same message again after a growing delay; after a crash or restart delivery
// resumes from the stored offset, so delivery is at least once (handlers must be idempotent)
// and nothing committed is lost. Rows every group of their topic has handled are deleted in
// batches. A group seen for the first time starts at the oldest row still kept, not at "now":
// a consumer that subscribes after the producer's first writes must still see them.
//
// One process consumes a group at a time (the node). The cluster copies the table to Redis
// Streams with a relay instead of subscribing here (issue 5).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/bus/bus.h"
#include "plexus/bus/output_sink.h"
#include "plexus/storage/database.h"
#include "plexus/storage/migrations.h"

namespace plexus::bus {

class Outbox final : public Bus, public OutputSink {
 public:
  struct Options {
    std::chrono::milliseconds firstRetryDelay{10};
    std::chrono::milliseconds maxRetryDelay{5000};
    // Rows committed without committed() (another process, a forgotten call) are seen after
    // at most this long.
    std::chrono::milliseconds pollInterval{500};
    std::size_t batchSize = 256;    // rows read per query
    std::size_t pruneBatch = 1000;  // rows deleted per statement
    // Offsets are written after each batch, but at most this often while more rows keep
    // arriving (each write is a write transaction on the producer's database); a crash
    // redelivers at most this much.
    std::chrono::milliseconds offsetFlushInterval{50};
  };

  // Migrates `db` (component "bus") and returns an outbox on it. `db` must outlive it.
  static Result<std::unique_ptr<Outbox>> open(storage::Database& db);
  static Result<std::unique_ptr<Outbox>> open(storage::Database& db, Options options);
  static std::span<const storage::Migration> migrations();

  // Every Subscription must be destroyed before the Outbox.
  ~Outbox() override;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // OutputSink
  Status enqueue(storage::Executor& tx, std::string_view topic, std::string_view key,
                 std::string payload) override;
  Status enqueueMany(storage::Executor& tx, std::string_view topic,
                     std::vector<OutputMessage> messages) override;
  void committed() override;

  // Bus: publish() enqueues in a transaction of its own (for producers without data to write).
  Result<std::uint64_t> publish(std::string_view topic, std::string_view key,
                                std::string payload) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view topic, std::string_view group,
                                                  Handler handler) override;
  // Hands each read of up to batchSize rows to the handler at once.
  Result<std::unique_ptr<Subscription>> subscribeBatch(std::string_view topic,
                                                       std::string_view group,
                                                       BatchHandler handler) override;

  // Blocks until every current subscription has handled all rows of its topic that were
  // committed before the call, or until `limit` passed (then false). The node calls it at
  // start-up so that it answers clients only after consumers caught up with what was
  // acknowledged before a crash (read-your-writes across a restart). No subscription may end
  // during the call.
  bool waitUntilDelivered(std::chrono::milliseconds limit);

  // How far each consumer group is behind: messages of its topic after its stored offset
  // (what plexus_bus_lag_messages exports). Groups that never handled a message count from 0.
  struct GroupLag {
    std::string topic;
    std::string group;
    std::int64_t messages = 0;
  };
  Result<std::vector<GroupLag>> lag();

  // Deletes rows every known group of `topic` has handled, up to pruneBatch per statement;
  // returns how many were deleted. Delivery threads call it themselves when idle.
  Result<std::int64_t> prune(std::string_view topic);

  class Consumer;  // one delivery thread per subscription; defined in outbox_consumer.cc

 private:
  Outbox(storage::Database& db, Options options) : db_(db), options_(options) {}
  void detach(Consumer* consumer);
  Result<std::unique_ptr<Subscription>> addConsumer(std::string_view topic, std::string_view group,
                                                    Handler handler, BatchHandler batchHandler);

  storage::Database& db_;
  Options options_;
  std::mutex mutex_;
  std::set<Consumer*> consumers_;
};

}  // namespace plexus::bus
