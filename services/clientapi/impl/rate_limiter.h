// Token-bucket rate limiter keyed by user ID (or IP address before login). Each key refills at
// `requestsPerSecond` up to `burst`; a request takes one token or is refused with the wait until
// the next token, which becomes retry_after_ms of 429 M_LIMIT_EXCEEDED. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "clientapi/impl/route_context.h"

namespace plexus::clientapi {

class RateLimiter {
 public:
  // `clock` returns ms since any fixed point; the real steady clock when empty.
  explicit RateLimiter(RateLimitConfig config, std::function<std::int64_t()> clock = {});

  // Takes a token for `key`. Errors: kLimitExceeded with retryAfterMs.
  Status check(std::string_view key);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t lastMs = 0;
  };

  std::int64_t now() const;
  void pruneLocked(std::int64_t nowMs);

  RateLimitConfig config_;
  std::function<std::int64_t()> clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::int64_t lastPruneMs_ = 0;
};

}  // namespace plexus::clientapi
