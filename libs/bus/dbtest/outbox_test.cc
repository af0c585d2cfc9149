// Outbox on SQLite and PostgreSQL: only committed rows are delivered, in order; a failing
// handler sees its message again; a new Outbox after a stop resumes at the stored offset;
// groups are independent; pruning keeps what a group still needs; concurrent writers never
// make a consumer skip a row.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "outbox_fixture.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/routed_bus.h"

namespace plexus::bus::testing {
namespace {

constexpr std::string_view kTopic = "test.output";

TEST_P(OutboxTest, RolledBackEnqueueIsNeverDelivered) {
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  {
    auto tx = db().transaction();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(outbox_->enqueue(**tx, kTopic, "k", "lost").ok());
    ASSERT_TRUE((*tx)->rollback().ok());
  }
  Status failed = db().runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(outbox_->enqueue(tx, kTopic, "k", "also lost"));
    return fail(ErrorCode::kInvalidParam, "the producer's write failed");
  });
  EXPECT_FALSE(failed.ok());
  outbox_->committed();
  enqueueCommitted(kTopic, {"kept"});
  ASSERT_TRUE(seen.waitFor(1));
  std::this_thread::sleep_for(50ms);  // a wrongly delivered row would arrive in this window
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"kept"}));
}

TEST_P(OutboxTest, CommittedRowsAreDeliveredInOrder) {
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  std::vector<std::string> expected;
  for (int batch = 0; batch < 5; ++batch) {
    std::vector<std::string> payloads;
    for (int i = 0; i < 3; ++i) payloads.push_back(std::to_string(batch * 3 + i));
    enqueueCommitted(kTopic, payloads);
    expected.insert(expected.end(), payloads.begin(), payloads.end());
  }
  ASSERT_TRUE(seen.waitFor(expected.size()));
  EXPECT_EQ(seen.payloads(), expected);
  auto messages = seen.seen();
  for (std::size_t i = 1; i < messages.size(); ++i) {
    EXPECT_LT(messages[i - 1].offset, messages[i].offset);
    EXPECT_EQ(messages[i].topic, kTopic);
    EXPECT_EQ(messages[i].key, "k");
  }
}

TEST_P(OutboxTest, OtherTopicsAreNotDelivered) {
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  enqueueCommitted("other.topic", {"no"});
  enqueueCommitted(kTopic, {"yes"});
  ASSERT_TRUE(seen.waitFor(1));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"yes"}));
}

TEST_P(OutboxTest, FailingHandlerSeesTheMessageAgainBeforeLaterOnes) {
  std::atomic<int> failuresLeft{3};
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", [&](const Message& m) -> Status {
    if (m.payload == "b" && failuresLeft.fetch_sub(1) > 0) {
      return fail(ErrorCode::kUnavailable, "not yet");
    }
    return seen.add(m);
  });
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"a", "b", "c"});
  ASSERT_TRUE(seen.waitFor(3));
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"a", "b", "c"}));
  EXPECT_LE(failuresLeft.load(), 0);
}

// A batch subscriber gets every ready row in one call (here all five, committed before it
// subscribed), in order; a failing batch is delivered again whole.
TEST_P(OutboxTest, BatchSubscriberGetsReadyRowsTogetherAndAgainAfterAFailure) {
  enqueueCommitted(kTopic, {"1", "2", "3", "4", "5"});
  std::atomic<int> failuresLeft{1};
  std::mutex mutex;
  std::vector<std::vector<std::string>> runs;
  Collector all;
  auto sub = outbox_->subscribeBatch(kTopic, "g", [&](std::span<const Message> run) -> Status {
    std::vector<std::string> payloads;
    for (const auto& m : run) payloads.push_back(m.payload);
    {
      std::lock_guard lock(mutex);
      runs.push_back(payloads);
    }
    if (failuresLeft.fetch_sub(1) > 0) return fail(ErrorCode::kUnavailable, "not yet");
    for (const auto& m : run) (void)all.add(m);
    return {};
  });
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(all.waitFor(5));
  enqueueCommitted(kTopic, {"6"});
  ASSERT_TRUE(all.waitFor(6));
  EXPECT_EQ(all.payloads(), std::vector<std::string>({"1", "2", "3", "4", "5", "6"}));
  std::lock_guard lock(mutex);
  ASSERT_GE(runs.size(), 3u);
  EXPECT_EQ(runs[0], std::vector<std::string>({"1", "2", "3", "4", "5"}));
  EXPECT_EQ(runs[1], runs[0]) << "the failed run is delivered again whole";
  EXPECT_EQ(runs.back(), std::vector<std::string>({"6"}));
}

// The default Bus::subscribeBatch (used by buses without batches) hands over runs of one.
TEST_P(OutboxTest, RoutedBusPassesBatchSubscriptionsToTheServingBus) {
  InProcessBus fallback;
  RoutedBus routed(fallback);
  routed.route(kTopic, *outbox_);
  Collector seen;
  std::atomic<std::size_t> largest{0};
  auto sub = routed.subscribeBatch(kTopic, "g", [&](std::span<const Message> run) -> Status {
    largest = std::max(largest.load(), run.size());
    for (const auto& m : run) (void)seen.add(m);
    return {};
  });
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"a", "b", "c", "d"});
  ASSERT_TRUE(seen.waitFor(4));
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"a", "b", "c", "d"}));
  EXPECT_GE(largest.load(), 1u);
  Collector single;
  auto inProcess =
      fallback.subscribeBatch("other", "g", [&](std::span<const Message> run) -> Status {
        EXPECT_EQ(run.size(), 1u);
        for (const auto& m : run) (void)single.add(m);
        return {};
      });
  ASSERT_TRUE(inProcess.ok());
  ASSERT_TRUE(fallback.publish("other", "k", "x").ok());
  ASSERT_TRUE(single.waitFor(1));
}

TEST_P(OutboxTest, NewOutboxResumesAfterTheLastHandledRow) {
  enqueueCommitted(kTopic, {"1", "2", "3", "4", "5"});
  {
    // The first process handles 1..3, then its handler fails on 4 until it stops.
    Collector seen;
    auto sub = outbox_->subscribe(kTopic, "g", [&](const Message& m) -> Status {
      if (m.payload == "4") return fail(ErrorCode::kUnavailable, "crash pending");
      return seen.add(m);
    });
    ASSERT_TRUE(sub.ok());
    ASSERT_TRUE(seen.waitFor(3));
    sub->reset();
    outbox_.reset();
  }
  openOutbox();
  Collector again;
  auto sub = outbox_->subscribe(kTopic, "g", again.handler());
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"6"});
  ASSERT_TRUE(again.waitFor(3));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(again.payloads(), std::vector<std::string>({"4", "5", "6"}));
}

TEST_P(OutboxTest, OffsetNotStoredBeforeACrashMeansRedeliveryNotLoss) {
  enqueueCommitted(kTopic, {"1", "2"});
  // A process that died after handling nothing durable: its group is registered at 0.
  ASSERT_TRUE(db().execute("INSERT INTO bus_consumer_offsets (topic, consumer_group, last_id) "
                           "VALUES ($1, 'g', 0)",
                           {kTopic})
                  .ok());
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(seen.waitFor(2));
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"1", "2"}));
}

TEST_P(OutboxTest, NewGroupStartsAtTheOldestKeptRow) {
  enqueueCommitted(kTopic, {"before"});
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "late", seen.handler());
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"after"});
  ASSERT_TRUE(seen.waitFor(2));
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"before", "after"}));
}

TEST_P(OutboxTest, TwoGroupsAreIndependent) {
  Collector fast;
  Collector slow;
  std::atomic<bool> slowBlocked{true};
  auto a = outbox_->subscribe(kTopic, "fast", fast.handler());
  auto b = outbox_->subscribe(kTopic, "slow", [&](const Message& m) -> Status {
    if (slowBlocked) return fail(ErrorCode::kUnavailable, "busy");
    return slow.add(m);
  });
  ASSERT_TRUE(a.ok() && b.ok());
  enqueueCommitted(kTopic, {"x", "y"});
  ASSERT_TRUE(fast.waitFor(2));
  EXPECT_TRUE(slow.seen().empty());
  slowBlocked = false;
  ASSERT_TRUE(slow.waitFor(2));
  EXPECT_EQ(slow.payloads(), std::vector<std::string>({"x", "y"}));
  EXPECT_EQ(fast.payloads(), std::vector<std::string>({"x", "y"}));
}

TEST_P(OutboxTest, PruneKeepsRowsAGroupStillNeeds) {
  Collector fast;
  std::atomic<bool> slowBlocked{false};
  Collector slow;
  auto a = outbox_->subscribe(kTopic, "fast", fast.handler());
  auto b = outbox_->subscribe(kTopic, "slow", [&](const Message& m) -> Status {
    if (slowBlocked && m.payload != "1") return fail(ErrorCode::kUnavailable, "busy");
    return slow.add(m);
  });
  ASSERT_TRUE(a.ok() && b.ok());
  slowBlocked = true;
  enqueueCommitted(kTopic, {"1", "2", "3"});
  enqueueCommitted("other.topic", {"untouched"});
  ASSERT_TRUE(fast.waitFor(3));
  ASSERT_TRUE(slow.waitFor(1));
  a->reset();  // stopping flushes the offsets
  b->reset();
  auto pruned = outbox_->prune(kTopic);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(rowCount(), 3);  // only "1" went: "slow" has not handled 2 and 3

  slowBlocked = false;
  Collector rest;
  auto again = outbox_->subscribe(kTopic, "slow", rest.handler());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(rest.waitFor(2));
  EXPECT_EQ(rest.payloads(), std::vector<std::string>({"2", "3"}));
  again->reset();
  ASSERT_TRUE(outbox_->prune(kTopic).ok());
  EXPECT_EQ(rowCount(), 1);  // the other topic has no group: kept
}

TEST_P(OutboxTest, PruneDeletesInBatches) {
  Outbox::Options options = fastOptions();
  options.pruneBatch = 2;
  openOutbox(options);
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"1", "2", "3", "4", "5"});
  ASSERT_TRUE(seen.waitFor(5));
  sub->reset();
  // (The idle delivery thread may have pruned some already: count what is left.)
  ASSERT_TRUE(outbox_->prune(kTopic).ok());
  EXPECT_EQ(rowCount(), 0);
  // Ids are never reused after the newest rows were deleted: the group still sees new rows.
  Collector more;
  auto again = outbox_->subscribe(kTopic, "g", more.handler());
  ASSERT_TRUE(again.ok());
  enqueueCommitted(kTopic, {"6"});
  ASSERT_TRUE(more.waitFor(1));
  EXPECT_EQ(more.payloads(), std::vector<std::string>({"6"}));
}

TEST_P(OutboxTest, ConcurrentWritersNeverMakeAConsumerSkipARow) {
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 40;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Status s = db().runInTransaction(
            [&](storage::Transaction& tx) -> Status {
              PLEXUS_TRY_VOID(outbox_->enqueue(tx, kTopic, "k", std::to_string(t * 1000 + i)));
              // Keep the transaction open a little so writers overlap.
              if (i % 3 == 0) std::this_thread::sleep_for(1ms);
              return {};
            },
            20);
        if (!s.ok()) ++failures;
        outbox_->committed();
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(seen.waitFor(kThreads * kEach));
  std::set<std::string> distinct;
  for (const auto& p : seen.payloads()) distinct.insert(p);
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST_P(OutboxTest, CommittedWakesDeliveryWithoutWaitingForThePoll) {
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"warm-up"});
  ASSERT_TRUE(seen.waitFor(1));
  auto start = std::chrono::steady_clock::now();
  enqueueCommitted(kTopic, {"now"});
  ASSERT_TRUE(seen.waitFor(2, 2s));  // the poll interval is 10 s
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_P(OutboxTest, PollFindsRowsCommittedWithoutCommittedCall) {
  Outbox::Options options = fastOptions();
  options.pollInterval = 20ms;
  openOutbox(options);
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(db().runInTransaction([&](storage::Transaction& tx) {
                    return outbox_->enqueue(tx, kTopic, "k", "quiet");
                  })
                  .ok());
  ASSERT_TRUE(seen.waitFor(1, 5s));
}

TEST_P(OutboxTest, PublishIsDurableToo) {
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  auto first = outbox_->publish(kTopic, "k", "p1");
  auto second = outbox_->publish(kTopic, "k", "p2");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_LT(*first, *second);
  ASSERT_TRUE(seen.waitFor(2));
  EXPECT_EQ(seen.payloads(), std::vector<std::string>({"p1", "p2"}));
}

TEST_P(OutboxTest, WaitUntilDeliveredReturnsAfterTheBacklogWasHandled) {
  std::vector<std::string> backlog;
  for (int i = 0; i < 600; ++i) backlog.push_back(std::to_string(i));
  enqueueCommitted(kTopic, backlog);
  Collector seen;
  auto sub = outbox_->subscribe(kTopic, "g", seen.handler());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(outbox_->waitUntilDelivered(10s));
  EXPECT_EQ(seen.seen().size(), backlog.size());  // no wait: everything is handled already
}

TEST_P(OutboxTest, WaitUntilDeliveredGivesUpOnAStuckHandler) {
  auto sub = outbox_->subscribe(
      kTopic, "g", [](const Message&) -> Status { return fail(ErrorCode::kUnavailable, "stuck"); });
  ASSERT_TRUE(sub.ok());
  enqueueCommitted(kTopic, {"x"});
  EXPECT_FALSE(outbox_->waitUntilDelivered(100ms));
}

TEST_P(OutboxTest, OpenTwiceIsANoOpMigration) {
  auto another = Outbox::open(db());
  ASSERT_TRUE(another.ok()) << another.error().message;
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(OutboxTest);

}  // namespace
}  // namespace plexus::bus::testing
