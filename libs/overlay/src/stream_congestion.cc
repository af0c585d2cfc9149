// CongestionController (stream_congestion.h).
#include "plexus/overlay/stream_congestion.h"

#include <algorithm>

namespace plexus::overlay {

void CongestionController::onAcked(std::uint64_t packetNumber, std::uint64_t bytes) {
  bytesInFlight_ -= std::min(bytesInFlight_, bytes);
  if (inRecovery_ && packetNumber < recoveryStart_) return;
  inRecovery_ = false;
  if (window_ < ssthresh_) {
    window_ += bytes;
    return;
  }
  ackedSinceIncrease_ += bytes;
  if (ackedSinceIncrease_ >= window_) {
    ackedSinceIncrease_ -= window_;
    window_ += kDatagram;
  }
}

void CongestionController::onLost(std::uint64_t packetNumber, std::uint64_t bytes,
                                  std::uint64_t nextPacketNumber) {
  bytesInFlight_ -= std::min(bytesInFlight_, bytes);
  if (inRecovery_ && packetNumber < recoveryStart_) return;
  if (!inRecovery_ && packetNumber < recoveryStart_) return;
  inRecovery_ = true;
  recoveryStart_ = nextPacketNumber;
  ssthresh_ = std::max(window_ / 2, kMinimumWindow);
  window_ = ssthresh_;
  ackedSinceIncrease_ = 0;
}

void CongestionController::onDiscarded(std::uint64_t bytes) {
  bytesInFlight_ -= std::min(bytesInFlight_, bytes);
}

void CongestionController::onRetransmissionTimeout() {
  ssthresh_ = std::max(window_ / 2, kMinimumWindow);
  window_ = kMinimumWindow;
  ackedSinceIncrease_ = 0;
}

}  // namespace plexus::overlay
