// The simulator's experiment (sim.h): one network, its probes and the phases run on it in
// order — cold start, random pairs, idle, join, highest-ranked newcomer, link loss, churn,
// mobility. sim_experiment.cc has the set-up, the static phases and the JSON; sim_phases.cc the
// phases that change the network.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <ostream>
#include <set>
#include <sstream>

#include "plexus/overlay/sim.h"
#include "sim_network.h"

namespace plexus::overlay::sim {

constexpr Micros kSecond = 1'000'000;

inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::min<double>(v.size() - 1, std::floor(q * v.size())));
  return v[i];
}

inline double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

inline NodeId randomKey(SplitMix& rng) {
  NodeId id;
  for (std::size_t i = 0; i < NodeId::kSize; i += 8) {
    auto v = rng.next();
    for (std::size_t j = 0; j < 8; ++j) id.bytes[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return id;
}

// Probe payloads: 'P' or 'Q' (ping / pong) followed by an 8-byte id.
inline std::string probe(char kind, std::uint64_t id) {
  std::string s(1, kind);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(id >> (8 * i)));
  return s;
}

inline std::uint64_t probeId(std::string_view p) {
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i)
    id |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[1 + i])) << (8 * i);
  return id;
}

struct Probe {
  int source = 0, destination = 0;
  Micros sent = 0;
  int hops = -1, replyHops = -1;
  Micros delivered = -1;
};

class Experiment {
 public:
  Experiment(const SimOptions& o, Graph g, std::ostream* log)
      : options_(o),
        graph_(std::move(g)),
        log_(log),
        rng_(o.seed * 7919 + 17),
        net_(config(o), o.seed, o.lossRate) {
    for (int i = 0; i < graph_.nodes; ++i) net_.addNode(randomKey(rng_));
    for (auto [a, b] : graph_.edges) net_.addLink(a, b, latency(a, b));
    net_.onDeliver([this](int node, const NodeId& src, std::string_view payload, int hops) {
      onDeliver(node, src, payload, hops);
    });
  }

  std::string run();

 private:
  static RouterConfig config(const SimOptions& o) {
    RouterConfig c;
    c.trees = o.trees;
    c.signAnnouncements = false;
    return c;
  }

  Micros latency(int a, int b) {
    if (!graph_.positions.empty() && a < static_cast<int>(graph_.positions.size()) &&
        b < static_cast<int>(graph_.positions.size())) {
      auto [xa, ya] = graph_.positions[static_cast<std::size_t>(a)];
      auto [xb, yb] = graph_.positions[static_cast<std::size_t>(b)];
      return 1000 + static_cast<Micros>(std::hypot(xa - xb, ya - yb) * 100'000);
    }
    return 2000 + static_cast<Micros>(rng_.below(18'000));
  }

  void say(const std::string& line) {
    if (log_) *log_ << "[sim " << net_.now() / 1000 << " ms] " << line << "\n" << std::flush;
  }

  std::uint64_t sendProbe(int from, int to) {
    const std::uint64_t id = probes_.size();
    probes_.push_back(Probe{from, to, net_.now(), -1, -1, -1});
    net_.router(from).send(net_.key(to), probe('P', id), net_.now());
    return id;
  }

  void onDeliver(int node, const NodeId&, std::string_view payload, int hops) {
    if (payload.size() != 9) return;
    const auto id = probeId(payload);
    if (id >= probes_.size()) return;
    auto& p = probes_[id];
    if (payload[0] == 'P' && node == p.destination) {
      if (p.delivered < 0) {
        p.delivered = net_.now();
        p.hops = hops;
      }
      net_.router(node).send(net_.key(p.source), probe('Q', id), net_.now());
    } else if (payload[0] == 'Q' && node == p.source && p.replyHops < 0) {
      p.replyHops = hops;
    }
  }

  RouterCounters totals() {
    RouterCounters sum;
    for (int i = 0; i < net_.nodeCount(); ++i) {
      const auto& c = net_.router(i).counters();
      sum.droppedNoRoute += c.droppedNoRoute;
      sum.droppedHopLimit += c.droppedHopLimit;
      sum.treeFallbacks += c.treeFallbacks;
      sum.parentChanges += c.parentChanges;
      sum.rootChanges += c.rootChanges;
      sum.withdrawalsIssued += c.withdrawalsIssued;
    }
    return sum;
  }
  void sayDrops(const std::string& when) {
    const auto c = totals();
    say("  " + when + ": fallbacks " + std::to_string(c.treeFallbacks) + ", no route " +
        std::to_string(c.droppedNoRoute) + ", hop limit " + std::to_string(c.droppedHopLimit) +
        ", parent changes " + std::to_string(c.parentChanges) + ", root changes " +
        std::to_string(c.rootChanges) + ", withdrawals " + std::to_string(c.withdrawalsIssued));
  }

  // Every online node agrees on each tree's root, and the key-space line is complete.
  std::pair<bool, bool> converged();
  void coldStart();
  void pairs();
  void idle();
  void join();
  void newcomer();
  void churn();
  void mobility();
  void linkLoss();
  struct Disruption {
    int seconds = 0;       // one-second buckets after the event with delivery below 99 %
    double worst = 1;      // the worst bucket's delivery
    double recovered = 0;  // seconds from the event to the end of the last such bucket
  };
  // 200 random pairs ping every 100 ms for 20 s, then `event` runs, then 60 s more; delivery
  // (answered within 2 s) per second after the event.
  Disruption probeAround(const std::function<void()>& event);
  std::vector<int> components();

  SimOptions options_;
  Graph graph_;
  std::ostream* log_;
  SplitMix rng_;
  Network net_;
  std::vector<Probe> probes_;
  std::ostringstream json_;
  std::vector<int> distanceCacheSource_;
};

}  // namespace plexus::overlay::sim
