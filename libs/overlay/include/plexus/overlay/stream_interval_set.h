// A set of half-open byte or packet-number ranges [start, end), kept merged and sorted. Streams
// use it for acknowledged and lost byte ranges; sessions for received packet numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace plexus::overlay {

class IntervalSet {
 public:
  void add(std::uint64_t start, std::uint64_t end);
  void remove(std::uint64_t start, std::uint64_t end);
  // Drops everything below `floor`.
  void eraseBelow(std::uint64_t floor) { remove(0, floor); }
  bool contains(std::uint64_t value) const;
  bool empty() const { return ranges_.empty(); }
  std::size_t rangeCount() const { return ranges_.size(); }
  const std::map<std::uint64_t, std::uint64_t>& ranges() const { return ranges_; }
  void clear() { ranges_.clear(); }

 private:
  std::map<std::uint64_t, std::uint64_t> ranges_;  // start -> end
};

}  // namespace plexus::overlay
