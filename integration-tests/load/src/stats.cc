// Order statistics over the collected samples.
#include "stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace plexus::loadgen {

double LatencyStats::percentile(double p) {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples_.size())));
  rank = std::clamp<std::size_t>(rank, 1, samples_.size());
  return samples_[rank - 1];
}

double LatencyStats::max() { return percentile(100); }

std::string LatencyStats::summary(const std::string& prefix) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s_p50_ms=%.3f %s_p90_ms=%.3f %s_p99_ms=%.3f %s_max_ms=%.3f",
                prefix.c_str(), percentile(50), prefix.c_str(), percentile(90), prefix.c_str(),
                percentile(99), prefix.c_str(), max());
  return buf;
}

}  // namespace plexus::loadgen
