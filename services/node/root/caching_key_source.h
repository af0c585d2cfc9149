// CachingDeviceKeySource: sync-api's one-time-key counts and unused fallback key types, cached
// in front of a keyserver in another process, so that a /sync does not cost two gRPC calls.
//
// Coherence: the keyserver (KeyserverOptions::publishOneTimeKeyChanges) enqueues a
// OneTimeKeysChanged in the transaction of every change to a device's one-time or fallback
// keys; subscribeToKeyChanges() turns each into invalidate(). A value read from the keyserver
// before an invalidation is never stored after it (the epoch guard, as in
// accountsync::TokenCache): a read that raced a claim is answered but not kept. One epoch serves
// every device, so a read racing any invalidation is not kept either: claims and uploads are
// rare next to /sync, and the next read stores it. A lost bus message is covered by maxAge.
// Device IDs (queryDeviceIds) are not cached.
//
// Thread-safe. Owns the source it decorates (ServiceKeySource over the gRPC clients).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/bus/bus.h"
#include "syncapi/api/ports.h"

namespace plexus::node {

class CachingDeviceKeySource final : public syncapi::DeviceKeySource {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // Devices kept (both answers of a device count once); the least recently used goes first.
    std::size_t maxEntries = 100000;
    // An answer older than this is asked again (bounds the harm of a lost bus message).
    std::chrono::milliseconds maxAge = std::chrono::seconds(30);
    // Tests inject time; defaults to Clock::now.
    std::function<Clock::time_point()> now;
  };

  explicit CachingDeviceKeySource(std::unique_ptr<syncapi::DeviceKeySource> inner)
      : CachingDeviceKeySource(std::move(inner), Options{}) {}
  CachingDeviceKeySource(std::unique_ptr<syncapi::DeviceKeySource> inner, Options options);

  // DeviceKeySource: answers from the cache when fresh; otherwise from the inner source (its
  // errors are returned and not cached).
  Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override;
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override;
  Result<std::vector<std::string>> queryDeviceIds(const CallContext& ctx,
                                                  const std::string& userId) override;

  // Forgets the device's answers (every device of the user when deviceId is empty); reads
  // that began before this call are not stored.
  void invalidate(std::string_view userId, std::string_view deviceId);

  // Devices held (for tests and metrics).
  std::size_t size() const;
  // invalidate() calls so far.
  std::uint64_t invalidations() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (user, device)
  struct Entry {
    std::optional<std::map<std::string, std::int64_t>> counts;
    Clock::time_point countsAt;
    std::optional<std::vector<std::string>> fallbackTypes;
    Clock::time_point fallbackAt;
    std::list<const Key*>::iterator lru;  // position in lru_ (front: most recent)
  };
  using Entries = std::map<Key, Entry>;

  // One of the two cached answers (`value`, stored at `at`): from the entry when fresh, else
  // from fetch(), stored unless an invalidation came in between.
  template <typename T>
  Result<T> cached(const std::string& userId, const std::string& deviceId,
                   std::optional<T> Entry::*value, Clock::time_point Entry::*at,
                   const std::function<Result<T>()>& fetch);
  Clock::time_point now() const;
  // Finds or makes the device's entry (evicting the least recently used when full) and marks it
  // most recently used; null when nothing may be kept. Caller holds mutex_.
  Entry* slot(const std::string& userId, const std::string& deviceId);
  void erase(Entries::iterator it);

  std::unique_ptr<syncapi::DeviceKeySource> inner_;
  Options options_;
  mutable std::mutex mutex_;
  // Moves on every invalidation: a read that saw an older epoch is not stored.
  std::uint64_t epoch_ = 0;
  std::uint64_t invalidations_ = 0;
  Entries entries_;
  std::list<const Key*> lru_;
};

// Subscribes `cache` to the keyserver's OneTimeKeysChanged on `bus` as consumer group `group`
// (one group per process: each replica must see every message). The subscription must end
// before the cache and the bus go.
Result<std::unique_ptr<bus::Subscription>> subscribeToKeyChanges(bus::Bus& bus,
                                                                 std::string_view group,
                                                                 CachingDeviceKeySource& cache);

}  // namespace plexus::node
