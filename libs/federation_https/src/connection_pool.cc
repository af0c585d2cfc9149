// Slot accounting for kept-alive connections. Closing a client only closes its socket, but
// closed clients are still destroyed after the lock is released (Garbage is declared before it).
#include "connection_pool.h"

namespace plexus::federation_https::detail {

ConnectionPool::ConnectionPool(ConnectionPoolOptions options) : options_(options) {
  options_.maxPerDestination = std::max<std::size_t>(options_.maxPerDestination, 1);
}

ConnectionPool::~ConnectionPool() = default;

std::optional<Connection> ConnectionPool::acquire(const std::string& destination,
                                                  Clock::time_point deadline) {
  Garbage garbage;
  std::unique_lock lock(mutex_);
  auto it = destinations_.find(destination);
  if (it == destinations_.end())
    it = destinations_.emplace(destination, std::make_unique<Slots>()).first;
  Slots& slots = *it->second;
  dropIdleLocked(slots, Clock::now(), false, garbage);
  for (;;) {
    if (!slots.idle.empty()) {
      // The most recently used one: the likeliest to be still open on the server side.
      Connection connection = std::move(slots.idle.back().connection);
      slots.idle.pop_back();
      --idleCount_;
      return connection;
    }
    if (slots.total < options_.maxPerDestination) {
      ++slots.total;
      return Connection{};
    }
    ++slots.waiters;
    const bool timedOut = slots.freed.wait_until(lock, deadline) == std::cv_status::timeout;
    --slots.waiters;
    if (timedOut && slots.idle.empty() && slots.total >= options_.maxPerDestination)
      return std::nullopt;
  }
}

void ConnectionPool::release(const std::string& destination, Connection connection) {
  Garbage garbage;
  std::lock_guard lock(mutex_);
  auto it = destinations_.find(destination);
  if (it == destinations_.end()) return;  // not ours: cannot happen with acquire() first
  Slots& slots = *it->second;
  const auto now = Clock::now();
  if (connection.client) {
    slots.idle.push_back(Idle{std::move(connection), now});
    ++idleCount_;
    if (idleCount_ > options_.maxIdle) evictOldestLocked(garbage);
  } else {
    --slots.total;
  }
  slots.freed.notify_one();
  if (now - lastSweep_ > options_.idleTimeout) sweepLocked(now, garbage);
}

void ConnectionPool::closeIdle(const std::string& destination) {
  Garbage garbage;
  std::lock_guard lock(mutex_);
  auto it = destinations_.find(destination);
  if (it != destinations_.end()) dropIdleLocked(*it->second, Clock::now(), true, garbage);
}

void ConnectionPool::closeAllIdle() {
  Garbage garbage;
  std::lock_guard lock(mutex_);
  for (auto& [name, slots] : destinations_) dropIdleLocked(*slots, Clock::now(), true, garbage);
}

void ConnectionPool::dropIdleLocked(Slots& slots, Clock::time_point now, bool all,
                                    Garbage& garbage) {
  std::size_t dropped = 0;
  while (!slots.idle.empty() && (all || now - slots.idle.front().since > options_.idleTimeout)) {
    garbage.push_back(std::move(slots.idle.front().connection));
    slots.idle.pop_front();
    ++dropped;
  }
  if (dropped == 0) return;
  idleCount_ -= dropped;
  slots.total -= dropped;
  slots.freed.notify_all();
}

void ConnectionPool::evictOldestLocked(Garbage& garbage) {
  Slots* oldest = nullptr;
  for (auto& [name, slots] : destinations_) {
    if (slots->idle.empty()) continue;
    if (!oldest || slots->idle.front().since < oldest->idle.front().since) oldest = slots.get();
  }
  if (!oldest) return;
  garbage.push_back(std::move(oldest->idle.front().connection));
  oldest->idle.pop_front();
  --idleCount_;
  --oldest->total;
  oldest->freed.notify_one();
}

void ConnectionPool::sweepLocked(Clock::time_point now, Garbage& garbage) {
  lastSweep_ = now;
  for (auto it = destinations_.begin(); it != destinations_.end();) {
    Slots& slots = *it->second;
    dropIdleLocked(slots, now, false, garbage);
    if (slots.total == 0 && slots.waiters == 0) {
      it = destinations_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace plexus::federation_https::detail
