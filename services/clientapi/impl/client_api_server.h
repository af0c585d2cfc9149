// The Client-Server API front: builds the Router with every /_matrix/client route (r0 and v3
// prefixes, v1 where the spec puts an endpoint there) and /.well-known/matrix/client, and serves
// it on an http::Server with the body-size limit, the rate limiter and a worker pool for
// handlers. Stateless: all state lives in the services behind ClientApiDeps.
#pragma once

#include <cstdint>
#include <memory>

#include "clientapi/impl/route_context.h"
#include "plexus/http/server.h"

namespace plexus::clientapi {

// Adds every client route to `router` (for a composition root that serves several APIs on one
// listener). `deps` must outlive the router; its executor and rateLimiter are used as they are.
void registerClientRoutes(http::Router& router, ClientApiDeps& deps);

class ClientApiServer {
 public:
  // `deps` must outlive the server. Its executor and rateLimiter are set here (worker pool of
  // config.workerThreads threads; a rate limiter when config.rateLimit.enabled).
  // options.limits.maxBodyBytes is taken from config.maxBodyBytes, options.bodyLimitFor from
  // the routes' own limits (uploads).
  ClientApiServer(ClientApiDeps& deps, http::ServerOptions options = {});
  ~ClientApiServer();  // stop()
  ClientApiServer(const ClientApiServer&) = delete;
  ClientApiServer& operator=(const ClientApiServer&) = delete;

  // Errors: those of http::Server::start.
  Status start();
  std::uint16_t port() const;
  // Stops the listener (letting in-flight requests finish), then the worker pool. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::clientapi
