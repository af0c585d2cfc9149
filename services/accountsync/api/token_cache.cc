// TokenCache: see token_cache.h.
#include "accountsync/api/token_cache.h"

namespace plexus::accountsync {

std::uint64_t TokenCache::begin() const {
  std::shared_lock lock(mutex_);
  return epoch_;
}

std::optional<AccessTokenInfo> TokenCache::get(const std::string& tokenHash,
                                               std::int64_t nowMs) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(tokenHash);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (Clock::now() - e.storedAt > maxAge_) return std::nullopt;
  if (e.info.expiresAtMs && *e.info.expiresAtMs <= nowMs) return std::nullopt;
  return e.info;
}

void TokenCache::put(const std::string& tokenHash, const AccessTokenInfo& info,
                     std::uint64_t epoch) {
  std::unique_lock lock(mutex_);
  if (epoch != epoch_) return;
  if (entries_.size() >= maxEntries_) entries_.clear();  // rare; refilled on demand
  entries_[tokenHash] = Entry{info, Clock::now()};
}

void TokenCache::invalidate() {
  std::unique_lock lock(mutex_);
  ++epoch_;
  entries_.clear();
}

}  // namespace plexus::accountsync
