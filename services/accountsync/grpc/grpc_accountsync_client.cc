// GrpcAccountSyncClient (grpc_accountsync_client.h).
#include "accountsync/grpc/grpc_accountsync_client.h"

#include <string>
#include <utility>

#include "accountsync/grpc/convert.h"
#include "plexus/grpcutil/unary_call.h"

namespace plexus::accountsync {
namespace {

using Stub = v1::AccountSyncService::StubInterface;
using grpcutil::Retry;
using grpcutil::unaryCall;

// The Status of a call answering Empty.
Status done(Result<v1::Empty> result) {
  if (!result.ok()) return std::move(result).takeError();
  return {};
}

v1::UserRequest userRequest(std::string_view userId) {
  v1::UserRequest req;
  req.set_user_id(std::string(userId));
  return req;
}

void setRule(v1::PushRuleRef& ref, std::string_view userId, std::string_view kind,
             std::string_view ruleId) {
  ref.set_user_id(std::string(userId));
  ref.set_kind(std::string(kind));
  ref.set_rule_id(std::string(ruleId));
}

}  // namespace

GrpcAccountSyncClient::GrpcAccountSyncClient(const std::shared_ptr<grpc::ChannelInterface>& channel)
    : stub_(v1::AccountSyncService::NewStub(channel)) {}

GrpcAccountSyncClient::GrpcAccountSyncClient(
    std::unique_ptr<v1::AccountSyncService::StubInterface> stub)
    : stub_(std::move(stub)) {}

// ---- Registration, login, tokens ------------------------------------------------------------

Result<LoginResult> GrpcAccountSyncClient::performRegister(const CallContext& ctx,
                                                           const RegisterRequest& request) {
  v1::RegisterRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformRegister, req, Retry::kNever));
  return convert::fromProto(resp);
}

Status GrpcAccountSyncClient::queryUsernameAvailable(const CallContext& ctx,
                                                     std::string_view localpart) {
  v1::QueryUsernameAvailableRequest req;
  req.set_localpart(std::string(localpart));
  return done(unaryCall(*stub_, ctx, &Stub::QueryUsernameAvailable, req, Retry::kIdempotent));
}

Result<LoginResult> GrpcAccountSyncClient::performPasswordLogin(
    const CallContext& ctx, const PasswordLoginRequest& request) {
  v1::PasswordLoginRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformPasswordLogin, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<LoginResult> GrpcAccountSyncClient::performRefresh(const CallContext& ctx,
                                                          std::string_view refreshToken) {
  v1::PerformRefreshRequest req;
  req.set_refresh_token(std::string(refreshToken));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformRefresh, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<AccessTokenInfo> GrpcAccountSyncClient::queryAccessToken(const CallContext& ctx,
                                                                std::string_view accessToken) {
  v1::QueryAccessTokenRequest req;
  req.set_access_token(std::string(accessToken));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryAccessToken, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcAccountSyncClient::performLogout(const CallContext& ctx, std::string_view accessToken) {
  v1::PerformLogoutRequest req;
  req.set_access_token(std::string(accessToken));
  // Not repeated: a second attempt after a lost answer would report kUnknownToken.
  return done(unaryCall(*stub_, ctx, &Stub::PerformLogout, req, Retry::kNever));
}

Status GrpcAccountSyncClient::performLogoutAll(const CallContext& ctx, std::string_view userId) {
  return done(
      unaryCall(*stub_, ctx, &Stub::PerformLogoutAll, userRequest(userId), Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performChangePassword(const CallContext& ctx, std::string_view userId,
                                                    std::string_view newPassword,
                                                    bool logoutDevices,
                                                    std::optional<std::string> keepDeviceId) {
  v1::PerformChangePasswordRequest req;
  req.set_user_id(std::string(userId));
  req.set_new_password(std::string(newPassword));
  req.set_logout_devices(logoutDevices);
  if (keepDeviceId) req.set_keep_device_id(std::move(*keepDeviceId));
  return done(unaryCall(*stub_, ctx, &Stub::PerformChangePassword, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performDeactivate(const CallContext& ctx, std::string_view userId) {
  return done(
      unaryCall(*stub_, ctx, &Stub::PerformDeactivate, userRequest(userId), Retry::kIdempotent));
}

Result<bool> GrpcAccountSyncClient::queryPasswordMatches(const CallContext& ctx,
                                                         std::string_view userId,
                                                         std::string_view password) {
  v1::QueryPasswordMatchesRequest req;
  req.set_user_id(std::string(userId));
  req.set_password(std::string(password));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryPasswordMatches, req, Retry::kIdempotent));
  return resp.matches();
}

Result<Account> GrpcAccountSyncClient::queryAccount(const CallContext& ctx,
                                                    std::string_view userId) {
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryAccount, userRequest(userId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::string> GrpcAccountSyncClient::performCreateLoginToken(const CallContext& ctx,
                                                                   std::string_view userId,
                                                                   std::int64_t ttlMs) {
  v1::CreateTokenRequest req;
  req.set_user_id(std::string(userId));
  req.set_ttl_ms(ttlMs);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformCreateLoginToken, req, Retry::kNever));
  return std::move(*resp.mutable_token());
}

Result<LoginResult> GrpcAccountSyncClient::performTokenLogin(const CallContext& ctx,
                                                             const TokenLoginRequest& request) {
  v1::TokenLoginRequest req;
  convert::toProto(request, req);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformTokenLogin, req, Retry::kNever));
  return convert::fromProto(resp);
}

Result<std::string> GrpcAccountSyncClient::performCreateOpenIdToken(const CallContext& ctx,
                                                                    std::string_view userId,
                                                                    std::int64_t ttlMs) {
  v1::CreateTokenRequest req;
  req.set_user_id(std::string(userId));
  req.set_ttl_ms(ttlMs);
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformCreateOpenIdToken, req, Retry::kNever));
  return std::move(*resp.mutable_token());
}

Result<std::string> GrpcAccountSyncClient::queryOpenIdToken(const CallContext& ctx,
                                                            std::string_view openIdToken) {
  v1::QueryOpenIdTokenRequest req;
  req.set_open_id_token(std::string(openIdToken));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryOpenIdToken, req, Retry::kIdempotent));
  return std::move(*resp.mutable_user_id());
}

Status GrpcAccountSyncClient::performSetLocked(const CallContext& ctx, std::string_view userId,
                                               bool locked) {
  v1::SetFlagRequest req;
  req.set_user_id(std::string(userId));
  req.set_value(locked);
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetLocked, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performSetSuspended(const CallContext& ctx, std::string_view userId,
                                                  bool suspended) {
  v1::SetFlagRequest req;
  req.set_user_id(std::string(userId));
  req.set_value(suspended);
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetSuspended, req, Retry::kIdempotent));
}

// ---- Devices, profiles, user directory ------------------------------------------------------

Result<std::vector<Device>> GrpcAccountSyncClient::queryDevices(const CallContext& ctx,
                                                                std::string_view userId) {
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryDevices, userRequest(userId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<Device> GrpcAccountSyncClient::queryDevice(const CallContext& ctx, std::string_view userId,
                                                  std::string_view deviceId) {
  v1::QueryDeviceRequest req;
  req.set_user_id(std::string(userId));
  req.set_device_id(std::string(deviceId));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryDevice, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcAccountSyncClient::performUpdateDevice(const CallContext& ctx, std::string_view userId,
                                                  std::string_view deviceId,
                                                  std::optional<std::string> displayName) {
  v1::PerformUpdateDeviceRequest req;
  req.set_user_id(std::string(userId));
  req.set_device_id(std::string(deviceId));
  if (displayName) req.set_display_name(std::move(*displayName));
  return done(unaryCall(*stub_, ctx, &Stub::PerformUpdateDevice, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performDeleteDevices(const CallContext& ctx, std::string_view userId,
                                                   const std::vector<std::string>& deviceIds) {
  v1::PerformDeleteDevicesRequest req;
  req.set_user_id(std::string(userId));
  for (const auto& id : deviceIds) req.add_device_ids(id);
  return done(unaryCall(*stub_, ctx, &Stub::PerformDeleteDevices, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performTouchDevice(const CallContext& ctx, std::string_view userId,
                                                 std::string_view deviceId, std::string_view ip,
                                                 std::int64_t tsMs) {
  v1::PerformTouchDeviceRequest req;
  req.set_user_id(std::string(userId));
  req.set_device_id(std::string(deviceId));
  req.set_ip(std::string(ip));
  req.set_ts_ms(tsMs);
  return done(unaryCall(*stub_, ctx, &Stub::PerformTouchDevice, req, Retry::kIdempotent));
}

Result<Profile> GrpcAccountSyncClient::queryProfile(const CallContext& ctx,
                                                    std::string_view userId) {
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryProfile, userRequest(userId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcAccountSyncClient::performSetDisplayName(const CallContext& ctx, std::string_view userId,
                                                    std::optional<std::string> displayName) {
  v1::SetProfileFieldRequest req;
  req.set_user_id(std::string(userId));
  if (displayName) req.set_value(std::move(*displayName));
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetDisplayName, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performSetAvatarUrl(const CallContext& ctx, std::string_view userId,
                                                  std::optional<std::string> avatarUrl) {
  v1::SetProfileFieldRequest req;
  req.set_user_id(std::string(userId));
  if (avatarUrl) req.set_value(std::move(*avatarUrl));
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetAvatarUrl, req, Retry::kIdempotent));
}

Result<UserDirectoryResult> GrpcAccountSyncClient::queryUserDirectory(
    const CallContext& ctx, std::string_view searchTerm, int limit,
    std::string_view requestingUserId) {
  v1::QueryUserDirectoryRequest req;
  req.set_search_term(std::string(searchTerm));
  req.set_limit(limit);
  req.set_requesting_user_id(std::string(requestingUserId));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryUserDirectory, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// ---- Account data, tags ---------------------------------------------------------------------

// Setting account data or a tag repeats safely: the content ends the same; a repeat only moves
// the stream position on (consumers treat the bus output as a hint).
Result<std::int64_t> GrpcAccountSyncClient::performSetAccountData(const CallContext& ctx,
                                                                  std::string_view userId,
                                                                  std::string_view roomId,
                                                                  std::string_view type,
                                                                  const json::Object& content) {
  v1::PerformSetAccountDataRequest req;
  req.set_user_id(std::string(userId));
  req.set_room_id(std::string(roomId));
  req.set_type(std::string(type));
  req.set_content_json(convert::jsonText(content));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::PerformSetAccountData, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<AccountDataChanges> GrpcAccountSyncClient::queryAccountData(const CallContext& ctx,
                                                                   std::string_view userId,
                                                                   std::int64_t sincePosition) {
  v1::QueryAccountDataRequest req;
  req.set_user_id(std::string(userId));
  req.set_since_position(sincePosition);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryAccountData, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcAccountSyncClient::queryAccountDataEntry(const CallContext& ctx,
                                                                  std::string_view userId,
                                                                  std::string_view roomId,
                                                                  std::string_view type) {
  v1::QueryAccountDataEntryRequest req;
  req.set_user_id(std::string(userId));
  req.set_room_id(std::string(roomId));
  req.set_type(std::string(type));
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryAccountDataEntry, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::int64_t> GrpcAccountSyncClient::queryAccountDataPosition(const CallContext& ctx) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryAccountDataPosition, v1::Empty{},
                                  Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::int64_t> GrpcAccountSyncClient::performSetTag(const CallContext& ctx,
                                                          std::string_view userId,
                                                          std::string_view roomId,
                                                          std::string_view tag,
                                                          const json::Object& content) {
  v1::PerformSetTagRequest req;
  req.set_user_id(std::string(userId));
  req.set_room_id(std::string(roomId));
  req.set_tag(std::string(tag));
  req.set_content_json(convert::jsonText(content));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformSetTag, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<std::int64_t> GrpcAccountSyncClient::performDeleteTag(const CallContext& ctx,
                                                             std::string_view userId,
                                                             std::string_view roomId,
                                                             std::string_view tag) {
  v1::PerformDeleteTagRequest req;
  req.set_user_id(std::string(userId));
  req.set_room_id(std::string(roomId));
  req.set_tag(std::string(tag));
  // Removing an absent tag succeeds, so a repeat is harmless.
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::PerformDeleteTag, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcAccountSyncClient::queryTags(const CallContext& ctx,
                                                      std::string_view userId,
                                                      std::string_view roomId) {
  v1::QueryTagsRequest req;
  req.set_user_id(std::string(userId));
  req.set_room_id(std::string(roomId));
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryTags, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

// ---- Push rules, pushers --------------------------------------------------------------------

Result<json::Object> GrpcAccountSyncClient::queryPushRules(const CallContext& ctx,
                                                           std::string_view userId) {
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryPushRules, userRequest(userId),
                                  Retry::kIdempotent));
  return convert::fromProto(resp);
}

Result<json::Object> GrpcAccountSyncClient::queryPushRule(const CallContext& ctx,
                                                          std::string_view userId,
                                                          std::string_view kind,
                                                          std::string_view ruleId) {
  v1::PushRuleRef req;
  setRule(req, userId, kind, ruleId);
  PLEXUS_TRY(auto resp, unaryCall(*stub_, ctx, &Stub::QueryPushRule, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcAccountSyncClient::performPutPushRule(const CallContext& ctx, std::string_view userId,
                                                 std::string_view kind, std::string_view ruleId,
                                                 const json::Object& body,
                                                 std::optional<std::string> before,
                                                 std::optional<std::string> after) {
  v1::PerformPutPushRuleRequest req;
  setRule(*req.mutable_rule(), userId, kind, ruleId);
  req.set_body_json(convert::jsonText(body));
  if (before) req.set_before(std::move(*before));
  if (after) req.set_after(std::move(*after));
  // A repeated put leaves the same rule in the same place.
  return done(unaryCall(*stub_, ctx, &Stub::PerformPutPushRule, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performDeletePushRule(const CallContext& ctx, std::string_view userId,
                                                    std::string_view kind,
                                                    std::string_view ruleId) {
  v1::PushRuleRef req;
  setRule(req, userId, kind, ruleId);
  // Not repeated: a second attempt after a lost answer would report kNotFound.
  return done(unaryCall(*stub_, ctx, &Stub::PerformDeletePushRule, req, Retry::kNever));
}

Status GrpcAccountSyncClient::performSetPushRuleEnabled(const CallContext& ctx,
                                                        std::string_view userId,
                                                        std::string_view kind,
                                                        std::string_view ruleId, bool enabled) {
  v1::PerformSetPushRuleEnabledRequest req;
  setRule(*req.mutable_rule(), userId, kind, ruleId);
  req.set_enabled(enabled);
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetPushRuleEnabled, req, Retry::kIdempotent));
}

Status GrpcAccountSyncClient::performSetPushRuleActions(const CallContext& ctx,
                                                        std::string_view userId,
                                                        std::string_view kind,
                                                        std::string_view ruleId,
                                                        const json::Array& actions) {
  v1::PerformSetPushRuleActionsRequest req;
  setRule(*req.mutable_rule(), userId, kind, ruleId);
  req.set_actions_json(convert::jsonText(actions));
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetPushRuleActions, req, Retry::kIdempotent));
}

Result<std::vector<Pusher>> GrpcAccountSyncClient::queryPushers(const CallContext& ctx,
                                                                std::string_view userId) {
  PLEXUS_TRY(auto resp,
             unaryCall(*stub_, ctx, &Stub::QueryPushers, userRequest(userId), Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcAccountSyncClient::performSetPusher(const CallContext& ctx, std::string_view userId,
                                               std::string_view deviceId,
                                               const json::Object& body) {
  v1::PerformSetPusherRequest req;
  req.set_user_id(std::string(userId));
  req.set_device_id(std::string(deviceId));
  req.set_body_json(convert::jsonText(body));
  // Adds, replaces or deletes the (app_id, pushkey) pusher: a repeat ends in the same state.
  return done(unaryCall(*stub_, ctx, &Stub::PerformSetPusher, req, Retry::kIdempotent));
}

}  // namespace plexus::accountsync
