// CheckWorkers: a fixed set of threads taking jobs from one queue.
#include "roomserver/impl/check_workers.h"

#include <algorithm>

namespace plexus::roomserver {

CheckWorkers::CheckWorkers() {
  constexpr unsigned kMaxWorkers = 3;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i + 1 < cores && i < kMaxWorkers; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock lock(mutex_);
          wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
          if (jobs_.empty()) return;  // stopping, nothing left
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job();
      }
    });
  }
}

CheckWorkers::~CheckWorkers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void CheckWorkers::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

}  // namespace plexus::roomserver
