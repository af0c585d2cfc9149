// InvalidatedCache<Key, Value>: answers of another service kept in memory, forgotten when that
// service says they changed (a bus message) and at the latest after maxAge (which bounds the
// harm of a lost message). Bounded: the least recently used entry goes first.
//
// Coherence: an answer read from the source before an invalidation is never stored after it.
// getOrFetch() notes the cache's epoch before calling fetch(); every invalidation moves the
// epoch, and a fetched answer is stored only when the epoch did not move meanwhile. Its age
// counts from before the read. Errors are returned and not stored. Thread-safe; fetch() runs
// without the lock held.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <utility>

#include "plexus/core/result.h"

namespace plexus {

template <typename Key, typename Value>
class InvalidatedCache {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::size_t maxEntries = 100000;
    std::chrono::milliseconds maxAge = std::chrono::seconds(30);
    std::function<Clock::time_point()> now;  // tests inject time; defaults to Clock::now
  };

  InvalidatedCache() : InvalidatedCache(Options{}) {}
  explicit InvalidatedCache(Options options) : options_(std::move(options)) {}

  // The cached value of `key` when fresh; else fetch() (-> Result<Value>), stored unless an
  // invalidation came in between.
  template <typename Fetch>
  Result<Value> getOrFetch(const Key& key, Fetch&& fetch) {
    std::uint64_t epoch = 0;
    Clock::time_point readAt;
    {
      std::lock_guard lock(mutex_);
      readAt = now();
      auto it = entries_.find(key);
      if (it != entries_.end()) {
        if (readAt - it->second.at <= options_.maxAge) {
          lru_.splice(lru_.begin(), lru_, it->second.lru);
          ++hits_;
          return it->second.value;
        }
        erase(it);
      }
      epoch = epoch_;
    }
    Result<Value> answer = fetch();
    if (!answer.ok()) return answer;
    std::lock_guard lock(mutex_);
    if (epoch == epoch_) store(key, *answer, readAt);
    return answer;
  }

  // Forgets `key`; reads that began before this call are not stored.
  void invalidate(const Key& key) {
    std::lock_guard lock(mutex_);
    bump();
    auto it = entries_.find(key);
    if (it != entries_.end()) erase(it);
  }

  // Forgets the keys from `first` on while inRange(key) holds (a run of adjacent keys, e.g.
  // every device of one user when keys are (user, device) pairs).
  template <typename InRange>
  void invalidateRange(const Key& first, InRange&& inRange) {
    std::lock_guard lock(mutex_);
    bump();
    for (auto it = entries_.lower_bound(first); it != entries_.end() && inRange(it->first);) {
      auto next = std::next(it);
      erase(it);
      it = next;
    }
  }

  void invalidateAll() {
    std::lock_guard lock(mutex_);
    bump();
    entries_.clear();
    lru_.clear();
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }
  // Answers served from memory, and invalidations, so far (tests and metrics).
  std::uint64_t hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }
  std::uint64_t invalidations() const {
    std::lock_guard lock(mutex_);
    return invalidations_;
  }

 private:
  struct Entry {
    Value value;
    Clock::time_point at;                          // when the read that produced it began
    typename std::list<const Key*>::iterator lru;  // position in lru_ (front: most recent)
  };
  using Entries = std::map<Key, Entry>;

  Clock::time_point now() const { return options_.now ? options_.now() : Clock::now(); }
  void bump() {
    ++epoch_;
    ++invalidations_;
  }
  // Caller holds mutex_.
  void store(const Key& key, const Value& value, Clock::time_point at) {
    if (options_.maxEntries == 0) return;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (entries_.size() >= options_.maxEntries) erase(entries_.find(*lru_.back()));
      it = entries_.emplace(key, Entry{value, at, {}}).first;
      lru_.push_front(&it->first);
      it->second.lru = lru_.begin();
      return;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    it->second.value = value;
    it->second.at = at;
  }
  void erase(typename Entries::iterator it) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }

  Options options_;
  mutable std::mutex mutex_;
  std::uint64_t epoch_ = 0;  // moves on every invalidation
  std::uint64_t hits_ = 0;
  std::uint64_t invalidations_ = 0;
  Entries entries_;
  std::list<const Key*> lru_;
};

}  // namespace plexus
