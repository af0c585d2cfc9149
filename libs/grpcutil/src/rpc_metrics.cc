// RpcMetrics (rpc_metrics.h): the interceptors note the start of a call when they are created
// and record it when the status is known (server: status sent; client: status received).
#include "plexus/grpcutil/rpc_metrics.h"

#include <chrono>

namespace plexus::grpcutil {
namespace {

using Clock = std::chrono::steady_clock;
namespace exp = grpc::experimental;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string codeName(int code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) return kNames[code];
  return "OTHER";
}

class ServerInterceptor final : public exp::Interceptor {
 public:
  ServerInterceptor(RpcMetrics& metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)) {}
  void Intercept(exp::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(exp::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.recordServer(method_, static_cast<int>(methods->GetSendStatus().error_code()),
                            secondsSince(start_));
    }
    methods->Proceed();
  }

 private:
  RpcMetrics& metrics_;
  std::string method_;
  Clock::time_point start_ = Clock::now();
};

class ServerFactory final : public exp::ServerInterceptorFactoryInterface {
 public:
  explicit ServerFactory(RpcMetrics& metrics) : metrics_(metrics) {}
  exp::Interceptor* CreateServerInterceptor(exp::ServerRpcInfo* info) override {
    return new ServerInterceptor(metrics_, info->method());
  }

 private:
  RpcMetrics& metrics_;
};

class ClientInterceptor final : public exp::Interceptor {
 public:
  ClientInterceptor(RpcMetrics& metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)) {}
  void Intercept(exp::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(exp::InterceptionHookPoints::POST_RECV_STATUS)) {
      metrics_.recordClient(method_, static_cast<int>(methods->GetRecvStatus()->error_code()),
                            secondsSince(start_));
    }
    methods->Proceed();
  }

 private:
  RpcMetrics& metrics_;
  std::string method_;
  Clock::time_point start_ = Clock::now();
};

class ClientFactory final : public exp::ClientInterceptorFactoryInterface {
 public:
  explicit ClientFactory(RpcMetrics& metrics) : metrics_(metrics) {}
  exp::Interceptor* CreateClientInterceptor(exp::ClientRpcInfo* info) override {
    return new ClientInterceptor(metrics_, info->method() ? info->method() : "");
  }

 private:
  RpcMetrics& metrics_;
};

void record(const metrics::CounterFamily& handled, const metrics::HistogramFamily& seconds,
            std::string_view fullMethod, int code, double elapsed) {
  auto [service, method] = RpcMetrics::splitMethod(fullMethod);
  if (auto c = handled.add({{"service", service}, {"method", method}, {"code", codeName(code)}});
      c.ok())
    c.value().inc();
  if (auto h = seconds.add({{"service", service}, {"method", method}}); h.ok())
    h.value().observe(elapsed);
}

}  // namespace

Result<std::shared_ptr<RpcMetrics>> RpcMetrics::create(metrics::Registry& registry) {
  std::shared_ptr<RpcMetrics> m(new RpcMetrics());
  PLEXUS_TRY(m->serverHandled_,
             registry.registerCounter("plexus_grpc_server_handled_total",
                                      "gRPC calls this process served, by method and status"));
  PLEXUS_TRY(m->serverSeconds_,
             registry.registerHistogram("plexus_grpc_server_handling_seconds",
                                        "Time from a gRPC call's arrival to its status"));
  PLEXUS_TRY(m->clientHandled_,
             registry.registerCounter("plexus_grpc_client_handled_total",
                                      "gRPC calls this process made, by method and status"));
  PLEXUS_TRY(m->clientSeconds_,
             registry.registerHistogram("plexus_grpc_client_handling_seconds",
                                        "Time from a gRPC call's start to its status"));
  return m;
}

void RpcMetrics::recordServer(std::string_view fullMethod, int code, double seconds) {
  record(serverHandled_, serverSeconds_, fullMethod, code, seconds);
}

void RpcMetrics::recordClient(std::string_view fullMethod, int code, double seconds) {
  record(clientHandled_, clientSeconds_, fullMethod, code, seconds);
}

std::unique_ptr<exp::ServerInterceptorFactoryInterface> RpcMetrics::serverInterceptor() {
  return std::make_unique<ServerFactory>(*this);
}

std::unique_ptr<exp::ClientInterceptorFactoryInterface> RpcMetrics::clientInterceptor() {
  return std::make_unique<ClientFactory>(*this);
}

std::pair<std::string, std::string> RpcMetrics::splitMethod(std::string_view fullMethod) {
  if (!fullMethod.empty() && fullMethod.front() == '/') fullMethod.remove_prefix(1);
  auto slash = fullMethod.find('/');
  if (slash == std::string_view::npos) return {"unknown", std::string(fullMethod)};
  return {std::string(fullMethod.substr(0, slash)), std::string(fullMethod.substr(slash + 1))};
}

}  // namespace plexus::grpcutil
