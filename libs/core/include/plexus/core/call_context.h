// CallContext: what every service-interface call carries — a deadline, a trace ID for logs that
// follow one request across services, and who is calling. Passed by const reference; cheap.
#pragma once

#include <chrono>
#include <string>

namespace plexus {

struct CallContext {
  using Clock = std::chrono::steady_clock;

  // When the caller stops waiting; calls that cannot finish by then return kUnavailable.
  Clock::time_point deadline = Clock::time_point::max();
  // Correlates log lines of one request across services (and over gRPC hops).
  std::string traceId;
  // The service or component making the call, e.g. "client-api", for logs and metrics.
  std::string caller;

  static CallContext withTimeout(std::chrono::milliseconds timeout, std::string caller = {}) {
    CallContext c;
    c.deadline = Clock::now() + timeout;
    c.caller = std::move(caller);
    return c;
  }
  bool expired() const { return Clock::now() >= deadline; }
};

}  // namespace plexus
