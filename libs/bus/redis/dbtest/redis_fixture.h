// Shared helpers for the RedisStreamsBus tests: the ctest fixture's Redis server (or a skip),
// a private throw-away server for tests that restart Redis, fast bus options, unique topic
// names, and a collector that tests wait on (bounded).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/bus/redis_streams_bus.h"

namespace plexus::bus::testing {

using namespace std::chrono_literals;

// The port of the test Redis on 127.0.0.1: PLEXUS_TEST_REDIS_PORT, or the file named by
// PLEXUS_TEST_REDIS_PORT_FILE (written by the ctest fixture).
inline std::optional<int> redisTestPort() {
  if (const char* p = std::getenv("PLEXUS_TEST_REDIS_PORT"); p && *p) return std::atoi(p);
  if (const char* f = std::getenv("PLEXUS_TEST_REDIS_PORT_FILE"); f && *f) {
    std::ifstream in(f);
    int port = 0;
    if (in >> port && port > 0) return port;
  }
  return std::nullopt;
}

inline bool redisRequired() {
  const char* v = std::getenv("PLEXUS_REQUIRE_REDIS");
  return v && std::string(v) == "1";
}

inline std::string redisScript() {
  return std::string(PLEXUS_SOURCE_DIR) + "/scripts/redis-throwaway.sh";
}

// A redis-server of the test's own (scripts/redis-throwaway.sh), for tests that stop it.
class ThrowawayRedis {
 public:
  explicit ThrowawayRedis(std::string dir) : dir_(std::move(dir)) {}
  ~ThrowawayRedis() { stop(); }
  // Starts on `port` (0: a free one); the port, or 0 when it did not start.
  int start(int port = 0) {
    std::string cmd =
        redisScript() + " start '" + dir_ + "' " + std::to_string(port) + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) return 0;
    std::ifstream in(dir_ + "/port");
    int p = 0;
    in >> p;
    return port_ = p;
  }
  void stop() {
    if (port_ == 0) return;
    std::string cmd = redisScript() + " stop '" + dir_ + "'";
    (void)std::system(cmd.c_str());
    port_ = 0;
  }

 private:
  std::string dir_;
  int port_ = 0;
};

class Collector {
 public:
  // Fails a message while `failWhile` returns true for it (then it is not recorded).
  std::function<bool(const Message&)> failWhile;

  Status add(const Message& m) {
    std::lock_guard lock(mutex_);
    ++attempts_[m.payload];
    if (failWhile && failWhile(m)) return fail(ErrorCode::kUnavailable, "test: handler fails");
    seen_.push_back(m);
    changed_.notify_all();
    return {};
  }
  bool waitFor(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return seen_.size() >= n; });
  }
  std::vector<std::string> payloads() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& m : seen_) out.push_back(m.payload);
    return out;
  }
  std::vector<Message> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  int attempts(const std::string& payload) {
    std::lock_guard lock(mutex_);
    return attempts_[payload];
  }
  Handler handler() {
    return [this](const Message& m) { return add(m); };
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Message> seen_;
  std::map<std::string, int> attempts_;
};

inline std::vector<std::string> numbered(std::string_view prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(std::string(prefix) + std::to_string(i));
  return out;
}

class RedisStreamsBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = redisTestPort();
    if (!port) {
      if (redisRequired()) GTEST_FAIL() << "PLEXUS_REQUIRE_REDIS=1 but no test Redis server";
      GTEST_SKIP() << "no test Redis server (run through ctest, or set PLEXUS_TEST_REDIS_PORT)";
    }
    port_ = *port;
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Unique per test and run: the fixture's server is shared by every test of the run.
    prefix_ = std::string(info->name()) + "-" + std::to_string(getpid()) + "-" +
              std::to_string(counter++) + "-";
  }

  std::string topic(std::string_view name) const { return prefix_ + std::string(name); }

  RedisStreamsBus::Options options(std::string consumerName = "c1", int port = 0) const {
    RedisStreamsBus::Options o;
    o.redis.port = port ? port : port_;
    o.redis.connectTimeout = 500ms;
    o.redis.commandTimeout = 1000ms;
    o.consumerName = std::move(consumerName);
    o.blockTime = 100ms;
    o.claimMinIdle = 300ms;
    o.claimInterval = 100ms;
    o.firstRetryDelay = 5ms;
    o.maxRetryDelay = 50ms;
    o.firstReconnectDelay = 20ms;
    o.maxReconnectDelay = 200ms;
    return o;
  }

  static void publishAll(Bus& bus, const std::string& topic, const std::vector<std::string>& msgs) {
    for (const auto& m : msgs) ASSERT_TRUE(bus.publish(topic, "key-" + m, m).ok()) << m;
  }

  int port_ = 0;
  std::string prefix_;
};

}  // namespace plexus::bus::testing
