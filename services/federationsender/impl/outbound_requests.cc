// FederationSenderService: the outbound Server-Server requests (exact paths, versions and
// bodies from the spec), their timeouts and the checks of their answers.
#include <algorithm>
#include <chrono>

#include "federationsender/impl/federation_sender_service.h"
#include "federationsender/impl/response_shapes.h"

namespace plexus::federationsender {
namespace {

using federation::encodeUriComponent;

constexpr std::string_view kV1 = "/_matrix/federation/v1/";
constexpr std::string_view kV2 = "/_matrix/federation/v2/";

std::string path(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string out(prefix);
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out.push_back('/');
    out += p;
    first = false;
  }
  return out;
}

// Appends `name=value` query parameters (values percent-encoded).
void addQuery(std::string& uri, std::string_view name, std::string_view value) {
  uri.push_back(uri.find('?') == std::string::npos ? '?' : '&');
  uri += name;
  uri.push_back('=');
  uri += encodeUriComponent(value);
}

std::string makeMembershipUri(std::string_view kind, const std::string& roomId,
                              const std::string& userId, const std::vector<std::string>* versions) {
  std::string uri = path(kV1, {kind, encodeUriComponent(roomId), encodeUriComponent(userId)});
  if (versions) {
    for (const auto& v : *versions) addQuery(uri, "ver", v);
  }
  return uri;
}

json::Array stringArray(const std::vector<std::string>& values) {
  json::Array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::Array objectArray(const std::vector<json::Object>& values) {
  json::Array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

}  // namespace

Result<json::Value> FederationSenderService::call(const CallContext& ctx,
                                                  const std::string& destination,
                                                  std::string_view method, const std::string& uri,
                                                  const json::Value* body,
                                                  std::int64_t defaultTimeoutMs) {
  if (destination.empty()) return fail(ErrorCode::kInvalidParam, "no destination server");
  if (destination == serverName()) {
    return fail(ErrorCode::kInvalidParam, "federation request to our own server name");
  }
  std::int64_t timeoutMs = defaultTimeoutMs;
  if (ctx.deadline != CallContext::Clock::time_point::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          ctx.deadline - CallContext::Clock::now())
                          .count();
    if (left <= 0) {
      return fail(ErrorCode::kUnavailable, "deadline passed before the request to " + destination);
    }
    timeoutMs = left;
  }
  PLEXUS_TRY(auto answer, requester_.request(destination, method, uri, body, timeoutMs));
  queues_.noteAlive(destination);
  return answer;
}

Result<MakeMembershipResponse> FederationSenderService::performMakeJoin(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& userId, const std::vector<std::string>& supportedVersions) {
  PLEXUS_TRY(auto answer, call(ctx, destination, "GET",
                               makeMembershipUri("make_join", roomId, userId, &supportedVersions),
                               nullptr, options_.requestTimeoutMs));
  return parseMakeMembership(answer);
}

Result<SendJoinResponse> FederationSenderService::performSendJoin(const CallContext& ctx,
                                                                  const std::string& destination,
                                                                  const SendJoinRequest& request) {
  std::string uri = path(
      kV2, {"send_join", encodeUriComponent(request.roomId), encodeUriComponent(request.eventId)});
  if (request.omitMembers) addQuery(uri, "omit_members", "true");
  const json::Value body = request.event;
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "PUT", uri, &body, options_.largeRequestTimeoutMs));
  return parseSendJoin(answer, destination);
}

Result<MakeMembershipResponse> FederationSenderService::performMakeLeave(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& userId) {
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "GET", makeMembershipUri("make_leave", roomId, userId, nullptr),
                  nullptr, options_.requestTimeoutMs));
  return parseMakeMembership(answer);
}

Status FederationSenderService::performSendLeave(const CallContext& ctx,
                                                 const std::string& destination,
                                                 const std::string& roomId,
                                                 const std::string& eventId,
                                                 const json::Object& event) {
  const json::Value body = event;
  PLEXUS_TRY(
      auto answer,
      call(ctx, destination, "PUT",
           path(kV2, {"send_leave", encodeUriComponent(roomId), encodeUriComponent(eventId)}),
           &body, options_.requestTimeoutMs));
  PLEXUS_TRY_VOID(parseObject(answer, "send_leave"));
  return {};
}

Result<MakeMembershipResponse> FederationSenderService::performMakeKnock(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& userId, const std::vector<std::string>& supportedVersions) {
  PLEXUS_TRY(auto answer, call(ctx, destination, "GET",
                               makeMembershipUri("make_knock", roomId, userId, &supportedVersions),
                               nullptr, options_.requestTimeoutMs));
  return parseMakeMembership(answer);
}

Result<std::vector<json::Object>> FederationSenderService::performSendKnock(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& eventId, const json::Object& event) {
  const json::Value body = event;
  PLEXUS_TRY(
      auto answer,
      call(ctx, destination, "PUT",
           path(kV1, {"send_knock", encodeUriComponent(roomId), encodeUriComponent(eventId)}),
           &body, options_.requestTimeoutMs));
  return parseSendKnock(answer);
}

Result<json::Object> FederationSenderService::performSendInvite(const CallContext& ctx,
                                                                const std::string& destination,
                                                                const SendInviteRequest& request) {
  const json::Value body = json::Object{{"event", request.event},
                                        {"invite_room_state", objectArray(request.inviteRoomState)},
                                        {"room_version", request.roomVersion}};
  PLEXUS_TRY(auto answer, call(ctx, destination, "PUT",
                               path(kV2, {"invite", encodeUriComponent(request.roomId),
                                          encodeUriComponent(request.eventId)}),
                               &body, options_.requestTimeoutMs));
  return parseInvite(answer);
}

Result<std::vector<json::Object>> FederationSenderService::queryMissingEvents(
    const CallContext& ctx, const std::string& destination, const MissingEventsRequest& request) {
  const json::Value body = json::Object{{"earliest_events", stringArray(request.earliestEvents)},
                                        {"latest_events", stringArray(request.latestEvents)},
                                        {"limit", request.limit},
                                        {"min_depth", request.minDepth}};
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "POST",
                  path(kV1, {"get_missing_events", encodeUriComponent(request.roomId)}), &body,
                  options_.requestTimeoutMs));
  return parseMissingEvents(answer);
}

Result<StateIdsResponse> FederationSenderService::queryStateIds(const CallContext& ctx,
                                                                const std::string& destination,
                                                                const std::string& roomId,
                                                                const std::string& eventId) {
  std::string uri = path(kV1, {"state_ids", encodeUriComponent(roomId)});
  addQuery(uri, "event_id", eventId);
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "GET", uri, nullptr, options_.largeRequestTimeoutMs));
  return parseStateIds(answer);
}

Result<StateResponse> FederationSenderService::queryState(const CallContext& ctx,
                                                          const std::string& destination,
                                                          const std::string& roomId,
                                                          const std::string& eventId) {
  std::string uri = path(kV1, {"state", encodeUriComponent(roomId)});
  addQuery(uri, "event_id", eventId);
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "GET", uri, nullptr, options_.largeRequestTimeoutMs));
  return parseState(answer);
}

Result<json::Object> FederationSenderService::queryEvent(const CallContext& ctx,
                                                         const std::string& destination,
                                                         const std::string& eventId) {
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "GET", path(kV1, {"event", encodeUriComponent(eventId)}),
                  nullptr, options_.requestTimeoutMs));
  return parseSingleEvent(answer);
}

Result<std::vector<json::Object>> FederationSenderService::queryEventAuth(
    const CallContext& ctx, const std::string& destination, const std::string& roomId,
    const std::string& eventId) {
  PLEXUS_TRY(
      auto answer,
      call(ctx, destination, "GET",
           path(kV1, {"event_auth", encodeUriComponent(roomId), encodeUriComponent(eventId)}),
           nullptr, options_.requestTimeoutMs));
  return parseEventAuth(answer);
}

Result<std::vector<json::Object>> FederationSenderService::queryBackfill(
    const CallContext& ctx, const std::string& destination, const BackfillRequest& request) {
  if (request.fromEventIds.empty()) {
    return fail(ErrorCode::kInvalidParam, "backfill needs at least one event ID");
  }
  std::string uri = path(kV1, {"backfill", encodeUriComponent(request.roomId)});
  for (const auto& id : request.fromEventIds) addQuery(uri, "v", id);
  addQuery(uri, "limit", std::to_string(request.limit));
  PLEXUS_TRY(auto answer,
             call(ctx, destination, "GET", uri, nullptr, options_.largeRequestTimeoutMs));
  return parseBackfill(answer);
}

Result<json::Object> FederationSenderService::queryProfile(
    const CallContext& ctx, const std::string& destination, const std::string& userId,
    const std::optional<std::string>& field) {
  std::string uri = path(kV1, {"query", "profile"});
  addQuery(uri, "user_id", userId);
  if (field) addQuery(uri, "field", *field);
  PLEXUS_TRY(auto answer, call(ctx, destination, "GET", uri, nullptr, options_.requestTimeoutMs));
  return parseObject(answer, "query/profile");
}

Result<DirectoryResponse> FederationSenderService::queryDirectory(const CallContext& ctx,
                                                                  const std::string& destination,
                                                                  const std::string& roomAlias) {
  std::string uri = path(kV1, {"query", "directory"});
  addQuery(uri, "room_alias", roomAlias);
  PLEXUS_TRY(auto answer, call(ctx, destination, "GET", uri, nullptr, options_.requestTimeoutMs));
  return parseDirectory(answer);
}

Result<json::Object> FederationSenderService::queryUserDevices(const CallContext& ctx,
                                                               const std::string& destination,
                                                               const std::string& userId) {
  PLEXUS_TRY(auto answer, call(ctx, destination, "GET",
                               path(kV1, {"user", "devices", encodeUriComponent(userId)}), nullptr,
                               options_.requestTimeoutMs));
  return parseUserDevices(answer, userId);
}

Result<json::Object> FederationSenderService::queryUserKeys(const CallContext& ctx,
                                                            const std::string& destination,
                                                            const json::Object& deviceKeys) {
  const json::Value body = json::Object{{"device_keys", deviceKeys}};
  PLEXUS_TRY(auto answer, call(ctx, destination, "POST", path(kV1, {"user", "keys", "query"}),
                               &body, options_.requestTimeoutMs));
  return parseObjectWithMember(answer, "user/keys/query", "device_keys");
}

Result<json::Object> FederationSenderService::performClaimKeys(const CallContext& ctx,
                                                               const std::string& destination,
                                                               const json::Object& oneTimeKeys) {
  const json::Value body = json::Object{{"one_time_keys", oneTimeKeys}};
  PLEXUS_TRY(auto answer, call(ctx, destination, "POST", path(kV1, {"user", "keys", "claim"}),
                               &body, options_.requestTimeoutMs));
  return parseObjectWithMember(answer, "user/keys/claim", "one_time_keys");
}

Result<json::Object> FederationSenderService::queryPublicRooms(const CallContext& ctx,
                                                               const std::string& destination,
                                                               const json::Object& request) {
  const json::Value body = request;
  PLEXUS_TRY(auto answer, call(ctx, destination, "POST", path(kV1, {"publicRooms"}), &body,
                               options_.requestTimeoutMs));
  return parsePublicRooms(answer);
}

}  // namespace plexus::federationsender
