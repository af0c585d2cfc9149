// Notifier: where /sync requests wait. A waiter is parked under its user with the stream
// position it has already seen; a wake-up for that user (new event, receipt, typing,
// to-device, account data, device list, presence) or its deadline hands it to a small worker
// pool. Waiting costs a map entry and a heap entry, never a thread: one timer thread serves
// every deadline (also the typing expiries), and `workers` threads run woken continuations.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "syncapi/impl/tokens.h"

namespace plexus::syncapi {

class Notifier {
 public:
  using Clock = std::chrono::steady_clock;
  // Called on a worker thread; timedOut says why it ran.
  using Continuation = std::function<void(bool timedOut)>;

  struct Waiter;

  explicit Notifier(int workers);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  void stop();  // runs no continuation after returning; pending waiters are dropped

  // Parks a waiter for `userId` that has seen everything up to `seen`. When the user was
  // notified of something newer already, it is woken at once. Returns a handle for cancel().
  std::shared_ptr<Waiter> park(const std::string& userId, StreamToken seen,
                               Clock::time_point deadline, Continuation continuation);
  // Removes a parked waiter; false when it already left (woken, timed out or cancelled).
  bool cancel(const std::shared_ptr<Waiter>& waiter);

  // Something at `now` concerns these users: wake their waiters.
  void notifyUsers(const std::vector<std::string>& userIds, StreamToken now);

  // Runs `task` on a worker thread; false (task dropped) when the notifier is not running.
  bool post(std::function<void()> task);
  // Runs `task` on a worker thread at `when` (timer thread keeps the deadline).
  void schedule(Clock::time_point when, std::function<void()> task);

  std::size_t parkedCount() const;
  // Called with the seconds from notifyUsers() to a woken waiter's continuation starting (the
  // wake-up latency). Set before start().
  void setWakeObserver(std::function<void(double)> observer) { onWake_ = std::move(observer); }
  int threadCount() const { return static_cast<int>(workers_.size()) + (timer_.joinable() ? 1 : 0); }

 private:
  struct Timed {
    Clock::time_point when;
    std::uint64_t seq;
    std::weak_ptr<Waiter> waiter;
    std::function<void()> task;  // set for scheduled tasks
    bool operator>(const Timed& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };

  void timerLoop();
  void workerLoop();
  // Takes the waiter out of the user's list; caller holds mutex_.
  bool unparkLocked(const std::shared_ptr<Waiter>& waiter);

  int workerCount_;
  mutable std::mutex mutex_;
  std::condition_variable timerCv_;
  std::condition_variable workCv_;
  bool running_ = false;
  std::uint64_t seq_ = 0;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Waiter>>> parked_;
  std::unordered_map<std::string, StreamToken> latest_;  // newest notification per user
  std::size_t parkedCount_ = 0;
  std::function<void(double)> onWake_;
  std::priority_queue<Timed, std::vector<Timed>, std::greater<>> timers_;
  std::deque<std::function<void()>> work_;
  std::thread timer_;
  std::vector<std::thread> workers_;
};

}  // namespace plexus::syncapi
