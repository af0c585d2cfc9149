// ServiceMetrics: the roomserver's and sync-api's own series (DESIGN.md §7), fed by the hooks
// the services offer (RoomserverObserver, SyncServiceOptions::onWake) and read at scrape time:
//   plexus_roomserver_events_persisted_total, _events_rejected_total, _events_soft_failed_total
//   plexus_roomserver_state_resolution_seconds            (histogram)
//   plexus_roomserver_send_batch_messages                  (histogram) messages per group commit
//   plexus_syncapi_waiters                                 /sync long-polls parked now
//   plexus_syncapi_wakeup_seconds                          (histogram) notify -> waiter resumes
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "plexus/metrics/registry.h"
#include "roomserver/impl/roomserver_observer.h"

namespace plexus::node {

class ServiceMetrics final : public roomserver::RoomserverObserver {
 public:
  static Result<std::unique_ptr<ServiceMetrics>> create(metrics::Registry& registry);
  ~ServiceMetrics() override;

  // RoomserverObserver
  void eventsStored(Stored outcome, std::uint64_t count) override;
  void stateResolved(double seconds) override;
  void messagesBatched(std::size_t messages) override;

  // For SyncServiceOptions::onWake.
  std::function<void(double)> wakeObserver();
  // The number of parked /sync waiters, read at each scrape (empty: stop reading).
  void watchWaiters(std::function<std::size_t()> parked);

 private:
  ServiceMetrics() = default;
  metrics::Counter persisted_, rejected_, softFailed_;
  metrics::Histogram stateResolution_;
  metrics::Histogram sendBatch_;
  metrics::Gauge waiters_;
  metrics::Histogram wakeup_;
  std::mutex mutex_;
  std::function<std::size_t()> parked_;
  metrics::CollectHook hook_;
};

}  // namespace plexus::node
