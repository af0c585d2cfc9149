// StorageMetrics: each service database's pool and each outbox's consumer lag, read when
// Prometheus scrapes (DESIGN.md §7):
//   plexus_db_pool_in_use{service}, plexus_db_pool_size{service}       (PostgreSQL pools)
//   plexus_db_connections_opened_total{service}, plexus_db_statements_prepared_total{service}
//   plexus_bus_lag_messages{topic,group}     messages a consumer group has not handled yet
// Watched objects must stay alive until the StorageMetrics is destroyed.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plexus/bus/outbox.h"
#include "plexus/metrics/registry.h"
#include "plexus/storage/database.h"

namespace plexus::node {

class StorageMetrics {
 public:
  static Result<std::unique_ptr<StorageMetrics>> create(metrics::Registry& registry);
  ~StorageMetrics();

  void watchDatabase(const std::string& service, storage::Database& db);
  void watchOutbox(bus::Outbox& outbox);

 private:
  StorageMetrics() = default;
  void collect();

  metrics::GaugeFamily inUse_;
  metrics::GaugeFamily poolSize_;
  metrics::CounterFamily opened_;
  metrics::CounterFamily prepared_;
  metrics::GaugeFamily busLag_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, storage::Database*>> databases_;
  std::vector<bus::Outbox*> outboxes_;
  metrics::CollectHook hook_;  // last: removed first
};

}  // namespace plexus::node
