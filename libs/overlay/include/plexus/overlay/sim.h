// The overlay simulator behind `plexus sim` (docs/overlay-results.md): many Routers — the same
// code a node runs — in one process, on a deterministic discrete-event network with link
// latency and loss, measured through cold start, idle, random pairs, a join, a highest-ranked
// newcomer and churn. The result is one JSON object.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "plexus/core/result.h"

namespace plexus::overlay {

struct SimOptions {
  int nodes = 100;                   // for generated topologies
  std::string topology = "rgg";      // rgg, mobile, ba, grid, line, internet
  std::string graphFile;             // instead: an edge list ("a b" per line, or a path "a b c")
  double radius = 0;                 // rgg/mobile: the connection radius (0: the smallest that
                                     // connects, for a mean degree near 13)
  double churnPercentPerMinute = 0;  // >0: a churn phase with this share of nodes per minute
  std::uint64_t seed = 7;
  int trees = 3;
  int pairs = 1000;           // random pairs for delivery and stretch
  double lossRate = 0;        // per frame; a lost frame is resent after an RTO (TCP links)
  double idleSeconds = 3600;  // idle window for control traffic (covers every refresh)
  double churnSeconds = 300;
  double mobilitySeconds = 300;  // topology "mobile": nodes move (random waypoint)
  double speed = 0.002;          // mobile: unit-square lengths per second
  bool newcomer = true;          // run the highest-ranked newcomer phase
  bool verbose = false;          // diagnostics in the log: wrong ring pointers, lost pairs
};

// Runs every phase and returns the JSON document. Progress lines go to `log` when set.
Result<std::string> runSimulation(const SimOptions& options, std::ostream* log);

}  // namespace plexus::overlay
