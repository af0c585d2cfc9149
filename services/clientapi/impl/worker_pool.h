// A pool of threads that runs route handlers, so that blocking service calls (database work)
// never stall the HTTP io threads. Tasks run in submission order across the pool. It starts
// small and adds a thread whenever a task arrives while every thread is busy, up to its
// maximum: handlers mostly wait on the database, and the more writers wait at once the more of
// them SQLite's group commit puts in one commit, while an idle node keeps few threads.
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
  explicit WorkerPool(int maxThreads, int initialThreads = 4);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. After stop() tasks run inline on the caller's thread (shutdown paths).
  void post(std::function<void()> task);
  int threadCount();
  // Runs the queued tasks, then joins the threads. Idempotent.
  void stop();

 private:
  void run();
  void spawnLocked();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  int maxThreads_;
  int idle_ = 0;  // threads waiting for a task
  std::vector<std::thread> threads_;
};

}  // namespace plexus::clientapi
