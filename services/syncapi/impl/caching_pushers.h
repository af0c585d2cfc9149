// CachingPusherDirectory: the pushers of each notified user, cached in sync-api in front of an
// account-sync in another process, so that push delivery does not cost a gRPC call and a query
// per notified user per event (almost every user has no pushers, and the answer rarely changes).
//
// Coherence: account-sync (AccountSyncOptions::publishPusherChanges) enqueues a PushersChanged
// in the transaction of every write that changes pushers; subscribeToPusherChanges() turns each
// into invalidate() (invalidateAll() for an empty user ID). The cache itself is an
// InvalidatedCache (plexus/core/invalidated_cache.h: a list read before an invalidation is never
// stored after it, bounded, maxAge covers a lost bus message). Empty lists are cached too.
//
// Thread-safe (push delivery calls it from its worker threads). Owns the directory it decorates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/bus/bus.h"
#include "plexus/core/invalidated_cache.h"
#include "syncapi/impl/push_delivery.h"

namespace plexus::syncapi {

class CachingPusherDirectory final : public PusherDirectory {
 public:
  using Cache = InvalidatedCache<std::string, std::vector<accountsync::Pusher>>;
  using Clock = Cache::Clock;
  // Users kept (the least recently used goes first), how long a list is trusted, injected time.
  using Options = Cache::Options;

  explicit CachingPusherDirectory(std::unique_ptr<PusherDirectory> inner)
      : CachingPusherDirectory(std::move(inner), Options{}) {}
  CachingPusherDirectory(std::unique_ptr<PusherDirectory> inner, Options options)
      : inner_(std::move(inner)), cache_(std::move(options)) {}

  // PusherDirectory: answers from the cache when fresh, otherwise from the inner directory (its
  // errors are returned and not cached).
  Result<std::vector<accountsync::Pusher>> queryPushers(const std::string& userId) override;
  // Passes through, then forgets the user's list (whether or not the removal succeeded).
  Status removePusher(const std::string& userId, const std::string& appId,
                      const std::string& pushkey) override;

  // Forgets the user's list; reads that began before this call are not stored.
  void invalidate(std::string_view userId) { cache_.invalidate(std::string(userId)); }
  // Forgets every list; reads that began before this call are not stored.
  void invalidateAll() { cache_.invalidateAll(); }

  // Users held, answers served from the cache, invalidations so far (tests and metrics).
  std::size_t size() const { return cache_.size(); }
  std::uint64_t hits() const { return cache_.hits(); }
  std::uint64_t invalidations() const { return cache_.invalidations(); }

 private:
  std::unique_ptr<PusherDirectory> inner_;
  Cache cache_;
};

// Subscribes `cache` to account-sync's PushersChanged on `bus` as consumer group `group` (one
// group per process: each replica must see every message). The subscription must end before
// the cache and the bus go.
Result<std::unique_ptr<bus::Subscription>> subscribeToPusherChanges(bus::Bus& bus,
                                                                    std::string_view group,
                                                                    CachingPusherDirectory& cache);

}  // namespace plexus::syncapi
