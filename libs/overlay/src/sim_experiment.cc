// The simulator's set-up, its static phases (cold start, pairs, idle) and the JSON document
// (sim_experiment.h).
#include "sim_experiment.h"

namespace plexus::overlay {
namespace sim {

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

}  // namespace sim

Result<std::string> runSimulation(const SimOptions& options, std::ostream* log) {
  sim::Graph g;
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
  sim::Experiment e(options, std::move(g), log);
  return e.run();
}

}  // namespace plexus::overlay
