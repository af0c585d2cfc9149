// StreamWatermarks: see stream_watermarks.h.
#include "syncapi/impl/stream_watermarks.h"

#include <algorithm>
#include <mutex>

namespace plexus::syncapi {

void StreamWatermarks::reset(std::int64_t baseline) {
  std::unique_lock lock(mutex_);
  baseline_ = baseline;
  newest_.clear();
}

void StreamWatermarks::bump(const std::string& key, std::int64_t pos) {
  std::unique_lock lock(mutex_);
  auto [it, inserted] = newest_.try_emplace(key, pos);
  if (!inserted) it->second = std::max(it->second, pos);
}

std::int64_t StreamWatermarks::newest(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = newest_.find(key);
  return it == newest_.end() ? baseline_ : std::max(baseline_, it->second);
}

bool StreamWatermarks::changedSince(const std::string& key, std::int64_t since) const {
  return newest(key) > since;
}

}  // namespace plexus::syncapi
