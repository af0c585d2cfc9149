// How long a destination is left alone after consecutive failures: exponential from an initial
// delay, doubled per failure up to a cap, with "equal jitter" (a random factor in [0.5, 1]) so
// that destinations failing together do not retry together.
#pragma once

#include <cstdint>

namespace plexus::federationsender {

struct BackoffPolicy {
  std::int64_t initialMs = 2'000;
  std::int64_t maxMs = 3'600'000;

  // The delay after the `failures`-th consecutive failure (failures >= 1; 0 gives 0).
  // `random` is uniform in [0, 1).
  std::int64_t delayMs(std::int64_t failures, double random) const;
  // The delay before jitter: min(maxMs, initialMs * 2^(failures-1)).
  std::int64_t ceilingMs(std::int64_t failures) const;
};

}  // namespace plexus::federationsender
