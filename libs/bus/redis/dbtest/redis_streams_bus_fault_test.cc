// RedisStreamsBus faults: consumers that die without acknowledging, restarts that resume from
// the last acknowledged message, and Redis itself restarting mid-stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "plexus/bus/redis_streams_bus.h"
#include "redis_fixture.h"

namespace plexus::bus::testing {
namespace {

TEST_F(RedisStreamsBusTest, UnacknowledgedMessagesOfADeadConsumerGoToAnotherReplica) {
  auto msgs = numbered("m", 0, 5);
  {
    RedisStreamsBus dying(options("dying"));
    Collector got;
    // Handles m0, then fails on m1 for ever: m1..m4 were read in the same batch and stay
    // pending at "dying".
    got.failWhile = [](const Message& m) { return m.payload != "m0"; };
    auto sub = dying.subscribe(topic("events"), "g", got.handler());
    ASSERT_TRUE(sub.ok());
    publishAll(dying, topic("events"), msgs);
    ASSERT_TRUE(got.waitFor(1));
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (got.attempts("m1") < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_GE(got.attempts("m1"), 2);
  }  // killed: the subscription and its bus are gone, nothing after m0 acknowledged

  RedisStreamsBus survivor(options("survivor"));
  Collector got;
  auto sub = survivor.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  // Claimed once idle for claimMinIdle (300 ms in these tests). Entries the dead consumer had
  // not read yet may come first: a takeover does not keep the order.
  ASSERT_TRUE(got.waitFor(4));
  auto payloads = got.payloads();
  std::sort(payloads.begin(), payloads.end());
  EXPECT_EQ(payloads, numbered("m", 1, 5));
  publishAll(survivor, topic("events"), {"m5"});
  ASSERT_TRUE(got.waitFor(5));
  EXPECT_EQ(got.payloads().back(), "m5");
}

TEST_F(RedisStreamsBusTest, RestartedConsumerResumesAfterItsLastAcknowledgedMessage) {
  auto opts = options("replica-0");
  opts.claimMinIdle = 60s;  // the restart must not depend on claiming
  {
    RedisStreamsBus before(opts);
    Collector got;
    got.failWhile = [](const Message& m) { return m.payload >= "m2"; };
    auto sub = before.subscribe(topic("events"), "g", got.handler());
    ASSERT_TRUE(sub.ok());
    publishAll(before, topic("events"), numbered("m", 0, 5));
    ASSERT_TRUE(got.waitFor(2));
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (got.attempts("m2") < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(got.payloads(), numbered("m", 0, 2));
  }
  // Published while the consumer is down.
  RedisStreamsBus producer(options("producer"));
  publishAll(producer, topic("events"), {"m5", "m6"});

  RedisStreamsBus after(opts);  // same consumer name: its pending entries are read first
  Collector got;
  auto sub = after.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(got.waitFor(5));
  EXPECT_EQ(got.payloads(), numbered("m", 2, 7));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got.payloads().size(), 5u);
}

TEST_F(RedisStreamsBusTest, CleanRestartRedeliversNothing) {
  auto opts = options("replica-0");
  {
    RedisStreamsBus before(opts);
    Collector got;
    auto sub = before.subscribe(topic("events"), "g", got.handler());
    ASSERT_TRUE(sub.ok());
    publishAll(before, topic("events"), numbered("m", 0, 3));
    ASSERT_TRUE(got.waitFor(3));
  }
  RedisStreamsBus after(opts);
  Collector got;
  auto sub = after.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  publishAll(after, topic("events"), {"m3"});
  ASSERT_TRUE(got.waitFor(1));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"m3"}));
}

TEST_F(RedisStreamsBusTest, PublishFailsFastWhenRedisIsDown) {
  ThrowawayRedis redis(::testing::TempDir() + "/" + prefix_ + "down");
  int port = redis.start();
  ASSERT_NE(port, 0);
  redis.stop();  // a port where nothing listens now
  RedisStreamsBus bus(options("c1", port));
  auto start = std::chrono::steady_clock::now();
  auto published = bus.publish(topic("events"), "k", "p");
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(RedisStreamsBusTest, ConsumerReconnectsAfterRedisRestartsAndContinues) {
  ThrowawayRedis redis(::testing::TempDir() + "/" + prefix_ + "restart");
  int port = redis.start();
  if (port == 0) {
    if (redisRequired()) GTEST_FAIL() << "could not start a private redis-server";
    GTEST_SKIP() << "could not start a private redis-server";
  }
  RedisStreamsBus bus(options("c1", port));
  Collector got;
  auto sub = bus.subscribe(topic("events"), "g", got.handler());
  ASSERT_TRUE(sub.ok());
  publishAll(bus, topic("events"), numbered("m", 0, 5));
  ASSERT_TRUE(got.waitFor(5));

  redis.stop();
  EXPECT_FALSE(bus.publish(topic("events"), "k", "lost").ok());
  std::this_thread::sleep_for(300ms);  // the consumer sees the outage and backs off
  ASSERT_EQ(redis.start(port), port);

  // Without persistence the restarted Redis has neither the stream nor the group: the
  // consumer creates the group again and reads what is published from now on.
  auto msgs = numbered("m", 5, 10);
  for (const auto& m : msgs) {
    Result<std::uint64_t> published = fail(ErrorCode::kUnavailable, "not yet");
    for (int i = 0; i < 100 && !published.ok(); ++i) {
      published = bus.publish(topic("events"), "k", m);
      if (!published.ok()) std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(published.ok()) << published.error().message;
  }
  ASSERT_TRUE(got.waitFor(10));
  EXPECT_EQ(got.payloads(), numbered("m", 0, 10));
}

}  // namespace
}  // namespace plexus::bus::testing
