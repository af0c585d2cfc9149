// The cluster's stable shard function (config `cluster`, DESIGN.md §1): a room (roomserver) or
// a destination server (federation sender) belongs to shard fnv1a64(key) mod N. Every process
// computes the same answer from the same config, across restarts and builds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace plexus::node {

constexpr std::uint64_t fnv1a64(std::string_view key) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The shard of `key` among `shards` (> 0).
constexpr std::size_t shardOf(std::string_view key, std::size_t shards) {
  return shards <= 1 ? 0 : static_cast<std::size_t>(fnv1a64(key) % shards);
}

}  // namespace plexus::node
