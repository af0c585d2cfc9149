// Notifier: parked waiters, the shared timer thread and the worker pool.
#include "syncapi/impl/notifier.h"

#include <algorithm>

namespace plexus::syncapi {

struct Notifier::Waiter {
  std::string userId;
  StreamToken seen;
  Continuation continuation;
  bool parked = false;
};

Notifier::Notifier(int workers) : workerCount_(std::max(1, workers)) {}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  timer_ = std::thread([this] { timerLoop(); });
  for (int i = 0; i < workerCount_; ++i) workers_.emplace_back([this] { workerLoop(); });
}

void Notifier::stop() {
  std::vector<Continuation> dropped;  // destroyed after the lock is released
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
    for (auto& [_, list] : parked_) {
      for (auto& w : list) {
        w->parked = false;
        dropped.push_back(std::move(w->continuation));
      }
    }
    parked_.clear();
    parkedCount_ = 0;
    work_.clear();
  }
  timerCv_.notify_all();
  workCv_.notify_all();
  if (timer_.joinable()) timer_.join();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

std::shared_ptr<Notifier::Waiter> Notifier::park(const std::string& userId, StreamToken seen,
                                                 Clock::time_point deadline,
                                                 Continuation continuation) {
  auto waiter = std::make_shared<Waiter>();
  waiter->userId = userId;
  waiter->seen = seen;
  waiter->continuation = std::move(continuation);
  bool wakeNow = false;
  {
    std::lock_guard lock(mutex_);
    auto it = latest_.find(userId);
    if (it != latest_.end() &&
        (it->second.stream > seen.stream || it->second.typing > seen.typing)) {
      wakeNow = true;  // notified between the caller's read and this park
    } else if (Clock::now() >= deadline) {
      work_.push_back([c = std::move(waiter->continuation)] { c(true); });
      workCv_.notify_one();
      return waiter;
    } else {
      waiter->parked = true;
      parked_[userId].push_back(waiter);
      ++parkedCount_;
      bool earliest = timers_.empty() || deadline < timers_.top().when;
      timers_.push(Timed{deadline, seq_++, waiter, {}});
      if (earliest) timerCv_.notify_one();
      return waiter;
    }
    work_.push_back([c = std::move(waiter->continuation)] { c(false); });
  }
  if (wakeNow) workCv_.notify_one();
  return waiter;
}

bool Notifier::unparkLocked(const std::shared_ptr<Waiter>& waiter) {
  if (!waiter->parked) return false;
  waiter->parked = false;
  auto it = parked_.find(waiter->userId);
  if (it != parked_.end()) {
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), waiter), list.end());
    if (list.empty()) parked_.erase(it);
  }
  --parkedCount_;
  return true;
}

bool Notifier::cancel(const std::shared_ptr<Waiter>& waiter) {
  if (!waiter) return false;
  Continuation dropped;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  if (!unparkLocked(waiter)) return false;
  dropped = std::move(waiter->continuation);
  return true;
}

void Notifier::notifyUsers(const std::vector<std::string>& userIds, StreamToken now) {
  std::size_t woken = 0;
  const Clock::time_point notified = Clock::now();
  {
    std::lock_guard lock(mutex_);
    for (const auto& user : userIds) {
      StreamToken& latest = latest_[user];
      latest.stream = std::max(latest.stream, now.stream);
      latest.typing = std::max(latest.typing, now.typing);
      auto it = parked_.find(user);
      if (it == parked_.end()) continue;
      for (auto& w : it->second) {
        w->parked = false;
        --parkedCount_;
        work_.push_back([c = std::move(w->continuation), notified, this] {
          if (onWake_) onWake_(std::chrono::duration<double>(Clock::now() - notified).count());
          c(false);
        });
        ++woken;
      }
      parked_.erase(it);
    }
  }
  if (woken == 1) {
    workCv_.notify_one();
  } else if (woken > 1) {
    workCv_.notify_all();
  }
}

bool Notifier::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return false;
    work_.push_back(std::move(task));
  }
  workCv_.notify_one();
  return true;
}

void Notifier::schedule(Clock::time_point when, std::function<void()> task) {
  std::lock_guard lock(mutex_);
  bool earliest = timers_.empty() || when < timers_.top().when;
  timers_.push(Timed{when, seq_++, {}, std::move(task)});
  if (earliest) timerCv_.notify_one();
}

std::size_t Notifier::parkedCount() const {
  std::lock_guard lock(mutex_);
  return parkedCount_;
}

void Notifier::timerLoop() {
  std::unique_lock lock(mutex_);
  while (running_) {
    if (timers_.empty()) {
      timerCv_.wait(lock);
      continue;
    }
    auto when = timers_.top().when;
    if (Clock::now() < when) {
      timerCv_.wait_until(lock, when);
      continue;
    }
    Timed t = timers_.top();
    timers_.pop();
    if (t.task) {
      work_.push_back(std::move(t.task));
      workCv_.notify_one();
      continue;
    }
    auto waiter = t.waiter.lock();
    if (waiter && unparkLocked(waiter)) {
      work_.push_back([c = std::move(waiter->continuation)] { c(true); });
      workCv_.notify_one();
    }
  }
}

void Notifier::workerLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    workCv_.wait(lock, [this] { return !running_ || !work_.empty(); });
    if (!running_) return;
    auto task = std::move(work_.front());
    work_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace plexus::syncapi
