// DeadlineThread: runs tasks at given times on one thread of its own. The overlay port offers
// no timers, so the server's read and write deadlines fire here and post their work back to
// the overlay thread. Tasks must be short and must not block.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace plexus::federation_overlay::detail {

class DeadlineThread {
 public:
  using Clock = std::chrono::steady_clock;

  DeadlineThread();
  // stop().
  ~DeadlineThread();
  DeadlineThread(const DeadlineThread&) = delete;
  DeadlineThread& operator=(const DeadlineThread&) = delete;

  // Runs `task` on the deadline thread at `when` (or soon after). Dropped after stop().
  void at(Clock::time_point when, std::function<void()> task);
  // Drops the tasks not yet run and joins the thread (waiting for a running task). Idempotent;
  // not from a task.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace plexus::federation_overlay::detail
