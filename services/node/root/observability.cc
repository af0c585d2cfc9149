// Observability: the metrics listener's routes and the adapters attached to the registry.
#include "root/observability.h"

#include "federationsender/impl/federation_sender_service.h"
#include "federationsender/impl/sender_metrics.h"
#include "plexus/http/router.h"
#include "plexus/log/log.h"

namespace plexus::node {

Observability::Observability() = default;

Observability::~Observability() { stop(); }

Result<std::unique_ptr<Observability>> Observability::start(const config::Config& config) {
  std::unique_ptr<Observability> o(new Observability());
  if (!config.metrics.listen.empty()) PLEXUS_TRY_VOID(o->listen(config.metrics.listen));
  return o;
}

Status Observability::listen(const std::string& address) {
  http::ServerOptions options;
  if (!config::splitHostPort(address, options.host, options.port))
    return fail(ErrorCode::kInvalidParam, "metrics.listen: bad address " + address);
  options.ioThreads = 1;
  options.onResponse = httpObserver("metrics");
  http::Router router;
  router.addSync("GET", "/metrics", [this](const http::Request&) {
    return http::Response::text(registry_.renderText(), 200,
                                std::string(metrics::kTextContentType));
  });
  router.addSync("GET", "/healthz",
                 [](const http::Request&) { return http::Response::text("ok\n"); });
  router.addSync("GET", "/readyz", [this](const http::Request&) {
    if (ready_.load(std::memory_order_relaxed)) return http::Response::text("ready\n");
    return http::Response::text("not ready\n", 503);
  });
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  server_ = std::make_unique<http::Server>(std::move(options), std::move(router).toHandler());
  Status started = server_->start();
  if (!started.ok()) {
    log::error("cannot listen", {{"address", address}, {"error", started.error().message}});
    server_.reset();
    return started;
  }
  log::info("metrics on http://" + host + ":" + std::to_string(server_->port()) + "/metrics");
  return {};
}

std::function<void(const http::ResponseRecord&)> Observability::httpObserver(
    const std::string& listener) {
  std::lock_guard lock(httpMetricsMutex_);
  auto& slot = httpMetrics_[listener];
  if (!slot) {
    auto created = HttpMetrics::create(registry_, listener);
    if (!created.ok()) {
      log::warn("no HTTP metrics", {{"listener", listener}, {"error", created.error().message}});
      httpMetrics_.erase(listener);
      return {};
    }
    slot = std::move(created).value();
  }
  return slot->observer();
}

Status Observability::attachFederationSender(federationsender::FederationSenderService& sender) {
  PLEXUS_TRY(senderMetrics_, federationsender::SenderMetrics::create(registry_, sender));
  return {};
}

void Observability::detachFederationSender() { senderMetrics_.reset(); }

std::uint16_t Observability::port() const { return server_ ? server_->port() : 0; }

void Observability::stop() {
  if (server_) server_->stop();
}

}  // namespace plexus::node
