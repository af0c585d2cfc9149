// What every mode shares: the io_context, the node's endpoint, the options, a monotonic clock,
// a bounded sleep and a wait group for coroutines spawned in parallel.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "options.h"

namespace plexus::loadgen {

using Clock = std::chrono::steady_clock;

struct Context {
  boost::asio::io_context& io;
  boost::asio::ip::tcp::endpoint endpoint;
  const Options& options;
  // Where receivers of the latency mode live (--receiver-port); equal to `endpoint` otherwise.
  boost::asio::ip::tcp::endpoint receiver = endpoint;
};

// Milliseconds between two instants, as a double.
inline double msBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

inline boost::asio::awaitable<void> sleepFor(boost::asio::io_context& io, Clock::duration d) {
  boost::asio::steady_timer timer(io, d);
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

inline boost::asio::awaitable<void> sleepUntil(boost::asio::io_context& io, Clock::time_point t) {
  boost::asio::steady_timer timer(io, t);
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

// Counts coroutines still running; wait() resumes when the count reaches zero or at `deadline`
// (returns false then). Single-threaded use only (all modes run on one io thread).
class WaitGroup {
 public:
  explicit WaitGroup(boost::asio::io_context& io) : timer_(io, Clock::time_point::max()) {}
  void add(int n = 1) { count_ += n; }
  void done() {
    if (--count_ == 0) timer_.cancel();
  }
  int pending() const { return count_; }
  boost::asio::awaitable<bool> wait(Clock::time_point deadline) {
    while (count_ > 0 && Clock::now() < deadline) {
      timer_.expires_at(deadline);
      co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return count_ == 0;
  }

 private:
  boost::asio::steady_timer timer_;
  int count_ = 0;
};

}  // namespace plexus::loadgen
