// Access tokens checked recently, so that a request does not cost two database reads before it
// starts (the token row and the account row; ~4 % of the node's CPU per sent message).
//
// Coherence: every write transaction of account-sync that can revoke a token or change what a
// token stands for (logout, device deletion, password change, deactivation, lock and suspend,
// refresh rotation, registration) calls invalidate() after it ends. An entry read from the
// database before such a write is never stored after it: put() is refused when the epoch moved
// since the caller's begin(). Expiry is checked on every hit. In the cluster, account-sync puts
// a CredentialsChanged on the bus after each such write, and the client-api processes, which
// keep a TokenCache of their own in front of account-sync's gRPC client, invalidate() on it;
// a lost message is covered by maxAge.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "accountsync/api/types.h"

namespace plexus::accountsync {

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TokenCache(std::size_t maxEntries = 100000,
                      std::chrono::milliseconds maxAge = std::chrono::seconds(30))
      : maxEntries_(maxEntries), maxAge_(maxAge) {}

  // The epoch to pass to put() for what the caller reads from the database next.
  std::uint64_t begin() const;
  // The cached answer for a token hash, unless it expired (nowMs: wall clock, ms) or is old.
  std::optional<AccessTokenInfo> get(const std::string& tokenHash, std::int64_t nowMs) const;
  void put(const std::string& tokenHash, const AccessTokenInfo& info, std::uint64_t epoch);
  // Forgets everything; later put()s with an older epoch are ignored.
  void invalidate();

 private:
  struct Entry {
    AccessTokenInfo info;
    Clock::time_point storedAt;
  };

  std::size_t maxEntries_;
  std::chrono::milliseconds maxAge_;
  mutable std::shared_mutex mutex_;
  std::uint64_t epoch_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace plexus::accountsync
