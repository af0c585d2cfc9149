// ServiceLinks: how the composition root hands each service's interface to its callers
// (DESIGN.md §2). A service is either local — its implementation is in this process — or
// remote — another process of the cluster serves it over gRPC.
//   - plain node: callers get the local implementation itself;
//   - `plexus node --loopback-grpc`: each local implementation is served on its own 127.0.0.1
//     port and callers get a gRPC client of it, so every cross-service call crosses gRPC;
//   - `plexus serve SERVICE`: the one local service is served on cluster.grpc_listen for the
//     other processes, and every other service is a client of its cluster targets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accountsync/api/accountsync_api.h"
#include "federationsender/api/federation_sender_api.h"
#include "keyserver/api/keyserver_api.h"
#include "media/api/media_api.h"
#include "plexus/core/result.h"
#include "plexus/metrics/registry.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::node {

class ServiceLinks {
 public:
  ServiceLinks();
  ~ServiceLinks();
  ServiceLinks(const ServiceLinks&) = delete;
  ServiceLinks& operator=(const ServiceLinks&) = delete;

  // Loopback mode (before any local()); `registry` (may be null) gets the gRPC metrics.
  // Errors: kUnavailable when this build has no gRPC.
  Status useLoopbackGrpc(metrics::Registry* registry);
  // Cluster mode: remote() becomes available; local implementations are given to callers
  // directly (a process serves its own service with serve()). `serverName` tells our room
  // aliases from other servers' (the sharded roomserver resolves those first).
  Status useCluster(metrics::Registry* registry, std::string serverName = {});
  bool loopback() const { return loopback_; }

  // Publishes a local implementation to callers (loopback: through a gRPC client). Errors:
  // kUnavailable when the service has no gRPC binding in this build or its port cannot be bound.
  Status local(accountsync::AccountSyncApi& impl);
  Status local(keyserver::KeyserverApi& impl);
  Status local(media::MediaApi& impl);
  Status local(roomserver::RoomserverApi& impl);
  Status local(federationsender::FederationSenderApi& impl);
  Status local(syncapi::SyncApi& impl);

  // Connects callers to a service of the cluster at `targets` (entry i = shard i). Sharded
  // services take every target, sync-api one per replica; the others exactly one. Errors:
  // kInvalidParam without targets, kUnavailable without a binding.
  Status remote(std::string_view service, const std::vector<std::string>& targets);

  // `plexus serve`: serves the local implementation of `service` on `listen`; the bound port.
  Result<std::uint16_t> serve(std::string_view service, const std::string& listen);

  // Stops every gRPC server (before the implementations behind them go away). Idempotent.
  void stopServers();

  // What callers use; null until the service is linked.
  accountsync::AccountSyncApi* accounts = nullptr;
  keyserver::KeyserverApi* keys = nullptr;
  media::MediaApi* media = nullptr;
  roomserver::RoomserverApi* rooms = nullptr;
  federationsender::FederationSenderApi* sender = nullptr;
  syncapi::SyncApi* sync = nullptr;

  // The gRPC side (servers, adapters, clients); defined in the .cc file.
  struct Grpc;

 private:
  Status remoteRoomShards(const std::vector<std::string>& targets);
  Status remoteSenderShards(const std::vector<std::string>& targets);
  Status remoteSyncReplicas(const std::vector<std::string>& targets);
  std::unique_ptr<Grpc> grpc_;
  std::string serverName_;
  bool loopback_ = false;
};

}  // namespace plexus::node
