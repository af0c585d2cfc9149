// BackoffPolicy: exponential delay with equal jitter.
#include "federationsender/impl/backoff.h"

#include <algorithm>

namespace plexus::federationsender {

std::int64_t BackoffPolicy::ceilingMs(std::int64_t failures) const {
  if (failures <= 0 || initialMs <= 0) return 0;
  std::int64_t delay = initialMs;
  for (std::int64_t i = 1; i < failures && delay < maxMs; ++i) delay *= 2;
  return std::min(delay, maxMs);
}

std::int64_t BackoffPolicy::delayMs(std::int64_t failures, double random) const {
  const std::int64_t ceiling = ceilingMs(failures);
  const double r = std::clamp(random, 0.0, 1.0);
  const auto half = ceiling / 2;
  return half + static_cast<std::int64_t>(static_cast<double>(ceiling - half) * r);
}

}  // namespace plexus::federationsender
