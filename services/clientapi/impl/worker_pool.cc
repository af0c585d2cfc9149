// WorkerPool: one queue, threads added on demand up to a maximum.
#include "clientapi/impl/worker_pool.h"

#include <algorithm>

namespace plexus::clientapi {

WorkerPool::WorkerPool(int maxThreads, int initialThreads) : maxThreads_(std::max(1, maxThreads)) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < std::clamp(initialThreads, 1, maxThreads_); ++i) spawnLocked();
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::spawnLocked() {
  threads_.emplace_back([this] { run(); });
}

int WorkerPool::threadCount() {
  std::lock_guard lock(mutex_);
  return static_cast<int>(threads_.size());
}

void WorkerPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      // Tasks beyond the idle threads would wait behind running handlers: add a thread.
      if (static_cast<int>(tasks_.size()) > idle_ &&
          static_cast<int>(threads_.size()) < maxThreads_) {
        spawnLocked();
      }
      wake_.notify_one();
      return;
    }
  }
  task();
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  // No thread is added once stopping_ is set, so threads_ no longer changes.
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WorkerPool::run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      --idle_;
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace plexus::clientapi
