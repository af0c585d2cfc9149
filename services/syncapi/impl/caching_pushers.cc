// CachingPusherDirectory and its bus subscription: see caching_pushers.h.
#include "syncapi/impl/caching_pushers.h"

#include "accountsync/api/output.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::syncapi {

CachingPusherDirectory::CachingPusherDirectory(std::unique_ptr<PusherDirectory> inner,
                                               Options options)
    : inner_(std::move(inner)), options_(std::move(options)) {}

CachingPusherDirectory::Clock::time_point CachingPusherDirectory::now() const {
  return options_.now ? options_.now() : Clock::now();
}

Result<std::vector<accountsync::Pusher>> CachingPusherDirectory::queryPushers(
    const std::string& userId) {
  std::uint64_t epoch = 0;
  Clock::time_point readAt;
  {
    std::lock_guard lock(mutex_);
    readAt = now();
    auto it = entries_.find(userId);
    if (it != entries_.end()) {
      if (readAt - it->second.at <= options_.maxAge) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        ++hits_;
        return it->second.pushers;
      }
      erase(it);
    }
    epoch = epoch_;
  }
  auto answer = inner_->queryPushers(userId);
  if (!answer.ok()) return answer;
  std::lock_guard lock(mutex_);
  // Invalidated meanwhile: the answer may predate the change. Its age counts from before the
  // read.
  if (epoch == epoch_) store(userId, *answer, readAt);
  return answer;
}

Status CachingPusherDirectory::removePusher(const std::string& userId, const std::string& appId,
                                            const std::string& pushkey) {
  Status removed = inner_->removePusher(userId, appId, pushkey);
  invalidate(userId);
  return removed;
}

void CachingPusherDirectory::store(const std::string& userId,
                                   std::vector<accountsync::Pusher> pushers, Clock::time_point at) {
  if (options_.maxEntries == 0) return;
  auto it = entries_.find(userId);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.maxEntries) erase(entries_.find(*lru_.back()));
    it = entries_.emplace(userId, Entry{}).first;
    lru_.push_front(&it->first);
    it->second.lru = lru_.begin();
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  it->second.pushers = std::move(pushers);
  it->second.at = at;
}

void CachingPusherDirectory::erase(Entries::iterator it) {
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void CachingPusherDirectory::invalidate(std::string_view userId) {
  std::lock_guard lock(mutex_);
  ++epoch_;
  ++invalidations_;
  auto it = entries_.find(userId);
  if (it != entries_.end()) erase(it);
}

void CachingPusherDirectory::invalidateAll() {
  std::lock_guard lock(mutex_);
  ++epoch_;
  ++invalidations_;
  entries_.clear();
  lru_.clear();
}

std::size_t CachingPusherDirectory::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t CachingPusherDirectory::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t CachingPusherDirectory::invalidations() const {
  std::lock_guard lock(mutex_);
  return invalidations_;
}

Result<std::unique_ptr<bus::Subscription>> subscribeToPusherChanges(bus::Bus& bus,
                                                                    std::string_view group,
                                                                    CachingPusherDirectory& cache) {
  return bus::subscribeTyped<accountsync::PushersChanged>(
      bus, group, [&cache](const accountsync::PushersChanged& change, std::uint64_t) -> Status {
        if (change.userId.empty())
          cache.invalidateAll();
        else
          cache.invalidate(change.userId);
        return {};
      });
}

}  // namespace plexus::syncapi
