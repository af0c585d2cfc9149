// Receive limits of one peer link: token buckets on frames per second and bytes per second, and
// a misbehaviour score that decides between dropping a frame and disconnecting the peer. Frames
// over the rate are dropped and cost points; the user (the router) adds points for frames it
// finds malformed; at the threshold the link is closed. Points decay, so a well-behaved peer
// that once burst is not punished forever. Time is passed in (monotonic microseconds).
#pragma once

#include <cstddef>
#include <cstdint>

namespace plexus::overlay {

struct LinkLimitsConfig {
  double framesPerSecond = 4000;
  double bytesPerSecond = 8.0 * 1024 * 1024;
  double burstSeconds = 2;         // bucket capacity, in seconds of the rate
  double overRatePoints = 1;       // per frame dropped for exceeding a rate
  double disconnectScore = 100;    // disconnect when the score reaches this
  double scoreDecayPerSecond = 1;  // points forgiven per second
};

enum class LimitDecision : std::uint8_t {
  kAccept,
  kDrop,        // discard this frame, keep the link
  kDisconnect,  // close the link
};

class LinkLimits {
 public:
  LinkLimits(LinkLimitsConfig config, std::int64_t nowUs);

  // Charges one received frame of `bytes` bytes.
  LimitDecision onFrame(std::size_t bytes, std::int64_t nowUs);
  // Adds misbehaviour points (e.g. a malformed router frame); kDisconnect at the threshold,
  // else kAccept.
  LimitDecision penalise(double points, std::int64_t nowUs);

  double score(std::int64_t nowUs);
  std::uint64_t droppedFrames() const { return droppedFrames_; }
  const LinkLimitsConfig& config() const { return config_; }

 private:
  void refill(std::int64_t nowUs);

  LinkLimitsConfig config_;
  double frameTokens_;
  double byteTokens_;
  double score_ = 0;
  std::int64_t lastUs_;
  std::uint64_t droppedFrames_ = 0;
};

}  // namespace plexus::overlay
