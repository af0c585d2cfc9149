// Per-method gRPC metrics for every process (DESIGN.md §7): a server interceptor counts and
// times each handled call, a client interceptor each call made, labelled by service, method and
// status code — bounded sets (the contracts in proto/), never request contents.
//   plexus_grpc_server_handled_total{service,method,code}
//   plexus_grpc_server_handling_seconds{service,method}            (histogram)
//   plexus_grpc_client_handled_total{service,method,code}
//   plexus_grpc_client_handling_seconds{service,method}            (histogram)
#pragma once

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/metrics/registry.h"

namespace plexus::grpcutil {

class RpcMetrics {
 public:
  // Registers the families in `registry` (which must outlive this object and every server or
  // channel given its interceptors).
  static Result<std::shared_ptr<RpcMetrics>> create(metrics::Registry& registry);

  // Counts one finished call. `fullMethod` is gRPC's "/package.Service/Method".
  void recordServer(std::string_view fullMethod, int code, double seconds);
  void recordClient(std::string_view fullMethod, int code, double seconds);

  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> serverInterceptor();
  std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> clientInterceptor();

  // "/plexus.media.v1.MediaService/QueryMedia" -> {"plexus.media.v1.MediaService", "QueryMedia"}.
  static std::pair<std::string, std::string> splitMethod(std::string_view fullMethod);

 private:
  RpcMetrics() = default;
  metrics::CounterFamily serverHandled_;
  metrics::HistogramFamily serverSeconds_;
  metrics::CounterFamily clientHandled_;
  metrics::HistogramFamily clientSeconds_;
};

}  // namespace plexus::grpcutil
