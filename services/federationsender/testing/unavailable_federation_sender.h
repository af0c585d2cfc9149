// UnavailableFederationSender: a FederationSenderApi whose every call fails with kUnavailable
// ("not faked"), and whose EDUs are dropped. Other services' tests derive their doubles from it
// and override only the calls they script. Header-only; for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "federationsender/api/federation_sender_api.h"

namespace plexus::federationsender::testing {

class UnavailableFederationSender : public FederationSenderApi {
 public:
  Result<MakeMembershipResponse> performMakeJoin(const CallContext&, const std::string&,
                                                 const std::string&, const std::string&,
                                                 const std::vector<std::string>&) override {
    return notFaked();
  }
  Result<SendJoinResponse> performSendJoin(const CallContext&, const std::string&,
                                           const SendJoinRequest&) override {
    return notFaked();
  }
  Result<MakeMembershipResponse> performMakeLeave(const CallContext&, const std::string&,
                                                  const std::string&, const std::string&) override {
    return notFaked();
  }
  Status performSendLeave(const CallContext&, const std::string&, const std::string&,
                          const std::string&, const json::Object&) override {
    return notFaked();
  }
  Result<MakeMembershipResponse> performMakeKnock(const CallContext&, const std::string&,
                                                  const std::string&, const std::string&,
                                                  const std::vector<std::string>&) override {
    return notFaked();
  }
  Result<std::vector<json::Object>> performSendKnock(const CallContext&, const std::string&,
                                                     const std::string&, const std::string&,
                                                     const json::Object&) override {
    return notFaked();
  }
  Result<json::Object> performSendInvite(const CallContext&, const std::string&,
                                         const SendInviteRequest&) override {
    return notFaked();
  }
  Result<std::vector<json::Object>> queryMissingEvents(const CallContext&, const std::string&,
                                                       const MissingEventsRequest&) override {
    return notFaked();
  }
  Result<StateIdsResponse> queryStateIds(const CallContext&, const std::string&, const std::string&,
                                         const std::string&) override {
    return notFaked();
  }
  Result<StateResponse> queryState(const CallContext&, const std::string&, const std::string&,
                                   const std::string&) override {
    return notFaked();
  }
  Result<json::Object> queryEvent(const CallContext&, const std::string&,
                                  const std::string&) override {
    return notFaked();
  }
  Result<std::vector<json::Object>> queryEventAuth(const CallContext&, const std::string&,
                                                   const std::string&,
                                                   const std::string&) override {
    return notFaked();
  }
  Result<std::vector<json::Object>> queryBackfill(const CallContext&, const std::string&,
                                                  const BackfillRequest&) override {
    return notFaked();
  }
  Result<json::Object> queryProfile(const CallContext&, const std::string&, const std::string&,
                                    const std::optional<std::string>&) override {
    return notFaked();
  }
  Result<DirectoryResponse> queryDirectory(const CallContext&, const std::string&,
                                           const std::string&) override {
    return notFaked();
  }
  Result<json::Object> queryUserDevices(const CallContext&, const std::string&,
                                        const std::string&) override {
    return notFaked();
  }
  Result<json::Object> queryUserKeys(const CallContext&, const std::string&,
                                     const json::Object&) override {
    return notFaked();
  }
  Result<json::Object> performClaimKeys(const CallContext&, const std::string&,
                                        const json::Object&) override {
    return notFaked();
  }
  Result<json::Object> queryPublicRooms(const CallContext&, const std::string&,
                                        const json::Object&) override {
    return notFaked();
  }
  Result<RemoteMediaFile> queryMediaDownload(const CallContext&, const std::string&,
                                             const std::string&, std::int64_t) override {
    return notFaked();
  }
  Result<RemoteMediaFile> queryMediaThumbnail(const CallContext&, const std::string&,
                                              const MediaThumbnailQuery&, std::int64_t) override {
    return notFaked();
  }
  Status performSendEdu(const CallContext&, const std::vector<std::string>&, const Edu&) override {
    return {};
  }

 protected:
  static Unexpected notFaked() { return fail(ErrorCode::kUnavailable, "not faked"); }
};

}  // namespace plexus::federationsender::testing
