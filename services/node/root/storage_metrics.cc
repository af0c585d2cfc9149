// StorageMetrics (storage_metrics.h).
#include "root/storage_metrics.h"

namespace plexus::node {

Result<std::unique_ptr<StorageMetrics>> StorageMetrics::create(metrics::Registry& registry) {
  std::unique_ptr<StorageMetrics> m(new StorageMetrics());
  PLEXUS_TRY(m->inUse_, registry.registerGauge("plexus_db_pool_in_use",
                                               "Database connections lent out, by service."));
  PLEXUS_TRY(m->poolSize_,
             registry.registerGauge("plexus_db_pool_size", "Database pool bound, by service."));
  PLEXUS_TRY(m->opened_,
             registry.registerCounter("plexus_db_connections_opened_total",
                                      "Database connections opened (reconnects included)."));
  PLEXUS_TRY(m->prepared_,
             registry.registerCounter("plexus_db_statements_prepared_total",
                                      "Statements compiled by the database (cache misses)."));
  PLEXUS_TRY(m->busLag_,
             registry.registerGauge("plexus_bus_lag_messages",
                                    "Bus messages a consumer group has not handled yet."));
  StorageMetrics* raw = m.get();
  m->hook_ = registry.addCollectHook([raw] { raw->collect(); });
  return m;
}

StorageMetrics::~StorageMetrics() { hook_.reset(); }

void StorageMetrics::watchDatabase(const std::string& service, storage::Database& db) {
  std::lock_guard lock(mutex_);
  databases_.emplace_back(service, &db);
}

void StorageMetrics::watchOutbox(bus::Outbox& outbox) {
  std::lock_guard lock(mutex_);
  outboxes_.push_back(&outbox);
}

void StorageMetrics::collect() {
  std::lock_guard lock(mutex_);
  for (const auto& [service, db] : databases_) {
    const storage::DatabaseStats s = db->stats();
    const metrics::Labels labels{{"service", service}};
    if (auto g = inUse_.add(labels); g.ok()) g->set(static_cast<double>(s.connectionsInUse));
    if (auto g = poolSize_.add(labels); g.ok()) g->set(static_cast<double>(s.poolSize));
    if (auto c = opened_.add(labels); c.ok())
      c->advanceTo(static_cast<double>(s.connectionsOpened));
    if (auto c = prepared_.add(labels); c.ok())
      c->advanceTo(static_cast<double>(s.statementsPrepared));
  }
  for (bus::Outbox* outbox : outboxes_) {
    auto lags = outbox->lag();
    if (!lags.ok()) continue;
    for (const auto& lag : *lags) {
      if (auto g = busLag_.add({{"topic", lag.topic}, {"group", lag.group}}); g.ok())
        g->set(static_cast<double>(lag.messages));
    }
  }
}

}  // namespace plexus::node
