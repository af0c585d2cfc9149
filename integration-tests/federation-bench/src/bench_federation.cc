// The benchmarks' federation sender: handlers for the join handshake, errors for the rest.
#include "bench_federation.h"

namespace plexus::fedbench {

using federationsender::MakeMembershipResponse;

Unexpected BenchFederation::unexpected(const char* what) {
  ++otherRequests;
  return fail(ErrorCode::kUnavailable, std::string("fedbench: no answer for ") + what);
}

Result<MakeMembershipResponse> BenchFederation::performMakeJoin(const CallContext&,
                                                                const std::string&,
                                                                const std::string& roomId,
                                                                const std::string& userId,
                                                                const std::vector<std::string>&) {
  if (!makeJoin) return unexpected("make_join");
  return makeJoin(roomId, userId);
}
Result<federationsender::SendJoinResponse> BenchFederation::performSendJoin(
    const CallContext&, const std::string&, const federationsender::SendJoinRequest& request) {
  if (!sendJoin) return unexpected("send_join");
  return sendJoin(request);
}
Result<MakeMembershipResponse> BenchFederation::performMakeLeave(const CallContext&,
                                                                 const std::string&,
                                                                 const std::string&,
                                                                 const std::string&) {
  return unexpected("make_leave");
}
Status BenchFederation::performSendLeave(const CallContext&, const std::string&, const std::string&,
                                         const std::string&, const json::Object&) {
  return unexpected("send_leave");
}
Result<MakeMembershipResponse> BenchFederation::performMakeKnock(const CallContext&,
                                                                 const std::string&,
                                                                 const std::string&,
                                                                 const std::string&,
                                                                 const std::vector<std::string>&) {
  return unexpected("make_knock");
}
Result<std::vector<json::Object>> BenchFederation::performSendKnock(const CallContext&,
                                                                    const std::string&,
                                                                    const std::string&,
                                                                    const std::string&,
                                                                    const json::Object&) {
  return unexpected("send_knock");
}
Result<json::Object> BenchFederation::performSendInvite(
    const CallContext&, const std::string&, const federationsender::SendInviteRequest&) {
  return unexpected("invite");
}
Result<std::vector<json::Object>> BenchFederation::queryMissingEvents(
    const CallContext&, const std::string&, const federationsender::MissingEventsRequest&) {
  return unexpected("get_missing_events");
}
Result<federationsender::StateIdsResponse> BenchFederation::queryStateIds(const CallContext&,
                                                                          const std::string&,
                                                                          const std::string&,
                                                                          const std::string&) {
  return unexpected("state_ids");
}
Result<federationsender::StateResponse> BenchFederation::queryState(const CallContext&,
                                                                    const std::string&,
                                                                    const std::string&,
                                                                    const std::string&) {
  return unexpected("state");
}
Result<json::Object> BenchFederation::queryEvent(const CallContext&, const std::string&,
                                                 const std::string&) {
  return unexpected("event");
}
Result<std::vector<json::Object>> BenchFederation::queryEventAuth(const CallContext&,
                                                                  const std::string&,
                                                                  const std::string&,
                                                                  const std::string&) {
  return unexpected("event_auth");
}
Result<std::vector<json::Object>> BenchFederation::queryBackfill(
    const CallContext&, const std::string&, const federationsender::BackfillRequest&) {
  return unexpected("backfill");
}
Result<json::Object> BenchFederation::queryProfile(const CallContext&, const std::string&,
                                                   const std::string&,
                                                   const std::optional<std::string>&) {
  return unexpected("profile");
}
Result<federationsender::DirectoryResponse> BenchFederation::queryDirectory(const CallContext&,
                                                                            const std::string&,
                                                                            const std::string&) {
  return unexpected("directory");
}
Result<json::Object> BenchFederation::queryUserDevices(const CallContext&, const std::string&,
                                                       const std::string&) {
  return unexpected("user/devices");
}
Result<json::Object> BenchFederation::queryUserKeys(const CallContext&, const std::string&,
                                                    const json::Object&) {
  return unexpected("user/keys/query");
}
Result<json::Object> BenchFederation::performClaimKeys(const CallContext&, const std::string&,
                                                       const json::Object&) {
  return unexpected("user/keys/claim");
}
Result<json::Object> BenchFederation::queryPublicRooms(const CallContext&, const std::string&,
                                                       const json::Object&) {
  return unexpected("publicRooms");
}
Status BenchFederation::performSendEdu(const CallContext&, const std::vector<std::string>&,
                                       const federationsender::Edu&) {
  return {};  // EDUs are queued, not requests: nothing to answer
}

}  // namespace plexus::fedbench
