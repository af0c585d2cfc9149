// The metrics of one process (DESIGN.md §7): families registered under Prometheus naming
// conventions with the plexus_ prefix, hooks that fill metrics from a service's own snapshot
// when a scrape comes, and the text exposition format (version 0.0.4) to serve on /metrics.
//
// Naming (checked by register*): lowercase snake_case starting with "plexus_"; counters end in
// "_total" and no other type does; histogram names do not end in "_bucket", "_count" or "_sum".
// Not checked but expected: base units in the name ("_seconds", "_bytes").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/metrics/family.h"

namespace plexus::metrics {

// The Content-Type of renderText()'s output.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Bucket bounds in seconds for request and operation latencies (5 ms .. 10 s).
std::vector<double> latencyBuckets();

class Registry;

// Keeps a collect hook registered; destroying (or reset()) removes it, waiting for a scrape that
// is running it to finish. May outlive its Registry.
class CollectHook {
 public:
  CollectHook() = default;
  ~CollectHook() { reset(); }
  CollectHook(CollectHook&& other) noexcept;
  CollectHook& operator=(CollectHook&& other) noexcept;
  CollectHook(const CollectHook&) = delete;
  CollectHook& operator=(const CollectHook&) = delete;

  void reset();

 private:
  friend class Registry;
  struct Hooks;
  CollectHook(std::weak_ptr<Hooks> hooks, std::uint64_t id) : hooks_(std::move(hooks)), id_(id) {}
  std::weak_ptr<Hooks> hooks_;
  std::uint64_t id_ = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family, or returns the existing one when a family of the same type and name
  // exists (several components may share one). Errors: kInvalidParam for a name against the
  // conventions above, a name taken by another type, or (histograms) bounds that are empty or
  // not increasing.
  Result<CounterFamily> registerCounter(std::string_view name, std::string_view help);
  Result<GaugeFamily> registerGauge(std::string_view name, std::string_view help);
  Result<HistogramFamily> registerHistogram(std::string_view name, std::string_view help,
                                            std::vector<double> bucketBounds = latencyBuckets());

  // Runs `hook` at the start of every renderText(), before the metrics are read: the place to
  // copy a service's snapshot into gauges and counters (Counter::advanceTo). Hooks run one at a
  // time, on the scraping thread, in registration order; they must not block for long and must
  // not add or remove hooks. An exception from a hook is swallowed (that hook's values stay as
  // they were).
  [[nodiscard]] CollectHook addCollectHook(std::function<void()> hook);

  // Runs the collect hooks, then renders every family in the Prometheus text format
  // (kTextContentType). Thread-safe; concurrent scrapes take turns.
  std::string renderText();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::metrics
