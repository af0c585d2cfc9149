// Latency samples (milliseconds) and their order statistics for the RESULT line.
#pragma once

#include <string>
#include <vector>

namespace plexus::loadgen {

class LatencyStats {
 public:
  void add(double ms) { samples_.push_back(ms); }
  std::size_t count() const { return samples_.size(); }
  // Nearest-rank percentile (0 < p <= 100); 0 when empty. Sorts lazily.
  double percentile(double p);
  double max();
  // "<prefix>_p50_ms=.. <prefix>_p90_ms=.. <prefix>_p99_ms=.. <prefix>_max_ms=.."
  std::string summary(const std::string& prefix);

 private:
  std::vector<double> samples_;
  bool sorted_ = false;
};

}  // namespace plexus::loadgen
