// The deadline thread sleeps until the earliest task is due or a new one comes first.
#include "deadline_thread.h"

#include <utility>

namespace plexus::federation_overlay::detail {

DeadlineThread::DeadlineThread() : thread_([this] { run(); }) {}

DeadlineThread::~DeadlineThread() { stop(); }

void DeadlineThread::at(Clock::time_point when, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.emplace(when, std::move(task));
  }
  wake_.notify_one();
}

void DeadlineThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DeadlineThread::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (tasks_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    // A copy: the entry may go (stop()) while we wait.
    const Clock::time_point due = first->first;
    if (due > Clock::now()) {
      wake_.wait_until(lock, due);
      continue;
    }
    std::function<void()> task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace plexus::federation_overlay::detail
