// The client-side node: every service in one process over the in-process bus, each on its own
// database (SQLite file or PostgreSQL schema), behind the Client-Server API on libs/http.
// With federation.listen set, a second listener serves the Server-Server API (key and version
// routes so far) from its own "federationapi" database.
// start() opens and migrates the databases (logging progress), wires the services and listens;
// stop() (or the destructor) shuts down in reverse order.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "plexus/config/config.h"
#include "plexus/core/result.h"
#include "plexus/events/server_identity.h"

namespace plexus::clientapi {
struct ClientApiDeps;
}

namespace plexus::node {

struct NodeStartInfo {
  // When the process started, for the "first request" log line.
  std::chrono::steady_clock::time_point processStart = std::chrono::steady_clock::now();
  // In-process harnesses (the client-API fuzzer): argon2id at libsodium's minimum cost, so a
  // login costs microseconds instead of 64 MiB and a noticeable fraction of a second. Never
  // for a node that serves real accounts.
  bool minimalPasswordHashing = false;
  // `plexus serve SERVICE`: the one service this process runs ("roomserver", "clientapi", ...);
  // the others are reached at config.cluster's targets and the bus is Redis. Empty: the node.
  std::string service;
};

class Node {
 public:
  // Errors: storage errors (open, migrate), kUnavailable when the client or federation address
  // cannot be bound, kInvalidParam for unusable federation TLS settings.
  static Result<std::unique_ptr<Node>> start(const config::Config& config,
                                             events::ServerIdentity identity,
                                             NodeStartInfo info = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The bound Client-Server API port (useful with port 0).
  std::uint16_t clientPort() const;
  // The bound Server-Server API port; 0 without a federation listener (federation.listen).
  std::uint16_t federationPort() const;
  // The bound metrics port (GET /metrics, /healthz, /readyz); 0 without metrics.listen.
  std::uint16_t metricsPort() const;
  // `plexus serve`: the bound gRPC port of the service (0 for clientapi/federationapi).
  std::uint16_t grpcPort() const;
  // The ID of the key events and requests are signed with.
  std::string signingKeyId() const;
  // Stops listening, lets in-flight requests finish, then stops the services. Idempotent.
  void stop();

  // The services behind the client routes, for in-process callers that build their own Router
  // with clientapi::registerClientRoutes (the client-API fuzzer dispatches without a socket).
  // Valid until stop(); nullptr when the client API is not built into this binary.
  clientapi::ClientApiDeps* clientApiDeps();

  // The services this build wires, e.g. "accountsync keyserver roomserver syncapi clientapi".
  static std::string wiredServices();

 private:
  struct Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace plexus::node
