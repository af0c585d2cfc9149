// The gRPC bindings of every service, for the composition root: a service adapter over a local
// implementation, and a client implementing the service's interface over a channel. The only
// file of the node that names the binding classes (services/<name>/grpc/). A service whose
// binding is not in this build gives nullptr (the caller reports it).
#pragma once

#if PLEXUS_HAVE_GRPC

#include <grpcpp/channel.h>
#include <grpcpp/impl/service_type.h>

#include <memory>

#include "accountsync/api/accountsync_api.h"
#include "federationsender/api/federation_sender_api.h"
#include "keyserver/api/keyserver_api.h"
#include "media/api/media_api.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::node {

std::unique_ptr<grpc::Service> makeGrpcService(accountsync::AccountSyncApi& api);
std::unique_ptr<grpc::Service> makeGrpcService(keyserver::KeyserverApi& api);
std::unique_ptr<grpc::Service> makeGrpcService(media::MediaApi& api);
std::unique_ptr<grpc::Service> makeGrpcService(roomserver::RoomserverApi& api);
std::unique_ptr<grpc::Service> makeGrpcService(federationsender::FederationSenderApi& api);
std::unique_ptr<grpc::Service> makeGrpcService(syncapi::SyncApi& api);

// Sets `out` to a client over `channel` (nullptr without the binding).
void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel,
                    std::unique_ptr<accountsync::AccountSyncApi>& out);
void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel,
                    std::unique_ptr<keyserver::KeyserverApi>& out);
void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel,
                    std::unique_ptr<media::MediaApi>& out);
void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel,
                    std::unique_ptr<roomserver::RoomserverApi>& out);
void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel,
                    std::unique_ptr<federationsender::FederationSenderApi>& out);
void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel,
                    std::unique_ptr<syncapi::SyncApi>& out);

}  // namespace plexus::node

#endif  // PLEXUS_HAVE_GRPC
