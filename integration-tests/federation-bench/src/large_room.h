// The remote room of the large-join benchmark, generated deterministically: m.room.create,
// the creator's join, m.room.power_levels, m.room.join_rules (public) and
// m.room.history_visibility, then member joins of users spread round robin over `servers`
// servers until the state holds `events` events. Every event is a real PDU signed by its
// sender's server (bench_servers.h keys) and chained by prev_events.
//
// Signing tens of thousands of events takes seconds, so the room is cached in a file: one JSON
// header line, then one canonical PDU per line in generation order (the first four lines are
// the auth chain of every member join).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::fedbench {

struct LargeRoomSpec {
  std::size_t events = 85000;
  std::size_t servers = 1000;
  std::string roomVersion = "10";
};

struct LargeRoom {
  LargeRoomSpec spec;
  std::string roomId;
  std::string residentServer;               // the creator's server, which answers the join
  std::vector<std::string> joinAuthEvents;  // auth_events of a member join (create, PL, rules)
  std::string lastEventId;                  // the forward extremity
  std::int64_t lastDepth = 0;
  double generationMs = 0;                          // how long generating the cached file took
  std::vector<std::string> lines;                   // canonical PDUs, generation order
  static constexpr std::size_t kAuthChainSize = 4;  // create, creator join, PL, join rules
};

// The cache file name for `spec` inside `dir`.
std::string largeRoomCachePath(const std::string& dir, const LargeRoomSpec& spec);

// Generates the room and writes it to `path` (through a temporary file renamed at the end).
// Errors: kInvalidParam (unsupported version, fewer than 6 events), kUnavailable (I/O).
Status generateLargeRoom(const LargeRoomSpec& spec, const std::string& path);

// True when `path` holds a cache of `spec` (reads the header line only).
bool largeRoomCached(const LargeRoomSpec& spec, const std::string& path);

// Reads a cached room. Errors: kNotFound (no file), kBadJson (not a cache of `spec`).
Result<LargeRoom> loadLargeRoom(const LargeRoomSpec& spec, const std::string& path);

}  // namespace plexus::fedbench
