// Session-wide congestion control in bytes, NewReno-like (RFC 6582 / RFC 9002 §7 ideas): slow
// start until a loss, then additive increase of one datagram per window; a loss halves the
// window once per recovery period (losses of packets sent before recovery began do not halve it
// again); a retransmission timeout collapses it to the minimum window.
#pragma once

#include <cstdint>
#include <limits>

namespace plexus::overlay {

class CongestionController {
 public:
  static constexpr std::uint64_t kDatagram = 1200;
  static constexpr std::uint64_t kInitialWindow = 10 * kDatagram;
  static constexpr std::uint64_t kMinimumWindow = 2 * kDatagram;

  // May a packet of `bytes` be sent now? One packet is always allowed when nothing is in flight.
  bool canSend(std::uint64_t bytes) const {
    return bytesInFlight_ == 0 || bytesInFlight_ + bytes <= window_;
  }
  void onSent(std::uint64_t bytes) { bytesInFlight_ += bytes; }
  void onAcked(std::uint64_t packetNumber, std::uint64_t bytes);
  void onLost(std::uint64_t packetNumber, std::uint64_t bytes, std::uint64_t nextPacketNumber);
  // The packet left flight without an ack or loss verdict (connection restart).
  void onDiscarded(std::uint64_t bytes);
  void onRetransmissionTimeout();

  std::uint64_t window() const { return window_; }
  std::uint64_t bytesInFlight() const { return bytesInFlight_; }
  std::uint64_t slowStartThreshold() const { return ssthresh_; }

 private:
  std::uint64_t window_ = kInitialWindow;
  std::uint64_t ssthresh_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t bytesInFlight_ = 0;
  std::uint64_t recoveryStart_ = 0;  // packets numbered below this were sent before recovery
  bool inRecovery_ = false;
  std::uint64_t ackedSinceIncrease_ = 0;
};

}  // namespace plexus::overlay
