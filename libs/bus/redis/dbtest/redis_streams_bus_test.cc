// RedisStreamsBus against a real Redis: order, groups, sharing within a group, retries.
#include "plexus/bus/redis_streams_bus.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "redis_fixture.h"

namespace plexus::bus::testing {
namespace {

TEST(RedisStreamsBusOffsetTest, OffsetsFollowEntryIds) {
  EXPECT_EQ(RedisStreamsBus::offsetOf("0-1"), 1u);
  EXPECT_EQ(RedisStreamsBus::offsetOf("1-0"), 1u << 20);
  EXPECT_LT(RedisStreamsBus::offsetOf("1700000000000-5"),
            RedisStreamsBus::offsetOf("1700000000000-6"));
  EXPECT_LT(RedisStreamsBus::offsetOf("1700000000000-99999999"),
            RedisStreamsBus::offsetOf("1700000000001-0"));
  EXPECT_EQ(RedisStreamsBus::offsetOf("garbage"), 0u);
  EXPECT_EQ(RedisStreamsBus::offsetOf("12-x"), 0u);
  EXPECT_EQ(RedisStreamsBus::streamKey("room_events"), "plexus:room_events");
}

TEST(RedisStreamsBusOffsetTest, RejectsBadSubscriptions) {
  RedisStreamsBus bus(RedisStreamsBus::Options{});
  EXPECT_FALSE(bus.subscribe("t", "g", nullptr).ok());
  EXPECT_FALSE(bus.subscribe("t", "", [](const Message&) { return Status{}; }).ok());
  EXPECT_FALSE(bus.subscribe("", "g", [](const Message&) { return Status{}; }).ok());
}

TEST_F(RedisStreamsBusTest, DeliversInPublishOrderWithKeysAndOffsets) {
  RedisStreamsBus bus(options());
  Collector got;
  auto sub = bus.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  auto msgs = numbered("m", 0, 200);
  std::vector<std::uint64_t> offsets;
  for (const auto& m : msgs) {
    auto offset = bus.publish(topic("events"), "key-" + m, m);
    ASSERT_TRUE(offset.ok()) << offset.error().message;
    offsets.push_back(*offset);
  }
  ASSERT_TRUE(got.waitFor(msgs.size()));
  EXPECT_EQ(got.payloads(), msgs);
  auto seen = got.seen();
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].topic, topic("events"));
    EXPECT_EQ(seen[i].key, "key-" + msgs[i]);
    EXPECT_EQ(seen[i].offset, offsets[i]);
    if (i > 0) {
      EXPECT_GT(seen[i].offset, seen[i - 1].offset);
    }
  }
}

TEST_F(RedisStreamsBusTest, NewGroupStartsAtTheOldestKeptMessage) {
  RedisStreamsBus bus(options());
  publishAll(bus, topic("events"), {"before1", "before2"});
  Collector got;
  auto sub = bus.subscribe(topic("events"), "late", got.handler());
  ASSERT_TRUE(sub.ok());
  publishAll(bus, topic("events"), {"after"});
  ASSERT_TRUE(got.waitFor(3));
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"before1", "before2", "after"}));
}

TEST_F(RedisStreamsBusTest, TopicsAreSeparate) {
  RedisStreamsBus bus(options());
  Collector a;
  Collector b;
  auto subA = bus.subscribe(topic("a"), "g", a.handler());
  auto subB = bus.subscribe(topic("b"), "g", b.handler());
  ASSERT_TRUE(subA.ok() && subB.ok());
  publishAll(bus, topic("a"), {"a1", "a2"});
  publishAll(bus, topic("b"), {"b1"});
  ASSERT_TRUE(a.waitFor(2));
  ASSERT_TRUE(b.waitFor(1));
  EXPECT_EQ(a.payloads(), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(b.payloads(), (std::vector<std::string>{"b1"}));
}

TEST_F(RedisStreamsBusTest, EveryGroupGetsEveryMessage) {
  RedisStreamsBus bus(options());
  Collector one;
  Collector two;
  auto sub1 = bus.subscribe(topic("events"), "sync-api", one.handler());
  auto sub2 = bus.subscribe(topic("events"), "federation-sender", two.handler());
  ASSERT_TRUE(sub1.ok() && sub2.ok());
  auto msgs = numbered("m", 0, 50);
  publishAll(bus, topic("events"), msgs);
  ASSERT_TRUE(one.waitFor(msgs.size()));
  ASSERT_TRUE(two.waitFor(msgs.size()));
  EXPECT_EQ(one.payloads(), msgs);
  EXPECT_EQ(two.payloads(), msgs);
}

TEST_F(RedisStreamsBusTest, ConsumersOfOneGroupShareTheMessagesOnce) {
  // Two replicas (two processes in production): distinct consumer names, one group.
  auto slowOptions = [&](std::string name) {
    auto o = options(std::move(name));
    o.readCount = 1;  // one entry per read, so that both replicas get work
    return o;
  };
  RedisStreamsBus replica1(slowOptions("r1"));
  RedisStreamsBus replica2(slowOptions("r2"));
  Collector one;
  Collector two;
  auto slow = [](Collector& c) {
    return [&c](const Message& m) {
      std::this_thread::sleep_for(2ms);
      return c.add(m);
    };
  };
  auto sub1 = replica1.subscribe(topic("events"), "g", slow(one));
  auto sub2 = replica2.subscribe(topic("events"), "g", slow(two));
  ASSERT_TRUE(sub1.ok() && sub2.ok());
  auto msgs = numbered("m", 0, 200);
  publishAll(replica1, topic("events"), msgs);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (one.seen().size() + two.seen().size() < msgs.size() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);  // nothing more may arrive (no duplicates)
  std::multiset<std::string> all;
  for (const auto& p : one.payloads()) all.insert(p);
  for (const auto& p : two.payloads()) all.insert(p);
  EXPECT_EQ(all, std::multiset<std::string>(msgs.begin(), msgs.end()));
  EXPECT_GT(one.seen().size(), 0u);
  EXPECT_GT(two.seen().size(), 0u);
}

TEST_F(RedisStreamsBusTest, TwoSubscriptionsOfOneGroupInOneProcessShare) {
  RedisStreamsBus bus(options());
  Collector one;
  Collector two;
  auto sub1 = bus.subscribe(topic("events"), "g", one.handler());
  auto sub2 = bus.subscribe(topic("events"), "g", two.handler());
  ASSERT_TRUE(sub1.ok() && sub2.ok());
  auto msgs = numbered("m", 0, 40);
  publishAll(bus, topic("events"), msgs);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (one.seen().size() + two.seen().size() < msgs.size() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(one.seen().size() + two.seen().size(), msgs.size());
}

TEST_F(RedisStreamsBusTest, FailingHandlerGetsTheSameMessageAgainInOrder) {
  RedisStreamsBus bus(options());
  Collector got;
  int failures = 0;
  got.failWhile = [&](const Message& m) { return m.payload == "m2" && failures++ < 3; };
  auto sub = bus.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  auto msgs = numbered("m", 0, 6);
  publishAll(bus, topic("events"), msgs);
  ASSERT_TRUE(got.waitFor(msgs.size()));
  EXPECT_EQ(got.payloads(), msgs);
  EXPECT_EQ(got.attempts("m2"), 4);
  EXPECT_EQ(got.attempts("m3"), 1);
}

TEST_F(RedisStreamsBusTest, DestroyedSubscriptionStopsDelivering) {
  RedisStreamsBus bus(options());
  Collector got;
  auto sub = bus.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  publishAll(bus, topic("events"), {"m0"});
  ASSERT_TRUE(got.waitFor(1));
  auto start = std::chrono::steady_clock::now();
  sub->reset();  // interrupts the blocking read
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  publishAll(bus, topic("events"), {"m1"});
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"m0"}));
}

}  // namespace
}  // namespace plexus::bus::testing

namespace plexus::bus::testing {
namespace {

// subscribeBatch: everything ready is handed over at once, in order, acknowledged together; a
// failing batch is handed over again whole.
TEST_F(RedisStreamsBusTest, BatchesDeliverEveryMessageInOrderAndRetryWhole) {
  auto msgs = numbered("b", 0, 300);
  {
    RedisStreamsBus producer(options());
    for (const auto& m : msgs) ASSERT_TRUE(producer.publish(topic("batch"), "k", m).ok());
  }
  RedisStreamsBus bus(options());
  Collector got;
  std::mutex mu;
  std::size_t largest = 0;
  int failures = 1;  // the first batch fails once
  auto sub = bus.subscribeBatch(topic("batch"), "g", [&](std::span<const Message> run) -> Status {
    {
      std::lock_guard lock(mu);
      largest = std::max(largest, run.size());
      if (failures > 0) {
        --failures;
        return fail(ErrorCode::kUnavailable, "test: batch fails once");
      }
    }
    for (const Message& m : run) PLEXUS_TRY_VOID(got.add(m));
    return {};
  });
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  ASSERT_TRUE(got.waitFor(msgs.size()));
  EXPECT_EQ(got.payloads(), msgs);
  std::lock_guard lock(mu);
  EXPECT_GT(largest, 1u) << "a backlog arrives in batches";
}

}  // namespace
}  // namespace plexus::bus::testing
