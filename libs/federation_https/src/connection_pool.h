// ConnectionPool: kept-alive HTTPS clients per destination, bounded per destination (busy plus
// idle) and in total (idle only, least recently used closed first). A caller takes a slot, uses
// the idle client it got or opens a new one, and gives the slot back with the client to keep or
// without it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plexus/http/client.h"

namespace plexus::federation_https::detail {

// One kept-alive client and the Host header it was opened for.
struct Connection {
  std::unique_ptr<http::Client> client;
  std::string hostHeader;
};

struct ConnectionPoolOptions {
  std::size_t maxPerDestination = 8;
  std::size_t maxIdle = 1024;
  std::chrono::milliseconds idleTimeout{25'000};
};

class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionPool(ConnectionPoolOptions options);
  ~ConnectionPool();

  // A slot for `destination`, waiting until `deadline` while all are busy. The optional holds
  // an idle connection (client set) or, when none is idle, an empty Connection: the caller may
  // open one. nullopt: no slot came free in time.
  std::optional<Connection> acquire(const std::string& destination, Clock::time_point deadline);
  // Gives the slot back; a connection with a client stays idle for reuse.
  void release(const std::string& destination, Connection connection);
  // Closes the idle connections of `destination`.
  void closeIdle(const std::string& destination);
  // Closes every idle connection.
  void closeAllIdle();

 private:
  struct Idle {
    Connection connection;
    Clock::time_point since;
  };
  struct Slots {
    std::deque<Idle> idle;  // oldest first
    std::size_t total = 0;  // busy + idle
    std::size_t waiters = 0;
    std::condition_variable freed;
  };
  using Garbage = std::vector<Connection>;

  // Moves idle connections older than idleTimeout (all when `all`) into `garbage`.
  void dropIdleLocked(Slots& slots, Clock::time_point now, bool all, Garbage& garbage);
  // Closes the least recently used idle connection of any destination.
  void evictOldestLocked(Garbage& garbage);
  // Drops expired connections everywhere and forgets unused destinations.
  void sweepLocked(Clock::time_point now, Garbage& garbage);

  ConnectionPoolOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Slots>, std::less<>> destinations_;
  std::size_t idleCount_ = 0;
  Clock::time_point lastSweep_ = Clock::now();
};

}  // namespace plexus::federation_https::detail
