// InProcessBus: order per subscription, redelivery after a failing handler, fan-out to every
// group, no delivery after the subscription ends, typed topics round-trip.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::bus {
namespace {

using namespace std::chrono_literals;

// Collects payloads and lets the test wait for a count (bounded).
class Collector {
 public:
  Status add(const std::string& payload) {
    std::lock_guard lock(mutex_);
    seen_.push_back(payload);
    changed_.notify_all();
    return {};
  }
  bool waitFor(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return seen_.size() >= n; });
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> seen_;
};

TEST(InProcessBusTest, DeliversInPublishOrder) {
  InProcessBus bus;
  Collector c;
  auto sub = bus.subscribe("t", "g", [&](const Message& m) { return c.add(m.payload); });
  ASSERT_TRUE(sub.ok());
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(bus.publish("t", "k", std::to_string(i)).ok());
  ASSERT_TRUE(c.waitFor(200));
  auto seen = c.seen();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], std::to_string(i));
}

TEST(InProcessBusTest, OffsetsIncreasePerTopic) {
  InProcessBus bus;
  auto a1 = bus.publish("a", "k", "x");
  auto a2 = bus.publish("a", "k", "y");
  auto b1 = bus.publish("b", "k", "z");
  EXPECT_LT(*a1, *a2);
  EXPECT_EQ(*b1, *a1);
}

TEST(InProcessBusTest, RedeliversAfterHandlerFailureWithoutReordering) {
  InProcessBus bus(InProcessBus::Options{1ms, 5ms});
  Collector c;
  int failuresLeft = 3;
  auto sub = bus.subscribe("t", "g", [&](const Message& m) -> Status {
    if (m.payload == "first" && failuresLeft > 0) {
      --failuresLeft;
      return fail(ErrorCode::kUnavailable, "not yet");
    }
    return c.add(m.payload);
  });
  ASSERT_TRUE(bus.publish("t", "k", "first").ok());
  ASSERT_TRUE(bus.publish("t", "k", "second").ok());
  ASSERT_TRUE(c.waitFor(2));
  EXPECT_EQ(c.seen(), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(failuresLeft, 0);
}

TEST(InProcessBusTest, EveryGroupGetsEveryMessage) {
  InProcessBus bus;
  Collector a, b;
  auto subA = bus.subscribe("t", "sync", [&](const Message& m) { return a.add(m.payload); });
  auto subB = bus.subscribe("t", "push", [&](const Message& m) { return b.add(m.payload); });
  ASSERT_TRUE(bus.publish("t", "k", "hello").ok());
  ASSERT_TRUE(a.waitFor(1));
  ASSERT_TRUE(b.waitFor(1));
}

TEST(InProcessBusTest, NoDeliveryAfterSubscriptionEnds) {
  InProcessBus bus;
  Collector c;
  auto sub = bus.subscribe("t", "g", [&](const Message& m) { return c.add(m.payload); });
  ASSERT_TRUE(bus.publish("t", "k", "one").ok());
  ASSERT_TRUE(c.waitFor(1));
  sub->reset();
  ASSERT_TRUE(bus.publish("t", "k", "two").ok());
  EXPECT_EQ(c.seen().size(), 1u);
}

TEST(InProcessBusTest, RejectsEmptyHandler) {
  InProcessBus bus;
  EXPECT_FALSE(bus.subscribe("t", "g", Handler{}).ok());
}

struct Greeting {
  static constexpr std::string_view kTopic = "test.greeting";
  std::string who;
  std::string key() const { return who; }
  json::Object toJson() const { return json::Object{{"who", who}}; }
  static Result<Greeting> fromJson(const json::Object& o) {
    const json::Value* w = o.find("who");
    if (!w || !w->isString()) return fail(ErrorCode::kBadJson, "who");
    return Greeting{*w->getString()};
  }
};

TEST(TypedTopicTest, RoundTripsMessagesAndSkipsUndecodablePayloads) {
  InProcessBus bus;
  Collector c;
  auto sub = subscribeTyped<Greeting>(bus, "g", [&](const Greeting& g, std::uint64_t) {
    return c.add(g.who);
  });
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(bus.publish(Greeting::kTopic, "x", "not json").ok());
  ASSERT_TRUE(bus.publish(Greeting::kTopic, "x", "{\"other\":1}").ok());
  ASSERT_TRUE(publishTyped(bus, Greeting{"alice"}).ok());
  ASSERT_TRUE(c.waitFor(1));
  EXPECT_EQ(c.seen(), std::vector<std::string>{"alice"});
}

}  // namespace
}  // namespace plexus::bus
