// A FederationSenderApi for the benchmarks: make_join and send_join are answered by handlers the
// benchmark sets (the remote room it generated); every other request fails with kUnavailable, so
// a benchmark that needs no fetches notices when the roomserver asks for one.
#pragma once

#include <atomic>
#include <functional>

#include "federationsender/api/federation_sender_api.h"

namespace plexus::fedbench {

class BenchFederation final : public federationsender::FederationSenderApi {
 public:
  std::function<Result<federationsender::MakeMembershipResponse>(const std::string& roomId,
                                                                 const std::string& userId)>
      makeJoin;
  std::function<Result<federationsender::SendJoinResponse>(
      const federationsender::SendJoinRequest& request)>
      sendJoin;
  std::atomic<int> otherRequests{0};  // requests the benchmark did not expect

  Result<federationsender::MakeMembershipResponse> performMakeJoin(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override;
  Result<federationsender::SendJoinResponse> performSendJoin(
      const CallContext& ctx, const std::string& destination,
      const federationsender::SendJoinRequest& request) override;
  Result<federationsender::MakeMembershipResponse> performMakeLeave(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId) override;
  Status performSendLeave(const CallContext& ctx, const std::string& destination,
                          const std::string& roomId, const std::string& eventId,
                          const json::Object& event) override;
  Result<federationsender::MakeMembershipResponse> performMakeKnock(
      const CallContext& ctx, const std::string& destination, const std::string& roomId,
      const std::string& userId, const std::vector<std::string>& supportedVersions) override;
  Result<std::vector<json::Object>> performSendKnock(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& roomId,
                                                     const std::string& eventId,
                                                     const json::Object& event) override;
  Result<json::Object> performSendInvite(
      const CallContext& ctx, const std::string& destination,
      const federationsender::SendInviteRequest& request) override;
  Result<std::vector<json::Object>> queryMissingEvents(
      const CallContext& ctx, const std::string& destination,
      const federationsender::MissingEventsRequest& request) override;
  Result<federationsender::StateIdsResponse> queryStateIds(const CallContext& ctx,
                                                           const std::string& destination,
                                                           const std::string& roomId,
                                                           const std::string& eventId) override;
  Result<federationsender::StateResponse> queryState(const CallContext& ctx,
                                                     const std::string& destination,
                                                     const std::string& roomId,
                                                     const std::string& eventId) override;
  Result<json::Object> queryEvent(const CallContext& ctx, const std::string& destination,
                                  const std::string& eventId) override;
  Result<std::vector<json::Object>> queryEventAuth(const CallContext& ctx,
                                                   const std::string& destination,
                                                   const std::string& roomId,
                                                   const std::string& eventId) override;
  Result<std::vector<json::Object>> queryBackfill(
      const CallContext& ctx, const std::string& destination,
      const federationsender::BackfillRequest& request) override;
  Result<json::Object> queryProfile(const CallContext& ctx, const std::string& destination,
                                    const std::string& userId,
                                    const std::optional<std::string>& field) override;
  Result<federationsender::DirectoryResponse> queryDirectory(const CallContext& ctx,
                                                             const std::string& destination,
                                                             const std::string& roomAlias) override;
  Result<json::Object> queryUserDevices(const CallContext& ctx, const std::string& destination,
                                        const std::string& userId) override;
  Result<json::Object> queryUserKeys(const CallContext& ctx, const std::string& destination,
                                     const json::Object& deviceKeys) override;
  Result<json::Object> performClaimKeys(const CallContext& ctx, const std::string& destination,
                                        const json::Object& oneTimeKeys) override;
  Result<json::Object> queryPublicRooms(const CallContext& ctx, const std::string& destination,
                                        const json::Object& request) override;
  Result<federationsender::RemoteMediaFile> queryMediaDownload(const CallContext&,
                                                               const std::string&,
                                                               const std::string&,
                                                               std::int64_t) override {
    return fail(ErrorCode::kUnavailable, "media is not part of the benchmark");
  }
  Result<federationsender::RemoteMediaFile> queryMediaThumbnail(
      const CallContext&, const std::string&, const federationsender::MediaThumbnailQuery&,
      std::int64_t) override {
    return fail(ErrorCode::kUnavailable, "media is not part of the benchmark");
  }
  Status performSendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                        const federationsender::Edu& edu) override;

 private:
  Unexpected unexpected(const char* what);
};

}  // namespace plexus::fedbench
