// ConnectionPool slot accounting without a network (http::Client connects lazily): reuse of the
// most recent idle client, the per-destination bound and waiting, idle expiry and the global
// idle cap.
#include "../src/connection_pool.h"

#include <gtest/gtest.h>

#include <thread>

namespace plexus::federation_https::detail {
namespace {

using std::chrono::milliseconds;
using Clock = ConnectionPool::Clock;

Connection makeConnection() {
  return Connection{std::make_unique<http::Client>("127.0.0.1", 1), "remote.test"};
}

Clock::time_point soon(int ms = 2000) { return Clock::now() + milliseconds(ms); }

TEST(ConnectionPoolTest, GivesBackTheMostRecentlyReleasedClient) {
  ConnectionPool pool({});
  auto first = pool.acquire("a", soon());
  auto second = pool.acquire("a", soon());
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->client);  // nothing idle yet: the caller opens one
  Connection older = makeConnection();
  Connection newer = makeConnection();
  http::Client* newest = newer.client.get();
  pool.release("a", std::move(older));
  pool.release("a", std::move(newer));
  auto reused = pool.acquire("a", soon());
  ASSERT_TRUE(reused && reused->client);
  EXPECT_EQ(reused->client.get(), newest);
  EXPECT_EQ(reused->hostHeader, "remote.test");
  // Destinations do not share connections.
  auto other = pool.acquire("b", soon());
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->client);
}

TEST(ConnectionPoolTest, BoundsSlotsPerDestinationAndTimesOut) {
  ConnectionPool pool({.maxPerDestination = 2});
  auto a = pool.acquire("a", soon());
  auto b = pool.acquire("a", soon());
  ASSERT_TRUE(a && b);
  const auto start = Clock::now();
  EXPECT_FALSE(pool.acquire("a", Clock::now() + milliseconds(50)));
  EXPECT_GE(Clock::now() - start, milliseconds(50));
  EXPECT_TRUE(pool.acquire("b", soon()));  // other destinations are not affected
  pool.release("a", {});                   // a failed request frees its slot
  EXPECT_TRUE(pool.acquire("a", soon()));
}

TEST(ConnectionPoolTest, AWaiterGetsTheConnectionReleasedByAnotherThread) {
  ConnectionPool pool({.maxPerDestination = 1});
  auto held = pool.acquire("a", soon());
  ASSERT_TRUE(held);
  std::thread releaser([&] { pool.release("a", makeConnection()); });
  auto waited = pool.acquire("a", soon(5000));
  releaser.join();
  ASSERT_TRUE(waited);
  EXPECT_TRUE(waited->client);
}

TEST(ConnectionPoolTest, ExpiredIdleConnectionsAreNotReused) {
  ConnectionPool pool({.idleTimeout = milliseconds(0)});
  ASSERT_TRUE(pool.acquire("a", soon()));
  pool.release("a", makeConnection());
  std::this_thread::sleep_for(milliseconds(1));  // let the (zero) idle timeout pass
  auto next = pool.acquire("a", soon());
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->client);
}

TEST(ConnectionPoolTest, GlobalIdleCapClosesTheLeastRecentlyUsed) {
  ConnectionPool pool({.maxPerDestination = 1, .maxIdle = 1});
  ASSERT_TRUE(pool.acquire("a", soon()));
  ASSERT_TRUE(pool.acquire("b", soon()));
  pool.release("a", makeConnection());
  pool.release("b", makeConnection());  // over the cap: a's idle connection goes
  auto a = pool.acquire("a", soon(100));
  ASSERT_TRUE(a);  // and its slot with it, so the bound of 1 does not block
  EXPECT_FALSE(a->client);
  auto b = pool.acquire("b", soon());
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->client);
}

TEST(ConnectionPoolTest, CloseIdleFreesTheSlots) {
  ConnectionPool pool({.maxPerDestination = 1});
  ASSERT_TRUE(pool.acquire("a", soon()));
  pool.release("a", makeConnection());
  pool.closeIdle("a");
  auto next = pool.acquire("a", soon(100));
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->client);
  pool.release("a", makeConnection());
  pool.closeAllIdle();
  next = pool.acquire("a", soon(100));
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->client);
}

}  // namespace
}  // namespace plexus::federation_https::detail
