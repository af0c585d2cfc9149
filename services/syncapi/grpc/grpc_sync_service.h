// GrpcSyncService: the server half of the sync-api service's gRPC binding. Adapts any SyncApi
// (normally the in-process SyncService) to the generated plexus.syncapi.v1.SyncApiService: each
// RPC converts its request, calls the implementation with the caller's deadline, trace ID and
// caller, and answers the result or the Error (errcode in trailing metadata, grpcutil).
// QuerySync is a callback (reactor) method served through SyncApi::querySyncAsync: a waiting
// /sync holds no server thread, and the reactor finishes from the implementation's callback;
// when the client cancels (or its deadline passes), the wait is cancelled too. The other RPCs
// are ordinary synchronous methods. Register it with a grpc::ServerBuilder (after
// grpcutil::configureServerBuilder). Thread-safe when the SyncApi is.
#pragma once

#include "plexus/syncapi/v1/syncapi.grpc.pb.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::syncapi {

using GrpcSyncServiceBase =
    v1::SyncApiService::WithCallbackMethod_QuerySync<v1::SyncApiService::Service>;

class GrpcSyncService final : public GrpcSyncServiceBase {
 public:
  // `api` must outlive the server this service is registered with.
  explicit GrpcSyncService(SyncApi& api) : api_(api) {}

  // v1::SyncApiService (QuerySync: the callback form)
  using GrpcSyncServiceBase::QuerySync;
  grpc::ServerUnaryReactor* QuerySync(grpc::CallbackServerContext* server,
                                      const v1::QuerySyncRequest* request,
                                      v1::JsonBody* response) override;
  grpc::Status PerformCreateFilter(grpc::ServerContext* server,
                                   const v1::PerformCreateFilterRequest* request,
                                   v1::PerformCreateFilterResponse* response) override;
  grpc::Status QueryFilter(grpc::ServerContext* server, const v1::QueryFilterRequest* request,
                           v1::JsonBody* response) override;
  grpc::Status QueryMessages(grpc::ServerContext* server, const v1::MessagesRequest* request,
                             v1::JsonBody* response) override;
  grpc::Status QueryContext(grpc::ServerContext* server, const v1::ContextRequest* request,
                            v1::JsonBody* response) override;
  grpc::Status QueryEventForUser(grpc::ServerContext* server,
                                 const v1::QueryEventForUserRequest* request,
                                 v1::JsonBody* response) override;
  grpc::Status QueryRelations(grpc::ServerContext* server, const v1::RelationsRequest* request,
                              v1::JsonBody* response) override;
  grpc::Status QueryThreads(grpc::ServerContext* server, const v1::ThreadsRequest* request,
                            v1::JsonBody* response) override;
  grpc::Status PerformSearch(grpc::ServerContext* server, const v1::PerformSearchRequest* request,
                             v1::JsonBody* response) override;
  grpc::Status QueryTimestampToEvent(grpc::ServerContext* server,
                                     const v1::QueryTimestampToEventRequest* request,
                                     v1::JsonBody* response) override;
  grpc::Status QueryNotifications(grpc::ServerContext* server,
                                  const v1::QueryNotificationsRequest* request,
                                  v1::JsonBody* response) override;
  grpc::Status PerformTyping(grpc::ServerContext* server, const v1::TypingRequest* request,
                             v1::Empty* response) override;
  grpc::Status PerformReceipt(grpc::ServerContext* server, const v1::ReceiptRequest* request,
                              v1::Empty* response) override;
  grpc::Status PerformSetPresence(grpc::ServerContext* server,
                                  const v1::PerformSetPresenceRequest* request,
                                  v1::Empty* response) override;
  grpc::Status QueryPresence(grpc::ServerContext* server, const v1::QueryPresenceRequest* request,
                             v1::PresenceStatus* response) override;
  grpc::Status PerformSendToDevice(grpc::ServerContext* server,
                                   const v1::SendToDeviceRequest* request,
                                   v1::Empty* response) override;
  grpc::Status InputAccountData(grpc::ServerContext* server,
                                const v1::InputAccountDataRequest* request,
                                v1::Empty* response) override;
  grpc::Status InputDeviceListChange(grpc::ServerContext* server,
                                     const v1::InputDeviceListChangeRequest* request,
                                     v1::Empty* response) override;
  grpc::Status QueryKeyChanges(grpc::ServerContext* server,
                               const v1::QueryKeyChangesRequest* request,
                               v1::KeyChanges* response) override;

 private:
  SyncApi& api_;
};

}  // namespace plexus::syncapi
