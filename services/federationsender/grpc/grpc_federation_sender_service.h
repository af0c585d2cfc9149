// GrpcFederationSenderService: the server half of the federation sender's gRPC binding. Adapts
// any FederationSenderApi (normally the in-process FederationSenderService) to the generated
// plexus.federationsender.v1.FederationSenderService: each RPC converts its request, calls the
// implementation with the caller's deadline, trace ID and caller, and answers the result or the
// Error (errcode in trailing metadata, grpcutil). A request whose `*_json` field is not a JSON
// object is answered kBadJson without calling the implementation. Register it with a
// grpc::ServerBuilder (after grpcutil::configureServerBuilder). Thread-safe when the
// FederationSenderApi is.
#pragma once

#include "federationsender/api/federation_sender_api.h"
#include "plexus/federationsender/v1/federationsender.grpc.pb.h"

namespace plexus::federationsender {

class GrpcFederationSenderService final : public v1::FederationSenderService::Service {
 public:
  // `api` must outlive the server this service is registered with.
  explicit GrpcFederationSenderService(FederationSenderApi& api) : api_(api) {}

  // v1::FederationSenderService::Service
  grpc::Status PerformMakeJoin(grpc::ServerContext* server,
                               const v1::MakeMembershipRequest* request,
                               v1::MakeMembershipResponse* response) override;
  grpc::Status PerformSendJoin(grpc::ServerContext* server,
                               const v1::PerformSendJoinRequest* request,
                               v1::SendJoinResponse* response) override;
  grpc::Status PerformMakeLeave(grpc::ServerContext* server,
                                const v1::MakeMembershipRequest* request,
                                v1::MakeMembershipResponse* response) override;
  grpc::Status PerformSendLeave(grpc::ServerContext* server,
                                const v1::SendMembershipEventRequest* request,
                                v1::PerformSendLeaveResponse* response) override;
  grpc::Status PerformMakeKnock(grpc::ServerContext* server,
                                const v1::MakeMembershipRequest* request,
                                v1::MakeMembershipResponse* response) override;
  grpc::Status PerformSendKnock(grpc::ServerContext* server,
                                const v1::SendMembershipEventRequest* request,
                                v1::Events* response) override;
  grpc::Status PerformSendInvite(grpc::ServerContext* server,
                                 const v1::PerformSendInviteRequest* request,
                                 v1::JsonObject* response) override;
  grpc::Status QueryMissingEvents(grpc::ServerContext* server,
                                  const v1::QueryMissingEventsRequest* request,
                                  v1::Events* response) override;
  grpc::Status QueryStateIds(grpc::ServerContext* server, const v1::RoomEventRequest* request,
                             v1::StateIdsResponse* response) override;
  grpc::Status QueryState(grpc::ServerContext* server, const v1::RoomEventRequest* request,
                          v1::StateResponse* response) override;
  grpc::Status QueryEvent(grpc::ServerContext* server, const v1::QueryEventRequest* request,
                          v1::JsonObject* response) override;
  grpc::Status QueryEventAuth(grpc::ServerContext* server, const v1::RoomEventRequest* request,
                              v1::Events* response) override;
  grpc::Status QueryBackfill(grpc::ServerContext* server, const v1::QueryBackfillRequest* request,
                             v1::Events* response) override;
  grpc::Status QueryProfile(grpc::ServerContext* server, const v1::QueryProfileRequest* request,
                            v1::JsonObject* response) override;
  grpc::Status QueryDirectory(grpc::ServerContext* server, const v1::QueryDirectoryRequest* request,
                              v1::DirectoryResponse* response) override;
  grpc::Status QueryUserDevices(grpc::ServerContext* server,
                                const v1::QueryUserDevicesRequest* request,
                                v1::JsonObject* response) override;
  grpc::Status QueryUserKeys(grpc::ServerContext* server, const v1::DestinationJsonRequest* request,
                             v1::JsonObject* response) override;
  grpc::Status PerformClaimKeys(grpc::ServerContext* server,
                                const v1::DestinationJsonRequest* request,
                                v1::JsonObject* response) override;
  grpc::Status QueryPublicRooms(grpc::ServerContext* server,
                                const v1::DestinationJsonRequest* request,
                                v1::JsonObject* response) override;
  grpc::Status QueryMediaDownload(grpc::ServerContext* server,
                                  const v1::QueryMediaDownloadRequest* request,
                                  v1::RemoteMediaFile* response) override;
  grpc::Status QueryMediaThumbnail(grpc::ServerContext* server,
                                   const v1::QueryMediaThumbnailRequest* request,
                                   v1::RemoteMediaFile* response) override;
  grpc::Status PerformSendEdu(grpc::ServerContext* server, const v1::PerformSendEduRequest* request,
                              v1::PerformSendEduResponse* response) override;

 private:
  FederationSenderApi& api_;
};

}  // namespace plexus::federationsender
