// Snapshot of the federation sender's queues, per destination and in total, for logs, tests and
// the Prometheus metrics (impl/sender_metrics.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace plexus::federationsender {

struct DestinationStats {
  std::string destination;
  std::int64_t pendingPdus = 0;  // queued, including the in-flight transaction
  std::int64_t pendingEdus = 0;
  std::int64_t consecutiveFailures = 0;
  std::int64_t backoffUntilMs = 0;  // wall clock; 0 or past: not backing off
  std::int64_t lastSuccessMs = 0;   // 0: no success known
  std::uint64_t attempts = 0;       // transactions tried (since start)
  std::uint64_t retries = 0;        // attempts made while the destination was failing
  std::uint64_t failures = 0;       // failed attempts
  std::uint64_t transactionsSent = 0;
  std::uint64_t pdusSent = 0;
  std::uint64_t edusSent = 0;
  std::uint64_t transactionsDropped = 0;  // rejected for good by the destination (4xx)
  std::uint64_t pdusCollapsed = 0;        // removed by catch-up
  std::string lastError;
};

struct SenderStats {
  std::vector<DestinationStats> destinations;  // sorted by name
  DestinationStats totals;                     // sums; destination is empty
  std::size_t destinationsBackingOff = 0;
};

}  // namespace plexus::federationsender
