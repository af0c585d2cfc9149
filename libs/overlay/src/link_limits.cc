// LinkLimits (link_limits.h).
#include "plexus/overlay/link_limits.h"

#include <algorithm>

namespace plexus::overlay {

LinkLimits::LinkLimits(LinkLimitsConfig config, std::int64_t nowUs)
    : config_(config),
      frameTokens_(config.framesPerSecond * config.burstSeconds),
      byteTokens_(config.bytesPerSecond * config.burstSeconds),
      lastUs_(nowUs) {}

void LinkLimits::refill(std::int64_t nowUs) {
  if (nowUs <= lastUs_) return;  // time never runs backwards here
  const double seconds = static_cast<double>(nowUs - lastUs_) / 1e6;
  lastUs_ = nowUs;
  frameTokens_ = std::min(config_.framesPerSecond * config_.burstSeconds,
                          frameTokens_ + seconds * config_.framesPerSecond);
  byteTokens_ = std::min(config_.bytesPerSecond * config_.burstSeconds,
                         byteTokens_ + seconds * config_.bytesPerSecond);
  score_ = std::max(0.0, score_ - seconds * config_.scoreDecayPerSecond);
}

LimitDecision LinkLimits::onFrame(std::size_t bytes, std::int64_t nowUs) {
  refill(nowUs);
  const double size = static_cast<double>(bytes);
  if (frameTokens_ >= 1 && byteTokens_ >= size) {
    frameTokens_ -= 1;
    byteTokens_ -= size;
    return LimitDecision::kAccept;
  }
  ++droppedFrames_;
  score_ += config_.overRatePoints;
  return score_ >= config_.disconnectScore ? LimitDecision::kDisconnect : LimitDecision::kDrop;
}

LimitDecision LinkLimits::penalise(double points, std::int64_t nowUs) {
  refill(nowUs);
  score_ += std::max(0.0, points);
  return score_ >= config_.disconnectScore ? LimitDecision::kDisconnect : LimitDecision::kAccept;
}

double LinkLimits::score(std::int64_t nowUs) {
  refill(nowUs);
  return score_;
}

}  // namespace plexus::overlay
