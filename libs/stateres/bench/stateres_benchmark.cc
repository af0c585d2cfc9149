// State resolution benchmarks on the shared fork100k room (../shared/bench beside the repo):
// the room is replayed once with the states after the two branch tips kept, then
//  - BM_ResolveBranchTips resolves those two states (what the reference server takes 1.48 s for);
//  - BM_AuthChain computes the auth chain of the newest branch-tip event.
// Run: build/bin/plexus_stateres_benchmark [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstdio>
#include <memory>
#include <string>

#include "plexus/json/parse.h"
#include "plexus/stateres/replay.h"
#include "plexus/stateres/resolver.h"

namespace plexus::stateres {
namespace {

std::string gunzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return {};
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return out;
}

struct Room {
  ReplayResult replay;
  StateSet a, b;
};

// Loads and replays the room once for all benchmarks; null (and a message) when unavailable.
Room* room() {
  static std::unique_ptr<Room> loaded = [] {
    std::string dir = std::string(PLEXUS_SOURCE_DIR) + "/../shared/bench/";
    std::string text = gunzipFile(dir + "fork100k.json.gz");
    auto meta = json::parseObject(gunzipFile(dir + "fork100k.meta.json.gz"));
    if (text.empty() || !meta.ok()) {
      std::fprintf(stderr, "fork100k not found under %s\n", dir.c_str());
      return std::unique_ptr<Room>();
    }
    ReplayOptions options;
    options.trustEventIds = true;
    for (const json::Value& tip : *meta->find("branch_tips")->getArray()) {
      options.keepStateAfter.push_back(*tip.getString());
    }
    auto result = replayRoomJson(text, *events::findRoomVersion("10"), options);
    if (!result.ok() || result->kept.size() != 2) {
      std::fprintf(stderr, "replay failed\n");
      return std::unique_ptr<Room>();
    }
    auto r = std::make_unique<Room>(Room{std::move(result).value(), {}, {}});
    r->a = r->replay.kept[0].second;
    r->b = r->replay.kept[1].second;
    return r;
  }();
  return loaded.get();
}

void BM_ResolveBranchTips(benchmark::State& state) {
  Room* r = room();
  if (!r) {
    state.SkipWithError("fork100k unavailable");
    return;
  }
  StateResolver resolver(r->replay.graph);
  const StateSet* sets[] = {&r->a, &r->b};
  std::size_t entries = 0;
  for (auto _ : state) {
    auto resolved = resolver.resolve(sets);
    if (!resolved.ok()) {
      state.SkipWithError(resolved.error().message.c_str());
      return;
    }
    entries = resolved->count();
    benchmark::DoNotOptimize(resolved);
  }
  const ResolveStats& s = resolver.lastStats();
  state.counters["state_entries"] = static_cast<double>(entries);
  state.counters["conflicted"] = static_cast<double>(s.conflictedEvents);
  state.counters["full_conflicted"] = static_cast<double>(s.fullConflictedSet);
  state.counters["power_sorted"] = static_cast<double>(s.powerEventsSorted);
  state.counters["mainline_sorted"] = static_cast<double>(s.mainlineSorted);
}
BENCHMARK(BM_ResolveBranchTips)->Unit(benchmark::kMillisecond);

void BM_AuthChain(benchmark::State& state) {
  Room* r = room();
  if (!r) {
    state.SkipWithError("fork100k unavailable");
    return;
  }
  StateResolver resolver(r->replay.graph);
  EventIdx tip = r->replay.kept[1].first;
  std::size_t size = 0;
  for (auto _ : state) {
    auto chain = resolver.authChain(tip);
    size = chain.size();
    benchmark::DoNotOptimize(chain);
  }
  state.counters["chain_events"] = static_cast<double>(size);
  // Working memory: the chain itself plus the resolver's mark array (4 bytes per room event).
  state.counters["bytes"] = static_cast<double>(size * sizeof(EventIdx) + r->replay.graph.size() * 4);
}
BENCHMARK(BM_AuthChain)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace plexus::stateres

BENCHMARK_MAIN();
