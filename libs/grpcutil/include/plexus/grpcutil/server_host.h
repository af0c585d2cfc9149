// ServerHost: one running grpc::Server serving some services' adapters on "HOST:PORT" (port 0
// picks a free one), with the binding-wide limits (channel.h) and, when given, per-method
// metrics (rpc_metrics.h). Used by `plexus serve` (one service) and `plexus node
// --loopback-grpc` (each service on its own loopback port). Channels for calling such servers
// come from connect().
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/grpcutil/rpc_metrics.h"

namespace plexus::grpcutil {

class ServerHost {
 public:
  // `services` must outlive the host. Errors: kUnavailable when the address cannot be bound,
  // kInvalidParam for an address that is not HOST:PORT.
  static Result<std::unique_ptr<ServerHost>> start(const std::string& listen,
                                                   std::vector<grpc::Service*> services,
                                                   std::shared_ptr<RpcMetrics> metrics = nullptr);
  ~ServerHost();
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  std::uint16_t port() const { return port_; }
  // Stops accepting calls and waits up to `grace` for running ones (then cancels them).
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  ServerHost() = default;
  std::unique_ptr<grpc::Server> server_;
  std::uint16_t port_ = 0;
};

// A plain-text channel to `target` ("host:port", or any gRPC target such as "dns:///svc:9100")
// with the binding limits and, when given, the client metrics interceptor.
std::shared_ptr<grpc::Channel> connect(const std::string& target,
                                       const std::shared_ptr<RpcMetrics>& metrics = nullptr);

}  // namespace plexus::grpcutil
