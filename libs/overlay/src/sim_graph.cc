// Simulator topologies (sim_graph.h).
#include "sim_graph.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace plexus::overlay::sim {

std::uint64_t SplitMix::next() {
  state_ += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Graph::finish() {
  std::set<std::pair<int, int>> seen;
  std::vector<std::pair<int, int>> kept;
  for (auto [a, b] : edges) {
    if (a == b) continue;
    auto key = std::minmax(a, b);
    if (!seen.insert(key).second) continue;
    kept.emplace_back(a, b);
  }
  edges = std::move(kept);
  adjacency.assign(static_cast<std::size_t>(nodes), {});
  for (auto [a, b] : edges) {
    adjacency[static_cast<std::size_t>(a)].push_back(b);
    adjacency[static_cast<std::size_t>(b)].push_back(a);
  }
}

std::vector<int> Graph::distancesFrom(int source) const {
  std::vector<int> dist(static_cast<std::size_t>(nodes), -1);
  std::deque<int> queue{source};
  dist[static_cast<std::size_t>(source)] = 0;
  while (!queue.empty()) {
    int v = queue.front();
    queue.pop_front();
    for (int w : adjacency[static_cast<std::size_t>(v)]) {
      if (dist[static_cast<std::size_t>(w)] < 0) {
        dist[static_cast<std::size_t>(w)] = dist[static_cast<std::size_t>(v)] + 1;
        queue.push_back(w);
      }
    }
  }
  return dist;
}

bool Graph::connected() const {
  if (nodes == 0) return true;
  auto d = distancesFrom(0);
  return std::none_of(d.begin(), d.end(), [](int x) { return x < 0; });
}

Graph barabasiAlbert(int n, int m, std::uint64_t seed) {
  // As shared/research/pinecone-sidebyside.md §3 describes it (m = 2 reproduces
  // ba-1000-m2-s7.txt byte for byte with seed 7): a triangle, then preferential attachment
  // by sampling the endpoint list.
  SplitMix rng(seed);
  Graph g;
  g.nodes = n;
  g.edges = {{0, 1}, {0, 2}, {1, 2}};
  std::vector<int> rep = {0, 1, 0, 2, 1, 2};
  for (int v = 3; v < n; ++v) {
    std::vector<int> targets;
    while (static_cast<int>(targets.size()) < std::min(m, v)) {
      int t = rep[rng.below(rep.size())];
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
    for (int t : targets) g.edges.emplace_back(v, t);
    for (int t : targets) {
      rep.push_back(v);
      rep.push_back(t);
    }
  }
  g.finish();
  return g;
}

Graph randomGeometric(int n, double radius, std::uint64_t seed) {
  SplitMix rng(seed);
  Graph g;
  g.nodes = n;
  for (int i = 0; i < n; ++i) {
    double x = rng.unit();
    double y = rng.unit();
    g.positions.emplace_back(x, y);
  }
  // Grid buckets of the radius keep this O(n) instead of O(n^2) at 10,000 nodes.
  const int cells = std::max(1, static_cast<int>(1.0 / radius));
  std::map<std::pair<int, int>, std::vector<int>> buckets;
  auto cellOf = [&](double v) { return std::min(cells - 1, static_cast<int>(v * cells)); };
  for (int i = 0; i < n; ++i) {
    buckets[{cellOf(g.positions[static_cast<std::size_t>(i)].first),
             cellOf(g.positions[static_cast<std::size_t>(i)].second)}]
        .push_back(i);
  }
  for (int i = 0; i < n; ++i) {
    auto [xi, yi] = g.positions[static_cast<std::size_t>(i)];
    const int cx = cellOf(xi), cy = cellOf(yi);
    for (int dx = -1; dx <= 1; ++dx) {
      for (int dy = -1; dy <= 1; ++dy) {
        auto it = buckets.find({cx + dx, cy + dy});
        if (it == buckets.end()) continue;
        for (int j : it->second) {
          if (j <= i) continue;
          auto [xj, yj] = g.positions[static_cast<std::size_t>(j)];
          if ((xi - xj) * (xi - xj) + (yi - yj) * (yi - yj) <= radius * radius) {
            g.edges.emplace_back(i, j);
          }
        }
      }
    }
  }
  std::sort(g.edges.begin(), g.edges.end());
  g.radius = radius;
  g.finish();
  return g;
}

Graph connectedRandomGeometric(int n, std::uint64_t seed) {
  // Radius for a mean degree of ~13 (the reference graph's), grown until connected.
  double radius = std::sqrt(13.0 / (3.14159265 * n));
  for (int attempt = 0; attempt < 20; ++attempt) {
    Graph g = randomGeometric(n, radius, seed);
    if (g.connected()) return g;
    radius *= 1.08;
  }
  return randomGeometric(n, radius, seed);
}

Graph grid(int n) {
  const int side = std::max(1, static_cast<int>(std::lround(std::sqrt(n))));
  Graph g;
  g.nodes = side * side;
  for (int r = 0; r < side; ++r) {
    for (int c = 0; c < side; ++c) {
      const int v = r * side + c;
      if (c + 1 < side) g.edges.emplace_back(v, v + 1);
      if (r + 1 < side) g.edges.emplace_back(v, v + side);
      g.positions.emplace_back((c + 0.5) / side, (r + 0.5) / side);
    }
  }
  g.finish();
  return g;
}

Graph line(int n) {
  Graph g;
  g.nodes = n;
  for (int v = 0; v + 1 < n; ++v) g.edges.emplace_back(v, v + 1);
  g.finish();
  return g;
}

Graph internetLike(int n, std::uint64_t seed) {
  SplitMix rng(seed ^ 0x1badb002u);
  const int core = std::max(4, n / 20);
  Graph g = barabasiAlbert(core, 3, seed);
  g.nodes = n;
  for (int v = core; v < n; ++v) {
    // Each stub attaches to a provider (core or an earlier stub, core twice as likely) and
    // sometimes peers with a recent neighbour.
    int provider = rng.below(3) == 0
                       ? static_cast<int>(rng.below(static_cast<std::uint64_t>(v)))
                       : static_cast<int>(rng.below(static_cast<std::uint64_t>(core)));
    g.edges.emplace_back(v, provider);
    if (rng.below(3) == 0 && v > core + 1) {
      g.edges.emplace_back(
          v, v - 1 - static_cast<int>(rng.below(std::min<std::uint64_t>(10, v - core))));
    }
  }
  g.finish();
  return g;
}

Result<Graph> readEdgeList(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kNotFound, "cannot read " + path);
  std::map<std::string, int> ids;
  auto idOf = [&](const std::string& name) {
    auto [it, inserted] = ids.emplace(name, static_cast<int>(ids.size()));
    return it->second;
  };
  Graph g;
  std::string lineText;
  while (std::getline(in, lineText)) {
    std::istringstream tokens(lineText);
    std::string name, previous;
    while (tokens >> name) {
      if (!previous.empty())
        g.edges.emplace_back(idOf(previous), idOf(name));
      else
        idOf(name);
      previous = name;
    }
  }
  g.nodes = static_cast<int>(ids.size());
  if (g.nodes == 0) return fail(ErrorCode::kInvalidParam, path + " has no edges");
  g.finish();
  return g;
}

}  // namespace plexus::overlay::sim
