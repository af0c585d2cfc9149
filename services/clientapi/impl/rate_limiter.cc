// Token buckets per key; idle buckets are dropped now and then so memory stays bounded.
#include "clientapi/impl/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace plexus::clientapi {
namespace {
constexpr std::int64_t kPruneEveryMs = 60'000;
}

RateLimiter::RateLimiter(RateLimitConfig config, std::function<std::int64_t()> clock)
    : config_(config), clock_(std::move(clock)) {
  if (config_.requestsPerSecond <= 0) config_.requestsPerSecond = 1;
  if (config_.burst < 1) config_.burst = 1;
}

std::int64_t RateLimiter::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status RateLimiter::check(std::string_view key) {
  if (!config_.enabled) return {};
  const std::int64_t nowMs = now();
  std::lock_guard lock(mutex_);
  pruneLocked(nowMs);
  auto [it, inserted] = buckets_.try_emplace(std::string(key));
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = config_.burst;
  } else {
    double elapsed = static_cast<double>(std::max<std::int64_t>(0, nowMs - bucket.lastMs)) / 1000.0;
    bucket.tokens = std::min(config_.burst, bucket.tokens + elapsed * config_.requestsPerSecond);
  }
  bucket.lastMs = nowMs;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  auto waitMs = static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) * 1000.0 / config_.requestsPerSecond));
  Error error = makeError(ErrorCode::kLimitExceeded, "Too many requests");
  error.retryAfterMs = std::max<std::int64_t>(1, waitMs);
  return error;
}

void RateLimiter::pruneLocked(std::int64_t nowMs) {
  if (nowMs - lastPruneMs_ < kPruneEveryMs) return;
  lastPruneMs_ = nowMs;
  // A bucket idle long enough to be full again carries no information.
  const auto fullAfterMs = static_cast<std::int64_t>(config_.burst / config_.requestsPerSecond * 1000.0);
  std::erase_if(buckets_, [&](const auto& entry) { return nowMs - entry.second.lastMs > fullAfterMs; });
}

}  // namespace plexus::clientapi
