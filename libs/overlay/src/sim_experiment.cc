// The simulator's phases and measurements (sim.h). Each phase runs on the same network in
// order: cold start, random pairs, idle, join, highest-ranked newcomer, churn.
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

namespace plexus::overlay {
namespace {

using sim::Graph;
using sim::Network;
using sim::SplitMix;

constexpr Micros kSecond = 1'000'000;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::min<double>(v.size() - 1, std::floor(q * v.size())));
  return v[i];
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

NodeId randomKey(SplitMix& rng) {
  NodeId id;
  for (std::size_t i = 0; i < NodeId::kSize; i += 8) {
    auto v = rng.next();
    for (std::size_t j = 0; j < 8; ++j) id.bytes[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return id;
}

// Probe payloads: 'P' or 'Q' (ping / pong) followed by an 8-byte id.
std::string probe(char kind, std::uint64_t id) {
  std::string s(1, kind);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(id >> (8 * i)));
  return s;
}

std::uint64_t probeId(std::string_view p) {
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

std::pair<bool, bool> Experiment::converged() {
  std::vector<int> live;
  for (int i = 0; i < net_.nodeCount(); ++i) {
    if (net_.online(i)) live.push_back(i);
  }
  bool roots = true;
  for (int t = 0; t < options_.trees && roots; ++t) {
    int best = live.front();
    for (int i : live) {
      if (treeRank(t, net_.key(i)) > treeRank(t, net_.key(best))) best = i;
    }
    for (int i : live) {
      if (net_.router(i).tree(t).root != net_.key(best)) {
        roots = false;
        break;
      }
    }
  }
  std::vector<int> sorted = live;
  std::sort(sorted.begin(), sorted.end(), [&](int a, int b) { return net_.key(a) < net_.key(b); });
  bool line = true;
  for (std::size_t i = 0; i < sorted.size() && line; ++i) {
    auto& r = net_.router(sorted[i]);
    auto succ = r.successor();
    auto pred = r.predecessor();
    // A ring: the highest key's successor is the lowest.
    const int next = sorted[(i + 1) % sorted.size()];
    const int prev = sorted[(i + sorted.size() - 1) % sorted.size()];
    if (!succ || *succ != net_.key(next)) line = false;
    if (!pred || *pred != net_.key(prev)) line = false;
  }
  return {roots, line};
}

void Experiment::coldStart() {
  for (int l = 0; l < net_.linkCount(); ++l) {
    net_.at(static_cast<Micros>(rng_.below(kSecond)), [this, l] { net_.setLinkUp(l, true); });
  }
  Micros rootAt = -1, lineAt = -1;
  for (Micros t = 250'000; t <= 300 * kSecond; t += 250'000) {
    net_.runUntil(t);
    auto [roots, line] = converged();
    if (roots && rootAt < 0) rootAt = t;
    if (!roots) rootAt = -1;
    if (line && lineAt < 0) lineAt = t;
    if (!line) lineAt = -1;
    if (roots && line && t >= 6 * kSecond) break;
  }
  if (options_.verbose) sayDrops("after cold start");
  {
    int wrong = 0;
    std::vector<int> sorted;
    for (int i = 0; i < net_.nodeCount(); ++i) sorted.push_back(i);
    std::sort(sorted.begin(), sorted.end(),
              [&](int a, int b) { return net_.key(a) < net_.key(b); });
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      auto succ = net_.router(sorted[i]).successor();
      const int next = sorted[(i + 1) % sorted.size()];
      if (!succ || *succ != net_.key(next)) {
        ++wrong;
        if (options_.verbose) {
          auto rank = [&](const std::optional<NodeId>& k) {
            if (!k) return std::string("none");
            for (std::size_t j = 0; j < sorted.size(); ++j) {
              if (net_.key(sorted[j]) == *k) return std::to_string(j);
            }
            return std::string("?");
          };
          say("  line " + std::to_string(i) + " (node " + std::to_string(sorted[i]) +
              ", succ node " + std::to_string(next) + "): succ " + rank(succ) +
              ", true succ's pred " + rank(net_.router(next).predecessor()) + ", my pred " +
              rank(net_.router(sorted[i]).predecessor()));
        }
      }
    }
    say("cold start: " + std::to_string(wrong) + " successor pointers wrong");
  }
  say("cold start: roots agreed " + std::to_string(rootAt / 1e6) + " s, key space " +
      std::to_string(lineAt / 1e6) + " s");
  json_ << "\"cold_start_root_agreed_seconds\": " << (rootAt < 0 ? -1.0 : rootAt / 1e6)
        << ",\n\"cold_start_keyspace_seconds\": " << (lineAt < 0 ? -1.0 : lineAt / 1e6) << ",\n";
}

void Experiment::pairs() {
  std::set<std::pair<int, int>> chosen;
  const int n = net_.nodeCount();
  const int wanted = std::min<long>(options_.pairs, static_cast<long>(n) * (n - 1) / 2);
  std::vector<std::pair<int, int>> list;
  for (int guard = 0; static_cast<int>(list.size()) < wanted && guard < wanted * 20; ++guard) {
    int a = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
    int b = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
    if (a == b || chosen.count(std::minmax(a, b))) continue;
    chosen.insert(std::minmax(a, b));
    list.emplace_back(a, b);
  }
  std::map<int, std::vector<int>> distances;
  auto dist = [&](int a, int b) {
    auto it = distances.find(a);
    if (it == distances.end()) it = distances.emplace(a, graph_.distancesFrom(a)).first;
    return it->second[static_cast<std::size_t>(b)];
  };
  std::vector<std::uint64_t> first, second;
  Micros start = net_.now();
  for (std::size_t i = 0; i < list.size(); ++i) {
    net_.at(start + static_cast<Micros>(i) * 2000, [this, &first, i, &list] {
      first.push_back(sendProbe(list[i].first, list[i].second));
    });
  }
  net_.runUntil(start + static_cast<Micros>(list.size()) * 2000 + 10 * kSecond);
  start = net_.now();
  for (std::size_t i = 0; i < list.size(); ++i) {
    net_.at(start + static_cast<Micros>(i) * 2000, [this, &second, i, &list] {
      second.push_back(sendProbe(list[i].first, list[i].second));
    });
  }
  net_.runUntil(start + static_cast<Micros>(list.size()) * 2000 + 10 * kSecond);

  if (options_.verbose) {
    int shown = 0;
    for (std::size_t i = 0; i < first.size() && shown < 8; ++i) {
      const auto& a = probes_[first[i]];
      const auto& b = probes_[second[i]];
      if (a.delivered >= 0 && b.delivered >= 0) continue;
      ++shown;
      say("  lost: " + std::to_string(a.source) + " -> " + std::to_string(a.destination) +
          " distance " + std::to_string(dist(a.source, a.destination)) + ", first " +
          std::to_string(a.delivered >= 0) + " reply " + std::to_string(a.replyHops) + ", second " +
          std::to_string(b.delivered >= 0));
    }
    sayDrops("after pairs");
  }
  std::vector<double> firstStretch, replyStretch, laterStretch, allStretch;
  int delivered = 0, firstDelivered = 0, total = 0;
  for (auto ids : {&first, &second}) {
    for (auto id : *ids) {
      const auto& p = probes_[id];
      ++total;
      if (p.delivered < 0) continue;
      ++delivered;
      const double d = dist(p.source, p.destination);
      const double s = p.hops / d;
      allStretch.push_back(s);
      if (ids == &first) {
        ++firstDelivered;
        firstStretch.push_back(s);
        if (p.replyHops > 0) replyStretch.push_back(p.replyHops / d);
      } else {
        laterStretch.push_back(s);
        if (p.replyHops > 0) laterStretch.push_back(p.replyHops / d);
      }
    }
  }
  // Established flows: replies to a first packet and every packet after it travel on the
  // coordinates the first packet taught; the first packet of a pair walks the key space.
  std::vector<double> established = replyStretch;
  established.insert(established.end(), laterStretch.begin(), laterStretch.end());
  const double ratio = total ? static_cast<double>(delivered) / total : 0;
  say("pairs: delivered " + std::to_string(delivered) + "/" + std::to_string(total) +
      ", established median stretch " + std::to_string(quantile(established, 0.5)) +
      ", first-packet median " + std::to_string(quantile(firstStretch, 0.5)));
  json_ << "\"pairs\": " << list.size() << ",\n"
        << "\"delivery_ratio\": " << ratio << ",\n"
        << "\"first_packet_delivery_ratio\": "
        << (first.empty() ? 0 : static_cast<double>(firstDelivered) / first.size()) << ",\n"
        << "\"median_stretch\": " << quantile(established, 0.5) << ",\n"
        << "\"mean_stretch\": " << mean(established) << ",\n"
        << "\"p99_stretch\": " << quantile(established, 0.99) << ",\n"
        << "\"first_packet_median_stretch\": " << quantile(firstStretch, 0.5) << ",\n"
        << "\"first_packet_mean_stretch\": " << mean(firstStretch) << ",\n"
        << "\"first_packet_p99_stretch\": " << quantile(firstStretch, 0.99) << ",\n"
        << "\"all_packets_median_stretch\": " << quantile(allStretch, 0.5) << ",\n";
}

void Experiment::idle() {
  net_.runUntil(net_.now() + 30 * kSecond);  // let the pairs' stragglers go
  const auto before = net_.bytes();
  const Micros start = net_.now();
  net_.runUntil(start + static_cast<Micros>(options_.idleSeconds * kSecond));
  const auto after = net_.bytes();
  const double perLinkSecond = static_cast<double>(net_.upLinkCount()) * options_.idleSeconds;
  auto rate = [&](std::uint64_t a, std::uint64_t b) { return (a - b) / perLinkSecond; };
  const double total = rate(after.control(), before.control());
  say("idle: " + std::to_string(total) + " control bytes per link per second");
  // Per node: every control byte is sent by one node, so this is the mean a node sends.
  const double perNode = static_cast<double>(after.control() - before.control()) /
                         net_.nodeCount() / options_.idleSeconds;
  json_ << "\"control_bytes_per_node_per_second\": " << perNode << ",\n";
  json_ << "\"control_bytes_per_link_per_second\": " << total << ",\n"
        << "\"control_bytes_per_link_per_second_tree\": " << rate(after.tree, before.tree) << ",\n"
        << "\"control_bytes_per_link_per_second_keyspace\": "
        << rate(after.keyspace, before.keyspace) << ",\n"
        << "\"control_bytes_per_link_per_second_keepalive\": "
        << rate(after.keepalive, before.keepalive) << ",\n"
        << "\"idle_window_seconds\": " << options_.idleSeconds << ",\n";

  std::vector<double> entries, keyspace, peers, cache, depth;
  for (int i = 0; i < net_.nodeCount(); ++i) {
    auto& r = net_.router(i);
    entries.push_back(static_cast<double>(r.peerCount() + r.keyspaceEntries()));
    keyspace.push_back(static_cast<double>(r.keyspaceEntries()));
    peers.push_back(static_cast<double>(r.peerCount()));
    cache.push_back(static_cast<double>(r.cachedCoordinates()));
    for (int t = 0; t < options_.trees; ++t)
      depth.push_back(static_cast<double>(r.tree(t).coordinates.size()));
  }
  auto maxOf = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  json_ << "\"max_routing_entries\": " << maxOf(entries) << ",\n"
        << "\"mean_routing_entries\": " << mean(entries) << ",\n"
        << "\"max_keyspace_entries\": " << maxOf(keyspace) << ",\n"
        << "\"max_peers\": " << maxOf(peers) << ",\n"
        << "\"max_coordinate_cache_entries\": " << maxOf(cache) << ",\n"
        << "\"mean_coordinate_cache_entries\": " << mean(cache) << ",\n"
        << "\"mean_tree_depth\": " << mean(depth) << ",\n"
        << "\"max_tree_depth\": " << maxOf(depth) << ",\n";
}

void Experiment::join() {
  const int j = net_.addNode(randomKey(rng_));
  const int n = j;
  for (int k = 0; k < 2; ++k) {
    int peer = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
    net_.addLink(j, peer, 2000 + static_cast<Micros>(rng_.below(18'000)));
  }
  const Micros joinAt = net_.now();
  for (int link : net_.linksOf(j)) net_.setLinkUp(link, true);
  // Every node probes the newcomer every 100 ms until one of its probes arrives; a source's
  // time is the send time of its earliest probe that arrived.
  std::vector<Micros> firstSuccess(static_cast<std::size_t>(n), -1);
  std::vector<std::uint64_t> sent;
  auto settle = [&] {
    for (auto id : sent) {
      const auto& p = probes_[id];
      auto& f = firstSuccess[static_cast<std::size_t>(p.source)];
      if (p.delivered >= 0 && (f < 0 || p.sent < f)) f = p.sent;
    }
  };
  const Micros step = 100'000;
  for (Micros t = joinAt; t <= joinAt + 10 * kSecond; t += step) {
    net_.runUntil(t);
    settle();
    bool all = true;
    for (int i = 0; i < n; ++i) {
      if (firstSuccess[static_cast<std::size_t>(i)] >= 0) continue;
      all = false;
      sent.push_back(sendProbe(i, j));
    }
    if (all) break;
  }
  net_.runUntil(net_.now() + 2 * kSecond);
  settle();
  double worst = 0;
  int never = 0;
  for (auto t : firstSuccess) {
    if (t < 0)
      ++never;
    else
      worst = std::max(worst, (t - joinAt) / 1e6);
  }
  if (options_.verbose) {
    std::map<int, int> hist;
    for (auto t : firstSuccess) hist[t < 0 ? -1 : static_cast<int>((t - joinAt) / 500'000)]++;
    for (auto [b, c] : hist)
      say("  join: " + std::to_string(c) + " sources first reached it in half-second " +
          std::to_string(b));
    auto& r = net_.router(j);
    say("  join: node's succ/pred set: " + std::to_string(r.successor().has_value()) + "/" +
        std::to_string(r.predecessor().has_value()));
  }
  say("join: reachable from every node after " + std::to_string(worst) + " s (" +
      std::to_string(never) + " never)");
  json_ << "\"join_convergence_seconds\": " << (never ? -1.0 : worst) << ",\n"
        << "\"join_unreached_sources\": " << never << ",\n";
}

Experiment::Disruption Experiment::probeAround(const std::function<void()>& event) {
  const int n = net_.nodeCount();
  std::vector<std::pair<int, int>> load;
  for (int i = 0; i < 200; ++i) {
    int a = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
    int b = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
    if (a != b && net_.online(a) && net_.online(b)) load.emplace_back(a, b);
  }
  const Micros start = net_.now();
  const Micros eventAt = start + 20 * kSecond;
  const Micros end = eventAt + 60 * kSecond;
  std::vector<std::uint64_t> ids;
  for (Micros t = start; t < end; t += 100'000) {
    net_.runUntil(t);
    for (auto [a, b] : load) ids.push_back(sendProbe(a, b));
    if (t == eventAt) event();
  }
  net_.runUntil(end + 5 * kSecond);
  std::map<Micros, std::pair<int, int>> buckets;  // second after the event -> delivered, sent
  for (auto id : ids) {
    const auto& p = probes_[id];
    auto& b = buckets[(p.sent - eventAt) / kSecond - (p.sent < eventAt ? 1 : 0)];
    ++b.second;
    if (p.delivered >= 0 && p.delivered - p.sent <= 2 * kSecond) ++b.first;
  }
  if (options_.verbose) {
    std::map<std::pair<int, int>, int> failing;
    for (auto id : ids) {
      const auto& p = probes_[id];
      if (p.sent >= eventAt + 30 * kSecond && p.delivered < 0) ++failing[{p.source, p.destination}];
    }
    for (auto& [pair, count] : failing) {
      say("  failing late: " + std::to_string(pair.first) + " -> " + std::to_string(pair.second) +
          " x" + std::to_string(count));
    }
  }
  Disruption d;
  for (auto& [second, b] : buckets) {
    if (second < 0) continue;
    const double r = static_cast<double>(b.first) / b.second;
    d.worst = std::min(d.worst, r);
    if (r < 0.99) {
      ++d.seconds;
      d.recovered = static_cast<double>(second + 1);
    }
  }
  return d;
}

void Experiment::linkLoss() {
  if (options_.verbose) sayDrops("before link loss");
  // 1 % of the links (at least 5) fail at once, chosen so the graph stays connected.
  const int wanted = std::max(5, net_.linkCount() / 100);
  std::vector<int> cut;
  const Disruption d = probeAround([&] {
    for (int tries = 0; static_cast<int>(cut.size()) < wanted && tries < wanted * 50; ++tries) {
      const int l = static_cast<int>(rng_.below(static_cast<std::uint64_t>(net_.linkCount())));
      if (!net_.linkUp(l)) continue;
      net_.setLinkUp(l, false);
      const auto comp = components();
      bool connected = true;
      for (int v = 0; v < net_.nodeCount() && connected; ++v) {
        if (net_.online(v) && comp[static_cast<std::size_t>(v)] != 0) connected = false;
      }
      if (connected) {
        cut.push_back(l);
      } else {
        net_.setLinkUp(l, true);
      }
    }
  });
  if (options_.verbose) {
    sayDrops("after link loss");
    auto [roots, line] = converged();
    say("  after link loss: roots agreed " + std::to_string(roots) + ", ring correct " +
        std::to_string(line));
  }
  say("link loss: " + std::to_string(cut.size()) + " links cut, " + std::to_string(d.seconds) +
      " s below 99 % delivery, recovered after " + std::to_string(d.recovered) + " s");
  json_ << "\"link_loss_links\": " << cut.size() << ",\n"
        << "\"link_loss_disrupted_seconds\": " << d.seconds << ",\n"
        << "\"link_loss_convergence_seconds\": " << d.recovered << ",\n"
        << "\"link_loss_worst_second_delivery\": " << d.worst << ",\n";
  for (int l : cut) net_.setLinkUp(l, true);
  net_.runUntil(net_.now() + 10 * kSecond);
}

void Experiment::newcomer() {
  const int n = net_.nodeCount();
  // A key that is the highest of all, ground until it also wins tree 0 (an attacker's cheapest
  // takeover: one tree; winning all L trees at once needs ~n^L tries).
  std::uint64_t bestRank = 0;
  for (int i = 0; i < n; ++i) bestRank = std::max(bestRank, treeRank(0, net_.key(i)));
  NodeId key;
  std::uint64_t tries = 0;
  do {
    key = randomKey(rng_);
    for (int b = 0; b < 4; ++b) key.bytes[static_cast<std::size_t>(b)] = 0xff;
    ++tries;
  } while (treeRank(0, key) <= bestRank && tries < 100'000'000);
  std::vector<TreePosition> before;
  for (int i = 0; i < n; ++i) before.push_back(net_.router(i).tree(0));
  const Disruption d = probeAround([&] {
    const int c = net_.addNode(key);
    for (int k = 0; k < 2; ++k) {
      net_.addLink(c, static_cast<int>(rng_.below(static_cast<std::uint64_t>(n))),
                   2000 + static_cast<Micros>(rng_.below(18'000)));
    }
    for (int link : net_.linksOf(c)) net_.setLinkUp(link, true);
  });
  const int disturbed = d.seconds;
  const double worst = d.worst;
  int reparented = 0, rerooted = 0;
  for (int i = 0; i < n; ++i) {
    const auto after = net_.router(i).tree(0);
    if (after.parent != before[static_cast<std::size_t>(i)].parent) ++reparented;
    if (after.root != before[static_cast<std::size_t>(i)].root) ++rerooted;
  }
  say("newcomer: " + std::to_string(disturbed) + " s below 99 % delivery, worst second " +
      std::to_string(worst) + ", tree 0 re-rooted at " + std::to_string(rerooted) + " nodes");
  json_ << "\"newcomer_key_tries\": " << tries << ",\n"
        << "\"newcomer_disrupted_seconds\": " << disturbed << ",\n"
        << "\"newcomer_worst_second_delivery\": " << worst << ",\n"
        << "\"newcomer_tree0_rerooted_nodes\": " << rerooted << ",\n"
        << "\"newcomer_tree0_reparented_nodes\": " << reparented << ",\n";
}

void Experiment::churn() {
  const int n = net_.nodeCount();
  const double eventsPerSecond = options_.churnPercentPerMinute / 100.0 * n / 60.0;
  const Micros gap = static_cast<Micros>(kSecond / std::max(eventsPerSecond, 1e-6));
  std::vector<int> offline;
  const Micros start = net_.now();
  const Micros end = start + static_cast<Micros>(options_.churnSeconds * kSecond);
  std::vector<std::uint64_t> ids;
  std::vector<std::pair<int, int>> flows;
  for (int i = 0; i < 100; ++i) {
    flows.emplace_back(static_cast<int>(rng_.below(static_cast<std::uint64_t>(n))),
                       static_cast<int>(rng_.below(static_cast<std::uint64_t>(n))));
  }
  std::vector<Micros> changedAt(static_cast<std::size_t>(n), -1);
  bool leave = true;
  Micros nextChurn = start + gap;
  for (Micros t = start; t < end; t += 100'000) {
    net_.runUntil(t);
    while (nextChurn <= t) {
      if (leave || offline.empty()) {
        int v = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
        if (net_.online(v)) {
          net_.setNodeOnline(v, false);
          offline.push_back(v);
          changedAt[static_cast<std::size_t>(v)] = t;
        }
      } else {
        const auto k = rng_.below(offline.size());
        const int v = offline[k];
        offline.erase(offline.begin() + static_cast<std::ptrdiff_t>(k));
        net_.setNodeOnline(v, true);
        changedAt[static_cast<std::size_t>(v)] = t;
      }
      leave = !leave;
      nextChurn += gap;
    }
    // 10 new random pairs per 100 ms (first packets) and 100 standing flows every 500 ms.
    for (int k = 0; k < 10; ++k) {
      int a = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
      int b = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
      if (a != b && net_.online(a) && net_.online(b)) ids.push_back(sendProbe(a, b));
    }
    if ((t - start) % 500'000 == 0) {
      for (auto [a, b] : flows) {
        if (a != b && net_.online(a) && net_.online(b)) ids.push_back(sendProbe(a, b));
      }
    }
  }
  net_.runUntil(end + 5 * kSecond);
  int sent = 0, delivered = 0;
  for (auto id : ids) {
    const auto& p = probes_[id];
    // Only pairs that both stayed up for the probe's lifetime count.
    auto stable = [&](int v) {
      const auto c = changedAt[static_cast<std::size_t>(v)];
      return c < 0 || c < p.sent - 0 || c > p.sent + 2 * kSecond;
    };
    if (!stable(p.source) || !stable(p.destination) || !net_.online(p.destination)) continue;
    ++sent;
    if (p.delivered >= 0 && p.delivered - p.sent <= 2 * kSecond) ++delivered;
  }
  const double ratio = sent ? static_cast<double>(delivered) / sent : 0;
  say("churn " + std::to_string(options_.churnPercentPerMinute) + " %/min: delivered " +
      std::to_string(delivered) + "/" + std::to_string(sent));
  json_ << "\"churn_percent_per_minute\": " << options_.churnPercentPerMinute << ",\n"
        << "\"churn_delivery_ratio\": " << ratio << ",\n"
        << "\"churn_probes\": " << sent << ",\n";
}

std::vector<int> Experiment::components() {
  const int n = net_.nodeCount();
  std::vector<int> comp(static_cast<std::size_t>(n), -1);
  int next = 0;
  for (int s = 0; s < n; ++s) {
    if (comp[static_cast<std::size_t>(s)] >= 0 || !net_.online(s)) continue;
    std::vector<int> stack{s};
    comp[static_cast<std::size_t>(s)] = next;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      for (int l : net_.linksOf(v)) {
        const int w = net_.otherEnd(l, v);
        if (!net_.linkUp(l) || comp[static_cast<std::size_t>(w)] >= 0) continue;
        comp[static_cast<std::size_t>(w)] = next;
        stack.push_back(w);
      }
    }
    ++next;
  }
  return comp;
}

void Experiment::mobility() {
  // Random waypoint: each node walks at `speed` towards a random point, then picks another;
  // links exist while their ends are within the radius.
  const int n = static_cast<int>(graph_.positions.size());
  const double r = graph_.radius;
  auto pos = graph_.positions;
  std::vector<std::pair<double, double>> waypoint(pos.size());
  for (auto& w : waypoint) w = {rng_.unit(), rng_.unit()};
  std::map<std::pair<int, int>, int> linkOf;
  // (Links of the nodes added by the join and newcomer phases stay as they are.)
  for (int v = 0; v < n; ++v) {
    for (int id : net_.linksOf(v)) {
      const int w = net_.otherEnd(id, v);
      if (w < n) linkOf[std::minmax(v, w)] = id;
    }
  }
  const Micros start = net_.now();
  const Micros end = start + static_cast<Micros>(options_.mobilitySeconds * kSecond);
  std::vector<std::uint64_t> ids;
  std::vector<int> comp = components();
  std::vector<std::pair<std::uint64_t, bool>> countable;
  std::uint64_t changes = 0;
  for (Micros t = start; t < end; t += 100'000) {
    net_.runUntil(t);
    if ((t - start) % kSecond == 0) {
      for (int v = 0; v < n; ++v) {
        auto& [x, y] = pos[static_cast<std::size_t>(v)];
        auto& [wx, wy] = waypoint[static_cast<std::size_t>(v)];
        const double d = std::hypot(wx - x, wy - y);
        if (d <= options_.speed) {
          x = wx;
          y = wy;
          waypoint[static_cast<std::size_t>(v)] = {rng_.unit(), rng_.unit()};
        } else {
          x += (wx - x) / d * options_.speed;
          y += (wy - y) / d * options_.speed;
        }
      }
      for (int a = 0; a < n; ++a) {
        for (int b = a + 1; b < n; ++b) {
          const auto [xa, ya] = pos[static_cast<std::size_t>(a)];
          const auto [xb, yb] = pos[static_cast<std::size_t>(b)];
          const bool inRange = (xa - xb) * (xa - xb) + (ya - yb) * (ya - yb) <= r * r;
          auto it = linkOf.find({a, b});
          if (inRange && it == linkOf.end()) {
            const int id = net_.addLink(a, b, 1000 + static_cast<Micros>(r * 100'000));
            linkOf[{a, b}] = id;
            net_.setLinkUp(id, true);
            ++changes;
          } else if (it != linkOf.end() && inRange != net_.linkUp(it->second)) {
            net_.setLinkUp(it->second, inRange);
            ++changes;
          }
        }
      }
      comp = components();
    }
    for (int k = 0; k < 10; ++k) {
      int a = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
      int b = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
      if (a == b) continue;
      // Only pairs in one connected piece of the moving graph can be reached at all.
      const bool reachable = comp[static_cast<std::size_t>(a)] == comp[static_cast<std::size_t>(b)];
      countable.emplace_back(sendProbe(a, b), reachable);
    }
  }
  net_.runUntil(end + 5 * kSecond);
  int sent = 0, delivered = 0;
  for (auto [id, reachable] : countable) {
    if (!reachable) continue;
    const auto& p = probes_[id];
    ++sent;
    if (p.delivered >= 0 && p.delivered - p.sent <= 2 * kSecond) ++delivered;
  }
  const double ratio = sent ? static_cast<double>(delivered) / sent : 0;
  say("mobility at " + std::to_string(options_.speed) + "/s: delivered " +
      std::to_string(delivered) + "/" + std::to_string(sent) + ", " + std::to_string(changes) +
      " link changes");
  json_ << "\"mobility_speed\": " << options_.speed << ",\n"
        << "\"mobility_delivery_ratio\": " << ratio << ",\n"
        << "\"mobility_link_changes_per_second\": " << changes / options_.mobilitySeconds
        << ",\n\"mobility_probes\": " << sent << ",\n";
}

std::string Experiment::run() {
  json_.setf(std::ios::fixed);
  json_.precision(4);
  json_ << "{\n\"nodes\": " << graph_.nodes << ",\n\"links\": " << graph_.edges.size()
        << ",\n\"trees\": " << options_.trees << ",\n\"seed\": " << options_.seed
        << ",\n\"loss_rate\": " << options_.lossRate << ",\n";
  coldStart();
  pairs();
  idle();
  join();
  if (options_.newcomer) newcomer();
  linkLoss();
  if (options_.churnPercentPerMinute > 0) churn();
  if (options_.topology == "mobile" && !graph_.positions.empty()) mobility();
  const RouterCounters sum = totals();
  json_ << "\"dropped_no_route\": " << sum.droppedNoRoute
        << ",\n\"dropped_hop_limit\": " << sum.droppedHopLimit
        << ",\n\"tree_fallbacks\": " << sum.treeFallbacks << ",\n";
  json_ << "\"simulated_seconds\": " << net_.now() / 1e6 << ",\n\"events\": " << net_.events()
        << "\n}\n";
  return json_.str();
}

}  // namespace

Result<std::string> runSimulation(const SimOptions& options, std::ostream* log) {
  Graph g;
  if (!options.graphFile.empty()) {
    auto read = sim::readEdgeList(options.graphFile);
    if (!read.ok()) return Unexpected{read.error()};
    g = std::move(read).value();
  } else if (options.nodes < 2) {
    return fail(ErrorCode::kInvalidParam, "--nodes must be at least 2");
  } else if (options.topology == "rgg" || options.topology == "mobile") {
    g = options.radius > 0 ? sim::randomGeometric(options.nodes, options.radius, options.seed)
                           : sim::connectedRandomGeometric(options.nodes, options.seed);
  } else if (options.topology == "ba") {
    g = sim::barabasiAlbert(options.nodes, 2, options.seed);
  } else if (options.topology == "grid") {
    g = sim::grid(options.nodes);
  } else if (options.topology == "line") {
    g = sim::line(options.nodes);
  } else if (options.topology == "internet") {
    g = sim::internetLike(options.nodes, options.seed);
  } else {
    return fail(ErrorCode::kInvalidParam, "unknown topology " + options.topology);
  }
  if (!g.connected()) return fail(ErrorCode::kInvalidParam, "the graph is not connected");
  Experiment e(options, std::move(g), log);
  return e.run();
}

}  // namespace plexus::overlay
