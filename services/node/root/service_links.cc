// ServiceLinks (service_links.h). Every gRPC piece is behind PLEXUS_HAVE_GRPC: a build without
// gRPC still makes plain nodes.
#include "root/service_links.h"

#include <functional>
#include <map>

#include "plexus/log/log.h"

#if PLEXUS_HAVE_GRPC
#include "plexus/grpcutil/rpc_metrics.h"
#include "plexus/grpcutil/server_host.h"
#include "root/grpc_bindings.h"
#include "root/replicated_sync_api.h"
#include "root/sharded_federation_sender.h"
#include "root/sharded_roomserver.h"
#endif

namespace plexus::node {

#if PLEXUS_HAVE_GRPC

struct ServiceLinks::Grpc {
  std::shared_ptr<grpcutil::RpcMetrics> metrics;
  // Adapters and servers (loopback: one per service; serve: one).
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::vector<std::unique_ptr<grpcutil::ServerHost>> hosts;
  // Clients callers use, owned here.
  std::unique_ptr<accountsync::AccountSyncApi> accounts;
  std::unique_ptr<keyserver::KeyserverApi> keys;
  std::unique_ptr<media::MediaApi> media;
  std::unique_ptr<roomserver::RoomserverApi> rooms;
  std::unique_ptr<federationsender::FederationSenderApi> sender;
  std::unique_ptr<syncapi::SyncApi> sync;
  // A sharded roomserver: a client per shard behind the router.
  std::vector<std::unique_ptr<roomserver::RoomserverApi>> roomShards;
  std::unique_ptr<ShardedRoomserver> roomRouter;
  std::vector<std::unique_ptr<federationsender::FederationSenderApi>> senderShards;
  std::unique_ptr<ShardedFederationSender> senderRouter;
  std::vector<std::unique_ptr<syncapi::SyncApi>> syncReplicas;
  std::unique_ptr<ReplicatedSyncApi> syncRouter;
  // The local implementations, for serve().
  std::map<std::string, std::function<std::unique_ptr<grpc::Service>()>> servable;
};

namespace {

Status noBinding(std::string_view service) {
  return fail(ErrorCode::kUnavailable,
              "this build has no gRPC binding for " + std::string(service));
}

}  // namespace

ServiceLinks::ServiceLinks() : grpc_(std::make_unique<Grpc>()) {}
ServiceLinks::~ServiceLinks() { stopServers(); }

Status ServiceLinks::useLoopbackGrpc(metrics::Registry* registry) {
  PLEXUS_TRY_VOID(useCluster(registry));
  loopback_ = true;
  return {};
}

Status ServiceLinks::useCluster(metrics::Registry* registry, std::string serverName) {
  serverName_ = std::move(serverName);
  if (registry && !grpc_->metrics) {
    PLEXUS_TRY(grpc_->metrics, grpcutil::RpcMetrics::create(*registry));
  }
  return {};
}

// Publishes `impl` in `callerSlot`: itself, or (loopback) a client in `clientSlot` of a server
// of its own on 127.0.0.1.
template <typename Api>
static Status link(ServiceLinks::Grpc& grpc, bool loopback, std::string_view name, Api& impl,
                   Api*& callerSlot, std::unique_ptr<Api>& clientSlot) {
  grpc.servable[std::string(name)] = [&impl] { return makeGrpcService(impl); };
  if (!loopback) {
    callerSlot = &impl;
    return {};
  }
  std::unique_ptr<grpc::Service> service = makeGrpcService(impl);
  if (!service) return noBinding(name);
  PLEXUS_TRY(auto host, grpcutil::ServerHost::start("127.0.0.1:0", {service.get()}, grpc.metrics));
  auto channel = grpcutil::connect("127.0.0.1:" + std::to_string(host->port()), grpc.metrics);
  makeGrpcClient(channel, clientSlot);
  if (!clientSlot) return noBinding(name);
  log::debug("service linked over loopback gRPC",
             {{"service", std::string(name)}, {"port", host->port()}});
  grpc.services.push_back(std::move(service));
  grpc.hosts.push_back(std::move(host));
  callerSlot = clientSlot.get();
  return {};
}

// A client of the process serving `name` at `target`.
template <typename Api>
static Status connectTo(ServiceLinks::Grpc& grpc, std::string_view name, const std::string& target,
                        Api*& callerSlot, std::unique_ptr<Api>& clientSlot) {
  makeGrpcClient(grpcutil::connect(target, grpc.metrics), clientSlot);
  if (!clientSlot) return noBinding(name);
  log::info("service linked", {{"service", std::string(name)}, {"target", target}});
  callerSlot = clientSlot.get();
  return {};
}

Status ServiceLinks::local(accountsync::AccountSyncApi& impl) {
  return link(*grpc_, loopback_, "accountsync", impl, accounts, grpc_->accounts);
}
Status ServiceLinks::local(keyserver::KeyserverApi& impl) {
  return link(*grpc_, loopback_, "keyserver", impl, keys, grpc_->keys);
}
Status ServiceLinks::local(media::MediaApi& impl) {
  return link(*grpc_, loopback_, "media", impl, media, grpc_->media);
}
Status ServiceLinks::local(roomserver::RoomserverApi& impl) {
  return link(*grpc_, loopback_, "roomserver", impl, rooms, grpc_->rooms);
}
Status ServiceLinks::local(federationsender::FederationSenderApi& impl) {
  return link(*grpc_, loopback_, "federationsender", impl, sender, grpc_->sender);
}
Status ServiceLinks::local(syncapi::SyncApi& impl) {
  return link(*grpc_, loopback_, "syncapi", impl, sync, grpc_->sync);
}

Status ServiceLinks::remote(std::string_view service, const std::vector<std::string>& targets) {
  if (targets.empty())
    return fail(ErrorCode::kInvalidParam,
                "cluster." + std::string(service) + ": no target for this service");
  if (service == "roomserver" && targets.size() > 1) return remoteRoomShards(targets);
  if (service == "federationsender" && targets.size() > 1) return remoteSenderShards(targets);
  if (service == "syncapi" && targets.size() > 1) return remoteSyncReplicas(targets);
  if (targets.size() > 1)
    return fail(ErrorCode::kInvalidParam,
                "cluster." + std::string(service) + ": sharding is not supported for it yet");
  const std::string& t = targets.front();
  if (service == "accountsync") return connectTo(*grpc_, service, t, accounts, grpc_->accounts);
  if (service == "keyserver") return connectTo(*grpc_, service, t, keys, grpc_->keys);
  if (service == "media") return connectTo(*grpc_, service, t, media, grpc_->media);
  if (service == "roomserver") return connectTo(*grpc_, service, t, rooms, grpc_->rooms);
  if (service == "federationsender") return connectTo(*grpc_, service, t, sender, grpc_->sender);
  if (service == "syncapi") return connectTo(*grpc_, service, t, sync, grpc_->sync);
  return fail(ErrorCode::kInvalidParam, "no such service: " + std::string(service));
}

Status ServiceLinks::remoteRoomShards(const std::vector<std::string>& targets) {
  std::vector<roomserver::RoomserverApi*> shards;
  for (const std::string& target : targets) {
    std::unique_ptr<roomserver::RoomserverApi> client;
    makeGrpcClient(grpcutil::connect(target, grpc_->metrics), client);
    if (!client) return noBinding("roomserver");
    shards.push_back(client.get());
    grpc_->roomShards.push_back(std::move(client));
  }
  // Remote aliases are resolved through the federation sender (linked later, read per call).
  auto resolve = [this](const CallContext& ctx,
                        const std::string& alias) -> Result<roomserver::AliasInfo> {
    if (!sender) return fail(ErrorCode::kNotFound, "no federation to resolve " + alias);
    const auto colon = alias.find(':');
    if (colon == std::string::npos) return fail(ErrorCode::kInvalidParam, "bad alias " + alias);
    PLEXUS_TRY(auto dir, sender->queryDirectory(ctx, alias.substr(colon + 1), alias));
    return roomserver::AliasInfo{dir.roomId, dir.servers};
  };
  grpc_->roomRouter = std::make_unique<ShardedRoomserver>(std::move(shards), serverName_, resolve);
  rooms = grpc_->roomRouter.get();
  log::info("service linked", {{"service", "roomserver"}, {"shards", targets.size()}});
  return {};
}

Status ServiceLinks::remoteSenderShards(const std::vector<std::string>& targets) {
  std::vector<federationsender::FederationSenderApi*> shards;
  for (const std::string& target : targets) {
    std::unique_ptr<federationsender::FederationSenderApi> client;
    makeGrpcClient(grpcutil::connect(target, grpc_->metrics), client);
    if (!client) return noBinding("federationsender");
    shards.push_back(client.get());
    grpc_->senderShards.push_back(std::move(client));
  }
  grpc_->senderRouter = std::make_unique<ShardedFederationSender>(std::move(shards));
  sender = grpc_->senderRouter.get();
  log::info("service linked", {{"service", "federationsender"}, {"shards", targets.size()}});
  return {};
}

Status ServiceLinks::remoteSyncReplicas(const std::vector<std::string>& targets) {
  std::vector<syncapi::SyncApi*> replicas;
  for (const std::string& target : targets) {
    std::unique_ptr<syncapi::SyncApi> client;
    makeGrpcClient(grpcutil::connect(target, grpc_->metrics), client);
    if (!client) return noBinding("syncapi");
    replicas.push_back(client.get());
    grpc_->syncReplicas.push_back(std::move(client));
  }
  grpc_->syncRouter = std::make_unique<ReplicatedSyncApi>(std::move(replicas));
  sync = grpc_->syncRouter.get();
  log::info("service linked", {{"service", "syncapi"}, {"replicas", targets.size()}});
  return {};
}

Result<std::uint16_t> ServiceLinks::serve(std::string_view service, const std::string& listen) {
  auto it = grpc_->servable.find(std::string(service));
  if (it == grpc_->servable.end())
    return fail(ErrorCode::kInternal, std::string(service) + " is not local");
  std::unique_ptr<grpc::Service> adapter = it->second();
  if (!adapter) return noBinding(service).takeError();
  PLEXUS_TRY(auto host, grpcutil::ServerHost::start(listen, {adapter.get()}, grpc_->metrics));
  const std::uint16_t port = host->port();
  grpc_->services.push_back(std::move(adapter));
  grpc_->hosts.push_back(std::move(host));
  return port;
}

void ServiceLinks::stopServers() {
  if (!grpc_) return;
  for (auto& host : grpc_->hosts) host->stop();
}

#else  // !PLEXUS_HAVE_GRPC

struct ServiceLinks::Grpc {};

ServiceLinks::ServiceLinks() = default;
ServiceLinks::~ServiceLinks() = default;

Status ServiceLinks::useLoopbackGrpc(metrics::Registry*) {
  return fail(ErrorCode::kUnavailable, "this build has no gRPC (--loopback-grpc)");
}
Status ServiceLinks::useCluster(metrics::Registry*, std::string serverName) {
  serverName_ = std::move(serverName);
  return fail(ErrorCode::kUnavailable, "this build has no gRPC (plexus serve)");
}
Status ServiceLinks::local(accountsync::AccountSyncApi& impl) {
  accounts = &impl;
  return {};
}
Status ServiceLinks::local(keyserver::KeyserverApi& impl) {
  keys = &impl;
  return {};
}
Status ServiceLinks::local(media::MediaApi& impl) {
  media = &impl;
  return {};
}
Status ServiceLinks::local(roomserver::RoomserverApi& impl) {
  rooms = &impl;
  return {};
}
Status ServiceLinks::local(federationsender::FederationSenderApi& impl) {
  sender = &impl;
  return {};
}
Status ServiceLinks::local(syncapi::SyncApi& impl) {
  sync = &impl;
  return {};
}
Status ServiceLinks::remote(std::string_view, const std::vector<std::string>&) {
  return fail(ErrorCode::kUnavailable, "this build has no gRPC");
}
Status ServiceLinks::remoteRoomShards(const std::vector<std::string>&) {
  return fail(ErrorCode::kUnavailable, "this build has no gRPC");
}
Status ServiceLinks::remoteSenderShards(const std::vector<std::string>&) {
  return fail(ErrorCode::kUnavailable, "this build has no gRPC");
}
Status ServiceLinks::remoteSyncReplicas(const std::vector<std::string>&) {
  return fail(ErrorCode::kUnavailable, "this build has no gRPC");
}
Result<std::uint16_t> ServiceLinks::serve(std::string_view, const std::string&) {
  return fail(ErrorCode::kUnavailable, "this build has no gRPC");
}
void ServiceLinks::stopServers() {}

#endif  // PLEXUS_HAVE_GRPC

}  // namespace plexus::node
