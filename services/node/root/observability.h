// Observability: the node's metrics registry and, with metrics.listen set, a plain HTTP listener
// of its own (DESIGN.md §7) serving
//   GET /metrics  the Prometheus text format (every family in the registry),
//   GET /healthz  200 while the process is up,
//   GET /readyz   200 once every service has started, 503 while starting or stopping.
// It starts before the services (so /healthz answers during long migrations) and stops after
// them. Services' metric adapters attach to registry(); HTTP listeners take httpObserver().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/http/server.h"
#include "plexus/metrics/registry.h"
#include "root/http_metrics.h"

namespace plexus::federationsender {
class FederationSenderService;
class SenderMetrics;
}  // namespace plexus::federationsender

namespace plexus::node {

class Observability {
 public:
  // Listens on config.metrics.listen when it is set. Errors: kInvalidParam for a bad address,
  // kUnavailable when it cannot be bound.
  static Result<std::unique_ptr<Observability>> start(const config::Config& config);
  ~Observability();  // stop()
  Observability(const Observability&) = delete;
  Observability& operator=(const Observability&) = delete;

  metrics::Registry& registry() { return registry_; }
  // ServerOptions::onResponse for the listener called `listener` ("client", "federation"); the
  // object must outlive that server. Without metrics (registration failed) an empty function.
  std::function<void(const http::ResponseRecord&)> httpObserver(const std::string& listener);

  // Exports the federation sender's queues (federationsender/impl/sender_metrics.h) until
  // detachFederationSender(), which must come before `sender` goes away.
  Status attachFederationSender(federationsender::FederationSenderService& sender);
  void detachFederationSender();

  // What /readyz answers.
  void setReady(bool ready) { ready_.store(ready, std::memory_order_relaxed); }
  // The metrics listener's port; 0 without one.
  std::uint16_t port() const;
  // Stops the listener. Idempotent.
  void stop();

 private:
  Observability();
  Status listen(const std::string& address);

  metrics::Registry registry_;
  std::atomic<bool> ready_{false};
  std::mutex httpMetricsMutex_;
  std::map<std::string, std::unique_ptr<HttpMetrics>> httpMetrics_;
  std::unique_ptr<federationsender::SenderMetrics> senderMetrics_;
  std::unique_ptr<http::Server> server_;  // last: stops before what its handlers use
};

}  // namespace plexus::node
