// CheckWorkers: the roomserver's threads that check incoming PDUs' signatures and hashes beside
// the thread that stores them (CheckPipeline). Kept for the service's lifetime: starting threads
// for every /send transaction cost more than the checks of its last events.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace plexus::roomserver {

class CheckWorkers {
 public:
  // One fewer than the cores (a caller works too), at most 3; none on one core.
  CheckWorkers();
  ~CheckWorkers();  // finishes queued jobs, then joins
  CheckWorkers(const CheckWorkers&) = delete;
  CheckWorkers& operator=(const CheckWorkers&) = delete;

  std::size_t size() const { return threads_.size(); }
  // Runs `job` on a worker (in submission order when they are all busy).
  void post(std::function<void()> job);

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace plexus::roomserver
