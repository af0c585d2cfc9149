// IntervalSet (stream_interval_set.h).
#include "plexus/overlay/stream_interval_set.h"

#include <algorithm>

namespace plexus::overlay {

void IntervalSet::add(std::uint64_t start, std::uint64_t end) {
  if (start >= end) return;
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= start) {
      start = prev->first;
      end = std::max(end, prev->second);
      it = ranges_.erase(prev);
    }
  }
  while (it != ranges_.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace(start, end);
}

void IntervalSet::remove(std::uint64_t start, std::uint64_t end) {
  if (start >= end) return;
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > start) {
      const std::uint64_t prevEnd = prev->second;
      prev->second = start;
      if (prev->first == prev->second) ranges_.erase(prev);
      if (prevEnd > end) {
        ranges_.emplace(end, prevEnd);
        return;
      }
    }
  }
  while (it != ranges_.end() && it->first < end) {
    if (it->second > end) {
      const std::uint64_t tail = it->second;
      ranges_.erase(it);
      ranges_.emplace(end, tail);
      return;
    }
    it = ranges_.erase(it);
  }
}

bool IntervalSet::contains(std::uint64_t value) const {
  auto it = ranges_.upper_bound(value);
  if (it == ranges_.begin()) return false;
  return std::prev(it)->second > value;
}

}  // namespace plexus::overlay
