// WorkerPool: every task runs; threads are added only while all are busy, never past the
// maximum; stop() drains the queue.
#include "clientapi/impl/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace plexus::clientapi {
namespace {

TEST(WorkerPoolTest, StartsSmallAndGrowsOnlyWhileEveryThreadIsBusyUpToItsMaximum) {
  WorkerPool pool(6, 2);
  EXPECT_EQ(pool.threadCount(), 2);
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> running{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) {
    pool.post([&] {
      ++running;
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return release; });
      ++done;
    });
  }
  for (int i = 0; i < 200 && running.load() < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(running.load(), 6) << "six tasks block six threads";
  EXPECT_EQ(pool.threadCount(), 6);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  pool.stop();
  EXPECT_EQ(done.load(), 10);
  EXPECT_EQ(pool.threadCount(), 6);
}

TEST(WorkerPoolTest, QuickTasksOneAtATimeKeepTheInitialThreads) {
  WorkerPool pool(32, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the threads reach their wait
  for (int i = 0; i < 50; ++i) {
    std::atomic<bool> ran{false};
    pool.post([&] { ran = true; });
    for (int j = 0; j < 1000 && !ran.load(); ++j) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ASSERT_TRUE(ran.load());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the thread is idle again
  }
  EXPECT_EQ(pool.threadCount(), 3);
}

TEST(WorkerPoolTest, TasksPostedAfterStopRunOnTheCaller) {
  WorkerPool pool(2, 1);
  pool.stop();
  bool ran = false;
  pool.post([&] { ran = true; });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace plexus::clientapi
