// A fixed pool of threads that runs route handlers, so that blocking service calls (database
// work) never stall the HTTP io threads. Tasks run in submission order across the pool.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace plexus::clientapi {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. After stop() tasks run inline on the caller's thread (shutdown paths).
  void post(std::function<void()> task);
  // Runs the queued tasks, then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace plexus::clientapi
