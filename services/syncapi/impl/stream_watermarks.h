// StreamWatermarks: the newest stream position written for each key (a room, a user) of one
// kind of stream data, so that an incremental /sync skips the queries that could only come
// back empty. A woken long-poll then costs a few map lookups for the streams that did not
// move instead of a range query each (docs/benchmarks.md, "Where the time goes").
//
// Keys written before the service started are unknown: every key counts as written at the
// position the service started from (the baseline), so a token older than that always queries.
// Writers bump() after their commit and before the service advances its current position, so
// a /sync that sees a position also sees the marks up to it.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace plexus::syncapi {

class StreamWatermarks {
 public:
  void reset(std::int64_t baseline);
  void bump(const std::string& key, std::int64_t pos);
  // True when something for `key` may have been written after position `since`.
  bool changedSince(const std::string& key, std::int64_t since) const;
  // The newest position known for `key` (at least the baseline).
  std::int64_t newest(const std::string& key) const;

 private:
  mutable std::shared_mutex mutex_;
  std::int64_t baseline_ = 0;
  std::unordered_map<std::string, std::int64_t> newest_;
};

}  // namespace plexus::syncapi
