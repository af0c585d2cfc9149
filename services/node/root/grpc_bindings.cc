// grpc_bindings.h: PLEXUS_NODE_GRPC_<SERVICE> says which bindings this build links.
#include "root/grpc_bindings.h"

#if PLEXUS_HAVE_GRPC

#if PLEXUS_NODE_GRPC_ACCOUNTSYNC
#include "accountsync/grpc/grpc_accountsync_client.h"
#include "accountsync/grpc/grpc_accountsync_service.h"
#endif
#if PLEXUS_NODE_GRPC_KEYSERVER
#include "keyserver/grpc/grpc_keyserver_client.h"
#include "keyserver/grpc/grpc_keyserver_service.h"
#endif
#if PLEXUS_NODE_GRPC_MEDIA
#include "media/grpc/grpc_media_client.h"
#include "media/grpc/grpc_media_service.h"
#endif
#if PLEXUS_NODE_GRPC_ROOMSERVER
#include "roomserver/grpc/grpc_roomserver_client.h"
#include "roomserver/grpc/grpc_roomserver_service.h"
#endif
#if PLEXUS_NODE_GRPC_FEDERATIONSENDER
#include "federationsender/grpc/grpc_federation_sender_client.h"
#include "federationsender/grpc/grpc_federation_sender_service.h"
#endif
#if PLEXUS_NODE_GRPC_SYNCAPI
#include "syncapi/grpc/grpc_sync_client.h"
#include "syncapi/grpc/grpc_sync_service.h"
#endif

namespace plexus::node {

// One service's pair, or its absence.
#define PLEXUS_BINDING(Api, AdapterClass, ClientClass)                                            \
  std::unique_ptr<grpc::Service> makeGrpcService(Api& api) {                                      \
    return std::make_unique<AdapterClass>(api);                                                   \
  }                                                                                               \
  void makeGrpcClient(const std::shared_ptr<grpc::Channel>& channel, std::unique_ptr<Api>& out) { \
    out = std::make_unique<ClientClass>(channel);                                                 \
  }
#define PLEXUS_NO_BINDING(Api)                                                            \
  std::unique_ptr<grpc::Service> makeGrpcService(Api&) { return nullptr; }                \
  void makeGrpcClient(const std::shared_ptr<grpc::Channel>&, std::unique_ptr<Api>& out) { \
    out = nullptr;                                                                        \
  }

#if PLEXUS_NODE_GRPC_ACCOUNTSYNC
PLEXUS_BINDING(accountsync::AccountSyncApi, accountsync::GrpcAccountSyncService,
               accountsync::GrpcAccountSyncClient)
#else
PLEXUS_NO_BINDING(accountsync::AccountSyncApi)
#endif
#if PLEXUS_NODE_GRPC_KEYSERVER
PLEXUS_BINDING(keyserver::KeyserverApi, keyserver::GrpcKeyserverService,
               keyserver::GrpcKeyserverClient)
#else
PLEXUS_NO_BINDING(keyserver::KeyserverApi)
#endif
#if PLEXUS_NODE_GRPC_MEDIA
PLEXUS_BINDING(media::MediaApi, media::GrpcMediaService, media::GrpcMediaClient)
#else
PLEXUS_NO_BINDING(media::MediaApi)
#endif
#if PLEXUS_NODE_GRPC_ROOMSERVER
PLEXUS_BINDING(roomserver::RoomserverApi, roomserver::GrpcRoomserverService,
               roomserver::GrpcRoomserverClient)
#else
PLEXUS_NO_BINDING(roomserver::RoomserverApi)
#endif
#if PLEXUS_NODE_GRPC_FEDERATIONSENDER
PLEXUS_BINDING(federationsender::FederationSenderApi, federationsender::GrpcFederationSenderService,
               federationsender::GrpcFederationSenderClient)
#else
PLEXUS_NO_BINDING(federationsender::FederationSenderApi)
#endif
#if PLEXUS_NODE_GRPC_SYNCAPI
PLEXUS_BINDING(syncapi::SyncApi, syncapi::GrpcSyncService, syncapi::GrpcSyncClient)
#else
PLEXUS_NO_BINDING(syncapi::SyncApi)
#endif

#undef PLEXUS_BINDING
#undef PLEXUS_NO_BINDING

}  // namespace plexus::node

#endif  // PLEXUS_HAVE_GRPC
