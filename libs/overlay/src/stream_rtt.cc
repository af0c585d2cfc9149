// RttEstimator (stream_rtt.h).
#include "plexus/overlay/stream_rtt.h"

#include <algorithm>
#include <cstdlib>

namespace plexus::overlay {

void RttEstimator::sample(std::int64_t rttUs) {
  rttUs = std::max<std::int64_t>(rttUs, 1);
  if (!hasSample_) {
    srttUs_ = rttUs;
    rttVarUs_ = rttUs / 2;
    hasSample_ = true;
    return;
  }
  rttVarUs_ = (3 * rttVarUs_ + std::llabs(srttUs_ - rttUs)) / 4;
  srttUs_ = (7 * srttUs_ + rttUs) / 8;
}

std::int64_t RttEstimator::rtoUs() const {
  std::int64_t base =
      hasSample_ ? srttUs_ + std::max(kGranularityUs, 4 * rttVarUs_) : initialRtoUs_;
  base = std::clamp(base, minRtoUs_, maxRtoUs_);
  for (int i = 0; i < backoff_ && base < maxRtoUs_; ++i) base *= 2;
  return std::min(base, maxRtoUs_);
}

}  // namespace plexus::overlay
