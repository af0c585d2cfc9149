// Small helpers for the replay engine's parallel phases and its receipt checks.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "plexus/events/pdu.h"
#include "plexus/stateres/replay.h"

namespace plexus::stateres::detail {

// Threads to use for `items` items given the requested count (0 = hardware concurrency).
unsigned threadCount(unsigned requested, std::size_t items);

// Runs work(begin, end) over `threads` contiguous shares of [0, items); the caller's thread takes
// the first share.
void parallelFor(std::size_t items, unsigned threads,
                 const std::function<void(std::size_t begin, std::size_t end)>& work);

}  // namespace plexus::stateres::detail
