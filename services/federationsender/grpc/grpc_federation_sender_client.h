// GrpcFederationSenderClient: FederationSenderApi over gRPC — the client half of the federation
// sender's gRPC binding. Each call becomes one unary RPC with the CallContext's deadline, trace
// ID and caller; a failed RPC returns the server's Error unchanged (same ErrorCode, errcode and
// message), and transport failures are kUnavailable (libs/grpcutil status.h). The GET-style
// requests (query*, and make_join / make_leave / make_knock, which only ask for a template) are
// retried after transport failures (grpcutil::unaryCall); the rest, which act on a remote server
// or queue an EDU, are sent once. Thread-safe, like the channel.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "federationsender/api/federation_sender_api.h"
#include "plexus/federationsender/v1/federationsender.grpc.pb.h"

namespace plexus::federationsender {

class GrpcFederationSenderClient final : public FederationSenderApi {
 public:
  // Talks to the federation sender behind `channel` (e.g. grpcutil::makeInsecureChannel, whose
  // message limit fits remote media).
  explicit GrpcFederationSenderClient(const std::shared_ptr<grpc::ChannelInterface>& channel);
  // Over any stub (tests).
  explicit GrpcFederationSenderClient(
      std::unique_ptr<v1::FederationSenderService::StubInterface> stub);

  // FederationSenderApi
  Result<MakeMembershipResponse> performMakeJoin(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override;
  Result<SendJoinResponse> performSendJoin(const CallContext& ctx, const std::string& destination,
                                           const SendJoinRequest& request) override;
  Result<MakeMembershipResponse> performMakeLeave(const CallContext& ctx,
                                                  const std::string& destination,
                                                  const std::string& roomId,
                                                  const std::string& userId) override;
  Status performSendLeave(const CallContext& ctx, const std::string& destination,
                          const std::string& roomId, const std::string& eventId,
                          const json::Object& event) override;
  Result<MakeMembershipResponse> performMakeKnock(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override;
  Result<std::vector<json::Object>> performSendKnock(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& roomId,
                                                     const std::string& eventId,
                                                     const json::Object& event) override;
  Result<json::Object> performSendInvite(const CallContext& ctx, const std::string& destination,
                                         const SendInviteRequest& request) override;
  Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext& ctx, const std::string& destination,
      const MissingEventsRequest& request) override;
  Result<StateIdsResponse> queryStateIds(const CallContext& ctx, const std::string& destination,
                                         const std::string& roomId,
                                         const std::string& eventId) override;
  Result<StateResponse> queryState(const CallContext& ctx, const std::string& destination,
                                   const std::string& roomId, const std::string& eventId) override;
  Result<json::Object> queryEvent(const CallContext& ctx, const std::string& destination,
                                  const std::string& eventId) override;
  Result<std::vector<json::Object>> queryEventAuth(const CallContext& ctx,
                                                   const std::string& destination,
                                                   const std::string& roomId,
                                                   const std::string& eventId) override;
  Result<std::vector<json::Object>> queryBackfill(const CallContext& ctx,
                                                  const std::string& destination,
                                                  const BackfillRequest& request) override;
  Result<json::Object> queryProfile(const CallContext& ctx, const std::string& destination,
                                    const std::string& userId,
                                    const std::optional<std::string>& field) override;
  Result<DirectoryResponse> queryDirectory(const CallContext& ctx, const std::string& destination,
                                           const std::string& roomAlias) override;
  Result<json::Object> queryUserDevices(const CallContext& ctx, const std::string& destination,
                                        const std::string& userId) override;
  Result<json::Object> queryUserKeys(const CallContext& ctx, const std::string& destination,
                                     const json::Object& deviceKeys) override;
  Result<json::Object> performClaimKeys(const CallContext& ctx, const std::string& destination,
                                        const json::Object& oneTimeKeys) override;
  Result<json::Object> queryPublicRooms(const CallContext& ctx, const std::string& destination,
                                        const json::Object& request) override;
  Result<RemoteMediaFile> queryMediaDownload(const CallContext& ctx, const std::string& destination,
                                             const std::string& mediaId,
                                             std::int64_t maxBytes) override;
  Result<RemoteMediaFile> queryMediaThumbnail(const CallContext& ctx,
                                              const std::string& destination,
                                              const MediaThumbnailQuery& query,
                                              std::int64_t maxBytes) override;
  Status performSendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                        const Edu& edu) override;

 private:
  std::unique_ptr<v1::FederationSenderService::StubInterface> stub_;
};

}  // namespace plexus::federationsender
