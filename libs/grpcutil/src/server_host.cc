// ServerHost and connect() (server_host.h).
#include "plexus/grpcutil/server_host.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "plexus/grpcutil/channel.h"

namespace plexus::grpcutil {

Result<std::unique_ptr<ServerHost>> ServerHost::start(const std::string& listen,
                                                      std::vector<grpc::Service*> services,
                                                      std::shared_ptr<RpcMetrics> metrics) {
  if (listen.empty() || listen.rfind(':') == std::string::npos)
    return fail(ErrorCode::kInvalidParam, "gRPC listen address is not HOST:PORT: " + listen);
  grpc::ServerBuilder builder;
  configureServerBuilder(builder);
  // The synchronous server lets a worker exit when more than MAX_POLLERS are idle and starts a
  // new one when all are busy: under steady load that is a thread created and destroyed per
  // burst. Keeping more pollers parked (cheap: they block on the completion queue) avoids it.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 16);
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  if (metrics) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(metrics->serverInterceptor());
    builder.experimental().SetInterceptorCreators(std::move(factories));
  }
  std::unique_ptr<ServerHost> host(new ServerHost());
  host->server_ = builder.BuildAndStart();
  if (!host->server_ || port <= 0)
    return fail(ErrorCode::kUnavailable, "cannot serve gRPC on " + listen);
  host->port_ = static_cast<std::uint16_t>(port);
  return host;
}

ServerHost::~ServerHost() { stop(); }

void ServerHost::stop(std::chrono::milliseconds grace) {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

std::shared_ptr<grpc::Channel> connect(const std::string& target,
                                       const std::shared_ptr<RpcMetrics>& metrics) {
  if (!metrics) return makeInsecureChannel(target);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(metrics->clientInterceptor());
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), channelArguments(), std::move(factories));
}

}  // namespace plexus::grpcutil
