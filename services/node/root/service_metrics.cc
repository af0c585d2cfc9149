// ServiceMetrics (service_metrics.h).
#include "root/service_metrics.h"

namespace plexus::node {

Result<std::unique_ptr<ServiceMetrics>> ServiceMetrics::create(metrics::Registry& registry) {
  std::unique_ptr<ServiceMetrics> m(new ServiceMetrics());
  PLEXUS_TRY(auto persisted,
             registry.registerCounter("plexus_roomserver_events_persisted_total",
                                      "Room events stored as accepted (local and federated)."));
  PLEXUS_TRY(auto rejected, registry.registerCounter("plexus_roomserver_events_rejected_total",
                                                     "Room events stored as rejected."));
  PLEXUS_TRY(auto softFailed, registry.registerCounter(
                                  "plexus_roomserver_events_soft_failed_total",
                                  "Room events stored as soft-failed (kept out of timelines)."));
  PLEXUS_TRY(auto resolution, registry.registerHistogram(
                                  "plexus_roomserver_state_resolution_seconds",
                                  "Time of one state resolution over forked room state.",
                                  {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}));
  PLEXUS_TRY(auto batches,
             registry.registerHistogram("plexus_roomserver_send_batch_messages",
                                        "Messages to different rooms written in one group commit.",
                                        {1, 2, 4, 8, 16, 32, 64}));
  PLEXUS_TRY(auto waiters, registry.registerGauge("plexus_syncapi_waiters",
                                                  "/sync long-polls waiting for news."));
  PLEXUS_TRY(auto wakeup,
             registry.registerHistogram(
                 "plexus_syncapi_wakeup_seconds",
                 "Time from an event's notification to the /sync waiter it woke resuming.",
                 {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 1}));
  PLEXUS_TRY(m->persisted_, persisted.add());
  PLEXUS_TRY(m->rejected_, rejected.add());
  PLEXUS_TRY(m->softFailed_, softFailed.add());
  PLEXUS_TRY(m->stateResolution_, resolution.add());
  PLEXUS_TRY(m->sendBatch_, batches.add());
  PLEXUS_TRY(m->waiters_, waiters.add());
  PLEXUS_TRY(m->wakeup_, wakeup.add());
  ServiceMetrics* raw = m.get();
  m->hook_ = registry.addCollectHook([raw] {
    std::lock_guard lock(raw->mutex_);
    if (raw->parked_) raw->waiters_.set(static_cast<double>(raw->parked_()));
  });
  return m;
}

ServiceMetrics::~ServiceMetrics() { hook_.reset(); }

void ServiceMetrics::eventsStored(Stored outcome, std::uint64_t count) {
  const double n = static_cast<double>(count);
  switch (outcome) {
    case Stored::kAccepted:
      persisted_.inc(n);
      break;
    case Stored::kRejected:
      rejected_.inc(n);
      break;
    case Stored::kSoftFailed:
      softFailed_.inc(n);
      break;
  }
}

void ServiceMetrics::stateResolved(double seconds) { stateResolution_.observe(seconds); }

void ServiceMetrics::messagesBatched(std::size_t messages) {
  sendBatch_.observe(static_cast<double>(messages));
}

std::function<void(double)> ServiceMetrics::wakeObserver() {
  return [h = wakeup_](double seconds) { h.observe(seconds); };
}

void ServiceMetrics::watchWaiters(std::function<std::size_t()> parked) {
  std::lock_guard lock(mutex_);
  parked_ = std::move(parked);
}

}  // namespace plexus::node
