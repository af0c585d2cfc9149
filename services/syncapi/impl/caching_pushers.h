// CachingPusherDirectory: the pushers of each notified user, cached in sync-api in front of an
// account-sync in another process, so that push delivery does not cost a gRPC call and a query
// per notified user per event (almost every user has no pushers, and the answer rarely changes).
//
// Coherence: account-sync (AccountSyncOptions::publishPusherChanges) enqueues a PushersChanged
// in the transaction of every write that changes pushers; subscribeToPusherChanges() turns each
// into invalidate() (invalidateAll() for an empty user ID). A list read before an invalidation
// is never stored after it (the epoch guard, as in accountsync::TokenCache): one epoch serves
// every user, so a read racing any invalidation is answered but not kept, and the next read
// stores it. A lost bus message is covered by maxAge. Empty lists are cached too.
//
// Thread-safe (push delivery calls it from its worker threads). Owns the directory it decorates.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/bus/bus.h"
#include "syncapi/impl/push_delivery.h"

namespace plexus::syncapi {

class CachingPusherDirectory final : public PusherDirectory {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // Users kept; the least recently used goes first.
    std::size_t maxEntries = 100000;
    // A list older than this is asked again (bounds the harm of a lost bus message).
    std::chrono::milliseconds maxAge = std::chrono::seconds(30);
    // Tests inject time; defaults to Clock::now.
    std::function<Clock::time_point()> now;
  };

  explicit CachingPusherDirectory(std::unique_ptr<PusherDirectory> inner)
      : CachingPusherDirectory(std::move(inner), Options{}) {}
  CachingPusherDirectory(std::unique_ptr<PusherDirectory> inner, Options options);

  // PusherDirectory: answers from the cache when fresh, otherwise from the inner directory (its
  // errors are returned and not cached).
  Result<std::vector<accountsync::Pusher>> queryPushers(const std::string& userId) override;
  // Passes through, then forgets the user's list (whether or not the removal succeeded).
  Status removePusher(const std::string& userId, const std::string& appId,
                      const std::string& pushkey) override;

  // Forgets the user's list; reads that began before this call are not stored.
  void invalidate(std::string_view userId);
  // Forgets every list; reads that began before this call are not stored.
  void invalidateAll();

  // Users held (for tests and metrics).
  std::size_t size() const;
  // Answers served from the cache, and invalidate()/invalidateAll() calls, so far.
  std::uint64_t hits() const;
  std::uint64_t invalidations() const;

 private:
  struct Entry {
    std::vector<accountsync::Pusher> pushers;
    Clock::time_point at;                         // when the read that produced it began
    std::list<const std::string*>::iterator lru;  // position in lru_ (front: most recent)
  };
  using Entries = std::map<std::string, Entry, std::less<>>;

  Clock::time_point now() const;
  // Stores the user's list (evicting the least recently used when full). Caller holds mutex_.
  void store(const std::string& userId, std::vector<accountsync::Pusher> pushers,
             Clock::time_point at);
  void erase(Entries::iterator it);

  std::unique_ptr<PusherDirectory> inner_;
  Options options_;
  mutable std::mutex mutex_;
  // Moves on every invalidation: a read that saw an older epoch is not stored.
  std::uint64_t epoch_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t invalidations_ = 0;
  Entries entries_;
  std::list<const std::string*> lru_;
};

// Subscribes `cache` to account-sync's PushersChanged on `bus` as consumer group `group` (one
// group per process: each replica must see every message). The subscription must end before
// the cache and the bus go.
Result<std::unique_ptr<bus::Subscription>> subscribeToPusherChanges(bus::Bus& bus,
                                                                    std::string_view group,
                                                                    CachingPusherDirectory& cache);

}  // namespace plexus::syncapi
