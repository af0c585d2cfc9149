// Topologies for the simulator: generators (seeded, reproducible) and edge-list files, with
// breadth-first distances for stretch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plexus/core/result.h"

namespace plexus::overlay::sim {

// splitmix64 (the generator the reference graphs in shared/research/graphs were made with).
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::uint64_t below(std::uint64_t k) { return next() % k; }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }

 private:
  std::uint64_t state_;
};

struct Graph {
  int nodes = 0;
  std::vector<std::pair<int, int>> edges;
  std::vector<std::vector<int>> adjacency;
  std::vector<std::pair<double, double>> positions;  // geometric topologies only
  double radius = 0;                                 // random geometric: the link range

  void finish();  // builds adjacency, drops self-loops and duplicates
  std::vector<int> distancesFrom(int source) const;  // -1: unreachable
  bool connected() const;
};

Graph barabasiAlbert(int n, int m, std::uint64_t seed);
Graph randomGeometric(int n, double radius, std::uint64_t seed);
// The smallest radius (from a few steps) that makes a connected random geometric graph.
Graph connectedRandomGeometric(int n, std::uint64_t seed);
Graph grid(int n);
Graph line(int n);
// A transit-stub graph: a scale-free core of ~5 % of the nodes, stubs hanging off it with
// some local cross-links — the shape of the real internet's AS graph, roughly.
Graph internetLike(int n, std::uint64_t seed);
Result<Graph> readEdgeList(const std::string& path);

}  // namespace plexus::overlay::sim
