// SenderMetrics: family registration and the per-scrape copy of the sender's snapshot. Counters
// mirror the sender's own counts since start (Counter::advanceTo); gauges are set outright.
#include "federationsender/impl/sender_metrics.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "federationsender/impl/federation_sender_service.h"
#include "plexus/log/log.h"

namespace plexus::federationsender {
namespace {

constexpr const char* kPrefix = "plexus_federation_sender_";

std::string name(std::string_view suffix) { return kPrefix + std::string(suffix); }

Result<metrics::Gauge> gauge(metrics::Registry& registry, std::string_view suffix,
                             std::string_view help) {
  PLEXUS_TRY(auto family, registry.registerGauge(name(suffix), help));
  return family.add();
}

Result<metrics::Counter> counter(metrics::Registry& registry, std::string_view suffix,
                                 std::string_view help, const metrics::Labels& labels = {}) {
  PLEXUS_TRY(auto family, registry.registerCounter(name(suffix), help));
  return family.add(labels);
}

double asDouble(std::int64_t v) { return static_cast<double>(v); }
double asDouble(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

Result<std::unique_ptr<SenderMetrics>> SenderMetrics::create(metrics::Registry& registry,
                                                             StatsSource source) {
  std::unique_ptr<SenderMetrics> m(new SenderMetrics());
  m->source_ = std::move(source);
  PLEXUS_TRY_VOID(m->registerFamilies(registry));
  SenderMetrics* raw = m.get();
  m->hook_ = registry.addCollectHook([raw] { raw->collect(); });
  return m;
}

Result<std::unique_ptr<SenderMetrics>> SenderMetrics::create(metrics::Registry& registry,
                                                             FederationSenderService& sender) {
  return create(registry, [&sender] { return sender.stats(); });
}

SenderMetrics::~SenderMetrics() { hook_.reset(); }

Status SenderMetrics::registerFamilies(metrics::Registry& r) {
  PLEXUS_TRY(pendingPdus_, gauge(r, "pending_pdus", "PDUs queued for other servers."));
  PLEXUS_TRY(pendingEdus_, gauge(r, "pending_edus", "EDUs queued for other servers."));
  PLEXUS_TRY(destinations_, gauge(r, "destinations", "Servers the sender keeps a queue for."));
  PLEXUS_TRY(destinationsBackingOff_,
             gauge(r, "destinations_backing_off", "Servers waiting out a backoff after failures."));
  auto transactions = [&r](const char* result) {
    return counter(r, "transactions_total",
                   "Transactions tried, by result: sent (acknowledged), failed (to be retried), "
                   "dropped (rejected for good).",
                   {{"result", result}});
  };
  PLEXUS_TRY(transactionsSent_, transactions("sent"));
  PLEXUS_TRY(transactionsFailed_, transactions("failed"));
  PLEXUS_TRY(transactionsDropped_, transactions("dropped"));
  PLEXUS_TRY(retries_,
             counter(r, "retries_total", "Transactions tried while their server was failing."));
  PLEXUS_TRY(pdusSent_, counter(r, "pdus_sent_total", "PDUs in acknowledged transactions."));
  PLEXUS_TRY(edusSent_, counter(r, "edus_sent_total", "EDUs in acknowledged transactions."));
  PLEXUS_TRY(pdusCollapsed_,
             counter(r, "pdus_collapsed_total", "Queued PDUs removed by catch-up."));
  PLEXUS_TRY(statsErrors_,
             counter(r, "stats_errors_total", "Scrapes that could not read the sender's queues."));
  PLEXUS_TRY(destinationPendingPdus_,
             r.registerGauge(name("destination_pending_pdus"),
                             "PDUs queued per server, for the 20 deepest queues only."));
  return {};
}

void SenderMetrics::collect() {
  auto stats = source_();
  if (!stats.ok()) {
    statsErrors_.inc();
    log::warn("federation sender metrics: no snapshot", {{"error", stats.error().message}});
    return;
  }
  const DestinationStats& t = stats->totals;
  pendingPdus_.set(asDouble(t.pendingPdus));
  pendingEdus_.set(asDouble(t.pendingEdus));
  destinations_.set(static_cast<double>(stats->destinations.size()));
  destinationsBackingOff_.set(static_cast<double>(stats->destinationsBackingOff));
  transactionsSent_.advanceTo(asDouble(t.transactionsSent));
  transactionsFailed_.advanceTo(asDouble(t.failures));
  transactionsDropped_.advanceTo(asDouble(t.transactionsDropped));
  retries_.advanceTo(asDouble(t.retries));
  pdusSent_.advanceTo(asDouble(t.pdusSent));
  edusSent_.advanceTo(asDouble(t.edusSent));
  pdusCollapsed_.advanceTo(asDouble(t.pdusCollapsed));
  collectTopDestinations(*stats);
}

// Label cardinality: one series per destination would grow with every server we ever federate
// with, so only the kTopDestinations deepest non-empty queues get one; a server leaves the set
// (its series is removed) once its queue is no longer among them.
void SenderMetrics::collectTopDestinations(const SenderStats& stats) {
  std::vector<const DestinationStats*> queued;
  for (const auto& d : stats.destinations)
    if (d.pendingPdus > 0) queued.push_back(&d);
  const std::size_t keep = std::min(queued.size(), kTopDestinations);
  std::partial_sort(queued.begin(), queued.begin() + static_cast<std::ptrdiff_t>(keep),
                    queued.end(), [](const DestinationStats* a, const DestinationStats* b) {
                      if (a->pendingPdus != b->pendingPdus) return a->pendingPdus > b->pendingPdus;
                      return a->destination < b->destination;
                    });
  queued.resize(keep);

  std::set<std::string> wanted;
  for (const auto* d : queued) wanted.insert(d->destination);
  for (auto it = topDestinations_.begin(); it != topDestinations_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    destinationPendingPdus_.remove(it->second);
    it = topDestinations_.erase(it);
  }
  for (const auto* d : queued) {
    auto& series = topDestinations_[d->destination];
    if (!series) {
      auto added = destinationPendingPdus_.add({{"destination", d->destination}});
      if (!added.ok()) {
        topDestinations_.erase(d->destination);
        continue;
      }
      series = *added;
    }
    series.set(asDouble(d->pendingPdus));
  }
}

}  // namespace plexus::federationsender
