// CachingDeviceKeySource and its bus subscription: see caching_key_source.h.
#include "root/caching_key_source.h"

#include "keyserver/api/output.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::node {

CachingDeviceKeySource::CachingDeviceKeySource(std::unique_ptr<syncapi::DeviceKeySource> inner,
                                               Options options)
    : inner_(std::move(inner)), options_(std::move(options)) {}

CachingDeviceKeySource::Clock::time_point CachingDeviceKeySource::now() const {
  return options_.now ? options_.now() : Clock::now();
}

template <typename T>
Result<T> CachingDeviceKeySource::cached(const std::string& userId, const std::string& deviceId,
                                         std::optional<T> Entry::*value,
                                         Clock::time_point Entry::*at,
                                         const std::function<Result<T>()>& fetch) {
  std::uint64_t epoch = 0;
  Clock::time_point readAt;
  {
    std::lock_guard lock(mutex_);
    readAt = now();
    auto it = entries_.find(Key{userId, deviceId});
    if (it != entries_.end()) {
      Entry& e = it->second;
      if (e.*value && readAt - e.*at <= options_.maxAge) {
        lru_.splice(lru_.begin(), lru_, e.lru);
        return *(e.*value);
      }
    }
    epoch = epoch_;
  }
  Result<T> answer = fetch();
  if (!answer.ok()) return answer;
  std::lock_guard lock(mutex_);
  if (epoch != epoch_) return answer;  // invalidated meanwhile: the answer may predate it
  if (Entry* e = slot(userId, deviceId)) {
    e->*value = *answer;
    e->*at = readAt;  // its age counts from before the read
  }
  return answer;
}

CachingDeviceKeySource::Entry* CachingDeviceKeySource::slot(const std::string& userId,
                                                            const std::string& deviceId) {
  if (options_.maxEntries == 0) return nullptr;
  auto it = entries_.find(Key{userId, deviceId});
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return &it->second;
  }
  if (entries_.size() >= options_.maxEntries) erase(entries_.find(*lru_.back()));
  it = entries_.emplace(Key{userId, deviceId}, Entry{}).first;
  lru_.push_front(&it->first);
  it->second.lru = lru_.begin();
  return &it->second;
}

void CachingDeviceKeySource::erase(Entries::iterator it) {
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

Result<std::map<std::string, std::int64_t>> CachingDeviceKeySource::queryOneTimeKeyCounts(
    const CallContext& ctx, const std::string& userId, const std::string& deviceId) {
  return cached<std::map<std::string, std::int64_t>>(
      userId, deviceId, &Entry::counts, &Entry::countsAt,
      [&] { return inner_->queryOneTimeKeyCounts(ctx, userId, deviceId); });
}

Result<std::vector<std::string>> CachingDeviceKeySource::queryUnusedFallbackKeyTypes(
    const CallContext& ctx, const std::string& userId, const std::string& deviceId) {
  return cached<std::vector<std::string>>(
      userId, deviceId, &Entry::fallbackTypes, &Entry::fallbackAt,
      [&] { return inner_->queryUnusedFallbackKeyTypes(ctx, userId, deviceId); });
}

Result<std::vector<std::string>> CachingDeviceKeySource::queryDeviceIds(const CallContext& ctx,
                                                                        const std::string& userId) {
  return inner_->queryDeviceIds(ctx, userId);
}

void CachingDeviceKeySource::invalidate(std::string_view userId, std::string_view deviceId) {
  std::lock_guard lock(mutex_);
  ++epoch_;
  ++invalidations_;
  if (!deviceId.empty()) {
    auto it = entries_.find(Key{std::string(userId), std::string(deviceId)});
    if (it != entries_.end()) erase(it);
    return;
  }
  // The user's devices are adjacent in the map, from (user, "") on.
  auto it = entries_.lower_bound(Key{std::string(userId), std::string()});
  while (it != entries_.end() && it->first.first == userId) {
    auto next = std::next(it);
    erase(it);
    it = next;
  }
}

std::size_t CachingDeviceKeySource::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t CachingDeviceKeySource::invalidations() const {
  std::lock_guard lock(mutex_);
  return invalidations_;
}

Result<std::unique_ptr<bus::Subscription>> subscribeToKeyChanges(bus::Bus& bus,
                                                                 std::string_view group,
                                                                 CachingDeviceKeySource& cache) {
  return bus::subscribeTyped<keyserver::OneTimeKeysChanged>(
      bus, group, [&cache](const keyserver::OneTimeKeysChanged& change, std::uint64_t) -> Status {
        cache.invalidate(change.userId, change.deviceId);
        return {};
      });
}

}  // namespace plexus::node
