// TransactionCache: repeats answered from the cache, concurrent repeats wait, failures are not
// remembered, the cache stays bounded.
#include "federationapi/impl/transaction_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace plexus::federationapi {
namespace {

http::Response ok(std::string body) {
  http::Response r;
  r.body = std::move(body);
  return r;
}

TEST(TransactionCacheTest, RepeatGetsFirstAnswerWithoutRunningAgain) {
  TransactionCache cache(10);
  int runs = 0;
  auto first = cache.run("a.test", "t1", [&] {
    ++runs;
    return ok("first");
  });
  auto second = cache.run("a.test", "t1", [&] {
    ++runs;
    return ok("second");
  });
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(second.body, "first");
  EXPECT_EQ(first.body, "first");
}

TEST(TransactionCacheTest, SameTxnIdFromAnotherOriginIsAnotherTransaction) {
  TransactionCache cache(10);
  int runs = 0;
  (void)cache.run("a.test", "t1", [&] {
    ++runs;
    return ok("a");
  });
  auto b = cache.run("b.test", "t1", [&] {
    ++runs;
    return ok("b");
  });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(b.body, "b");
}

TEST(TransactionCacheTest, FailedAnswerIsNotRemembered) {
  TransactionCache cache(10);
  int runs = 0;
  (void)cache.run("a.test", "t1", [&] {
    ++runs;
    return http::Response::matrixError(503, "M_UNKNOWN", "down");
  });
  auto retry = cache.run("a.test", "t1", [&] {
    ++runs;
    return ok("done");
  });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(retry.body, "done");
}

TEST(TransactionCacheTest, ThrowingWorkGives500AndIsNotRemembered) {
  TransactionCache cache(10);
  auto r = cache.run("a.test", "t1", []() -> http::Response { throw std::runtime_error("x"); });
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TransactionCacheTest, StaysBoundedForgettingTheOldest) {
  TransactionCache cache(3);
  for (int i = 0; i < 10; ++i) (void)cache.run("a.test", std::to_string(i), [] { return ok("x"); });
  EXPECT_EQ(cache.size(), 3u);
  int runs = 0;
  (void)cache.run("a.test", "9", [&] {
    ++runs;
    return ok("y");
  });
  EXPECT_EQ(runs, 0);
  (void)cache.run("a.test", "0", [&] {
    ++runs;
    return ok("y");
  });
  EXPECT_EQ(runs, 1);
}

TEST(TransactionCacheTest, StaysWithinItsByteBudget) {
  TransactionCache cache(100, 250);
  for (int i = 0; i < 10; ++i)
    (void)cache.run("a.test", std::to_string(i), [] { return ok(std::string(100, 'x')); });
  EXPECT_EQ(cache.size(), 2u);
  int runs = 0;
  (void)cache.run("a.test", "9", [&] {
    ++runs;
    return ok("y");
  });
  EXPECT_EQ(runs, 0);
}

TEST(TransactionCacheTest, ConcurrentRepeatWaitsForTheFirst) {
  TransactionCache cache(10);
  std::promise<void> started, release;
  auto releaseFuture = release.get_future().share();
  std::atomic<int> runs{0};
  auto first = std::async(std::launch::async, [&] {
    return cache.run("a.test", "t1", [&] {
      ++runs;
      started.set_value();
      releaseFuture.wait();
      return ok("first");
    });
  });
  started.get_future().wait();
  auto second = std::async(std::launch::async, [&] {
    return cache.run("a.test", "t1", [&] {
      ++runs;
      return ok("second");
    });
  });
  release.set_value();
  EXPECT_EQ(first.get().body, "first");
  EXPECT_EQ(second.get().body, "first");
  EXPECT_EQ(runs.load(), 1);
}

TEST(TransactionCacheTest, RepeatGives503WhenTheFirstTakesTooLong) {
  TransactionCache cache(10, 1 << 20, std::chrono::milliseconds(20));
  std::promise<void> started, release;
  auto releaseFuture = release.get_future().share();
  auto first = std::async(std::launch::async, [&] {
    return cache.run("a.test", "t1", [&] {
      started.set_value();
      releaseFuture.wait();
      return ok("first");
    });
  });
  started.get_future().wait();
  auto second = cache.run("a.test", "t1", [] { return ok("second"); });
  EXPECT_EQ(second.status, 503);
  release.set_value();
  EXPECT_EQ(first.get().body, "first");
}

}  // namespace
}  // namespace plexus::federationapi
