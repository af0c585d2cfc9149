// ClientApiServer: router assembly and the server's lifetime (server first, then workers).
#include "clientapi/impl/client_api_server.h"

#include "clientapi/impl/account_routes.h"
#include "clientapi/impl/gap_routes.h"
#include "clientapi/impl/media_routes.h"
#include "clientapi/impl/rate_limiter.h"
#include "clientapi/impl/room_routes.h"
#include "clientapi/impl/worker_pool.h"

namespace plexus::clientapi {

void registerClientRoutes(http::Router& router, ClientApiDeps& deps) {
  // SPEC: the r0 prefix is the pre-v1.1 name of v3; clients still use both.
  router.restrictParam("version", {"r0", "v3"});
  registerDiscoveryRoutes(router, deps);
  registerRegisterRoutes(router, deps);
  registerLoginRoutes(router, deps);
  registerAccountRoutes(router, deps);
  registerDeviceRoutes(router, deps);
  registerProfileRoutes(router, deps);
  registerAccountDataRoutes(router, deps);
  registerSyncRoutes(router, deps);
  registerKeyRoutes(router, deps);
  registerKeyBackupRoutes(router, deps);
  registerPushRoutes(router, deps);
  registerRoomRoutes(router, deps);
  registerGapRoutes(router, deps);
  // Uploads carry their own, larger body limit (see media_routes.h).
  if (deps.media) registerMediaRoutes(router, deps, *deps.media);
}

struct ClientApiServer::Impl {
  ClientApiDeps& deps;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<http::Server> server;
  bool stopped = false;

  explicit Impl(ClientApiDeps& d) : deps(d) {}
};

ClientApiServer::ClientApiServer(ClientApiDeps& deps, http::ServerOptions options)
    : impl_(std::make_unique<Impl>(deps)) {
  impl_->workers = std::make_unique<WorkerPool>(deps.config.workerThreads);
  WorkerPool* pool = impl_->workers.get();
  deps.executor = [pool](std::function<void()> task) { pool->post(std::move(task)); };
  if (deps.config.rateLimit.enabled) {
    impl_->limiter = std::make_unique<RateLimiter>(deps.config.rateLimit);
    deps.rateLimiter = impl_->limiter.get();
  } else {
    deps.rateLimiter = nullptr;
  }
  auto router = std::make_shared<http::Router>();
  registerClientRoutes(*router, deps);
  options.limits.maxBodyBytes = deps.config.maxBodyBytes;
  // Routes with a limit of their own (uploads) take larger bodies; the rest keep the default.
  options.bodyLimitFor = [router, fallback = deps.config.maxBodyBytes](const http::Request& head) {
    return router->bodyLimit(head).value_or(fallback);
  };
  impl_->server = std::make_unique<http::Server>(std::move(options), http::Router::sharedHandler(router));
}

ClientApiServer::~ClientApiServer() { stop(); }

Status ClientApiServer::start() { return impl_->server->start(); }

std::uint16_t ClientApiServer::port() const { return impl_->server->port(); }

void ClientApiServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server->stop();
  impl_->workers->stop();
  impl_->deps.executor = nullptr;
  impl_->deps.rateLimiter = nullptr;
}

}  // namespace plexus::clientapi
