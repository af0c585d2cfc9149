// SenderMetrics: the federation sender's Prometheus metrics (names in README.md "Metrics"),
// copied from a SenderStats snapshot (FederationSenderService::stats()) each time /metrics is
// scraped, so the queues pay nothing between scrapes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "federationsender/impl/sender_stats.h"
#include "plexus/core/result.h"
#include "plexus/metrics/registry.h"

namespace plexus::federationsender {

class FederationSenderService;

class SenderMetrics {
 public:
  using StatsSource = std::function<Result<SenderStats>()>;

  // Destinations with a pending_pdus series of their own: the deepest queues only, so the
  // number of series stays bounded however many servers we talk to.
  static constexpr std::size_t kTopDestinations = 20;

  // Registers the families in `registry` and a collect hook that reads `source` on every
  // scrape. `registry` must outlive the object; `source` is called on the scraping thread and
  // is not called after destruction. Errors: kInvalidParam when a name is taken by another type.
  static Result<std::unique_ptr<SenderMetrics>> create(metrics::Registry& registry,
                                                       StatsSource source);
  // The same over the service's stats(); `sender` must outlive the object.
  static Result<std::unique_ptr<SenderMetrics>> create(metrics::Registry& registry,
                                                       FederationSenderService& sender);
  ~SenderMetrics();
  SenderMetrics(const SenderMetrics&) = delete;
  SenderMetrics& operator=(const SenderMetrics&) = delete;

 private:
  SenderMetrics() = default;
  Status registerFamilies(metrics::Registry& registry);
  // The collect hook: copies one snapshot into the metrics.
  void collect();
  void collectTopDestinations(const SenderStats& stats);

  StatsSource source_;
  metrics::Gauge pendingPdus_, pendingEdus_, destinations_, destinationsBackingOff_;
  metrics::Counter transactionsSent_, transactionsFailed_, transactionsDropped_, retries_;
  metrics::Counter pdusSent_, edusSent_, pdusCollapsed_, statsErrors_;
  metrics::GaugeFamily destinationPendingPdus_;
  std::map<std::string, metrics::Gauge> topDestinations_;  // the series now exported
  metrics::CollectHook hook_;                              // last: removed first on destruction
};

}  // namespace plexus::federationsender
