// relay(): every message of the topic reaches the target bus in order, other topics stay, and a
// target that refuses for a while gets the messages once it accepts again.
#include "plexus/bus/relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "plexus/bus/in_process_bus.h"

namespace plexus::bus {
namespace {

using namespace std::chrono_literals;

// A target that records what was published and can refuse the first `refusals` publishes.
class RecordingBus final : public Bus {
 public:
  std::atomic<int> refusals{0};
  Result<std::uint64_t> publish(std::string_view topic, std::string_view key,
                                std::string payload) override {
    if (refusals.fetch_sub(1) > 0) return fail(ErrorCode::kUnavailable, "down");
    std::lock_guard lock(mu_);
    seen_.push_back(std::string(topic) + "|" + std::string(key) + "|" + payload);
    cv_.notify_all();
    return seen_.size();
  }
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view, std::string_view,
                                                  Handler) override {
    return fail(ErrorCode::kInternal, "not used");
  }
  std::vector<std::string> waitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return seen_.size() >= n; });
    return seen_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

TEST(RelayTest, CopiesTheTopicInOrder) {
  InProcessBus from;
  RecordingBus to;
  auto sub = relay(from, "rooms", to);
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(from.publish("rooms", "!r", std::to_string(i)).ok());
  ASSERT_TRUE(from.publish("other", "k", "x").ok());
  auto seen = to.waitFor(20);
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[i], "rooms|!r|" + std::to_string(i));
}

TEST(RelayTest, ARefusingTargetGetsTheMessagesLater) {
  InProcessBus from;
  RecordingBus to;
  to.refusals = 3;
  auto sub = relay(from, "rooms", to);
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(from.publish("rooms", "!r", "a").ok());
  ASSERT_TRUE(from.publish("rooms", "!r", "b").ok());
  auto seen = to.waitFor(2);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), "rooms|!r|a");
  EXPECT_EQ(seen.back(), "rooms|!r|b");
}

}  // namespace
}  // namespace plexus::bus
