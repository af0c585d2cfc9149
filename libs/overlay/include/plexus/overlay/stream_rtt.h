// Round-trip estimate and retransmission timeout per RFC 6298: SRTT/RTTVAR smoothing with
// alpha = 1/8 and beta = 1/4, RTO = SRTT + max(G, 4 * RTTVAR) clamped to [min, max], an initial
// RTO before any sample, and exponential backoff on each expiry (reset by a new ACK).
#pragma once

#include <cstdint>

namespace plexus::overlay {

class RttEstimator {
 public:
  RttEstimator(std::int64_t initialRtoUs, std::int64_t minRtoUs, std::int64_t maxRtoUs)
      : initialRtoUs_(initialRtoUs), minRtoUs_(minRtoUs), maxRtoUs_(maxRtoUs) {}

  void sample(std::int64_t rttUs);
  // The timeout including backoff.
  std::int64_t rtoUs() const;
  void backoff() {
    if (backoff_ < 16) ++backoff_;
  }
  void resetBackoff() { backoff_ = 0; }
  int backoffCount() const { return backoff_; }
  bool hasSample() const { return hasSample_; }
  std::int64_t srttUs() const { return srttUs_; }
  std::int64_t rttVarUs() const { return rttVarUs_; }

 private:
  static constexpr std::int64_t kGranularityUs = 1000;
  std::int64_t initialRtoUs_;
  std::int64_t minRtoUs_;
  std::int64_t maxRtoUs_;
  std::int64_t srttUs_ = 0;
  std::int64_t rttVarUs_ = 0;
  bool hasSample_ = false;
  int backoff_ = 0;
};

}  // namespace plexus::overlay
