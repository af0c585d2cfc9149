// The simulator's phases that change the network: a join, the highest-ranked newcomer, link
// loss, churn and mobility, and the probe load that measures their disruption
// (sim_experiment.h).
#include "sim_experiment.h"

namespace plexus::overlay::sim {
namespace {

// The pairs (a < b) of points within `r` of each other, sorted; a grid of r-sized cells keeps
// this near-linear (a full pairwise scan made mobility at 1,000 nodes the slowest phase).
std::vector<std::pair<int, int>> pairsInRange(const std::vector<std::pair<double, double>>& pos,
                                              double r) {
  const int cells = std::max(1, static_cast<int>(1.0 / r));
  auto cellOf = [&](double v) { return std::clamp(static_cast<int>(v * cells), 0, cells - 1); };
  std::vector<std::vector<int>> grid(static_cast<std::size_t>(cells) * cells);
  for (std::size_t v = 0; v < pos.size(); ++v) {
    grid[static_cast<std::size_t>(cellOf(pos[v].first) * cells + cellOf(pos[v].second))].push_back(
        static_cast<int>(v));
  }
  std::vector<std::pair<int, int>> out;
  for (std::size_t a = 0; a < pos.size(); ++a) {
    const auto [xa, ya] = pos[a];
    const int cx = cellOf(xa), cy = cellOf(ya);
    for (int gx = std::max(0, cx - 1); gx <= std::min(cells - 1, cx + 1); ++gx) {
      for (int gy = std::max(0, cy - 1); gy <= std::min(cells - 1, cy + 1); ++gy) {
        for (int b : grid[static_cast<std::size_t>(gx * cells + gy)]) {
          if (b <= static_cast<int>(a)) continue;
          const auto [xb, yb] = pos[static_cast<std::size_t>(b)];
          if ((xa - xb) * (xa - xb) + (ya - yb) * (ya - yb) <= r * r) {
            out.emplace_back(static_cast<int>(a), b);
          }
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

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
      say("  failing late: " + std::to_string(pair.first) + " " +
          net_.key(pair.first).toHex().substr(0, 8) + " -> " + std::to_string(pair.second) + " " +
          net_.key(pair.second).toHex().substr(0, 8) + " x" + std::to_string(count));
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
  // Probes with whether their ends were in one connected piece when sent: a leaving node can
  // cut others off (a sparse graph's leaves), and no router reaches across that.
  std::vector<std::pair<std::uint64_t, bool>> ids;
  std::vector<int> comp = components();
  auto probe = [&](int a, int b) {
    ids.emplace_back(sendProbe(a, b),
                     comp[static_cast<std::size_t>(a)] == comp[static_cast<std::size_t>(b)]);
  };
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
    const bool changing = nextChurn <= t;
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
    if (changing) comp = components();
    // 10 new random pairs per 100 ms (first packets) and 100 standing flows every 500 ms.
    for (int k = 0; k < 10; ++k) {
      int a = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
      int b = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
      if (a != b && net_.online(a) && net_.online(b)) probe(a, b);
    }
    if ((t - start) % 500'000 == 0) {
      for (auto [a, b] : flows) {
        if (a != b && net_.online(a) && net_.online(b)) probe(a, b);
      }
    }
  }
  net_.runUntil(end + 5 * kSecond);
  int sent = 0, delivered = 0;
  int cutOff = 0;
  for (auto [id, connected] : ids) {
    const auto& p = probes_[id];
    // Only pairs that both stayed up for the probe's lifetime count.
    auto stable = [&](int v) {
      const auto c = changedAt[static_cast<std::size_t>(v)];
      return c < 0 || c < p.sent - 0 || c > p.sent + 2 * kSecond;
    };
    if (!stable(p.source) || !stable(p.destination) || !net_.online(p.destination)) continue;
    if (!connected) {
      ++cutOff;
      continue;
    }
    ++sent;
    if (p.delivered >= 0 && p.delivered - p.sent <= 2 * kSecond) ++delivered;
  }
  const double ratio = sent ? static_cast<double>(delivered) / sent : 0;
  say("churn " + std::to_string(options_.churnPercentPerMinute) + " %/min: delivered " +
      std::to_string(delivered) + "/" + std::to_string(sent));
  json_ << "\"churn_percent_per_minute\": " << options_.churnPercentPerMinute << ",\n"
        << "\"churn_delivery_ratio\": " << ratio << ",\n"
        << "\"churn_probes\": " << sent << ",\n"
        << "\"churn_probes_between_cut_off_pieces\": " << cutOff << ",\n";
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
      // Walk the pairs in range and the known links together, both in (a, b) order, so links
      // change in the same order a full pairwise scan would give.
      const auto near = pairsInRange(pos, r);
      std::size_t i = 0;
      auto it = linkOf.begin();
      while (i < near.size() || it != linkOf.end()) {
        if (it == linkOf.end() || (i < near.size() && near[i] < it->first)) {
          const auto [a, b] = near[i++];
          const int id = net_.addLink(a, b, 1000 + static_cast<Micros>(r * 100'000));
          linkOf.emplace_hint(it, std::pair{a, b}, id);
          net_.setLinkUp(id, true);
          ++changes;
        } else {
          const bool inRange = i < near.size() && near[i] == it->first;
          if (inRange) ++i;
          if (inRange != net_.linkUp(it->second)) {
            net_.setLinkUp(it->second, inRange);
            ++changes;
          }
          ++it;
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

}  // namespace plexus::overlay::sim
