// OverlayMetrics: the overlay of a p2p node (issue 6) in Prometheus — links, routes, sessions
// and bytes per kind of traffic — copied from NodeOverlay::snapshot() at every scrape.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/metrics/registry.h"
#include "plexus/overlay/overlay_node.h"

namespace plexus::node {

class OverlayMetrics {
 public:
  using SnapshotSource = std::function<overlay::OverlaySnapshot()>;
  // Registers the plexus_overlay_* families; `source` is read at every scrape (it must stay
  // valid until the object is destroyed). Errors: kInvalidParam from the registry.
  static Result<std::unique_ptr<OverlayMetrics>> create(metrics::Registry& registry,
                                                        SnapshotSource source);
  ~OverlayMetrics();  // removes the collect hook (waits for a scrape in progress)

 private:
  struct Series {
    std::function<double(const overlay::OverlaySnapshot&)> read;
    std::optional<metrics::Counter> counter;
    std::optional<metrics::Gauge> gauge;
  };
  OverlayMetrics() = default;
  void collect();

  SnapshotSource source_;
  std::vector<Series> series_;
  metrics::CollectHook hook_;
};

}  // namespace plexus::node
