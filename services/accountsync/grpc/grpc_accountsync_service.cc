// GrpcAccountSyncService (grpc_accountsync_service.h).
#include "accountsync/grpc/grpc_accountsync_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accountsync/grpc/convert.h"
#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"

namespace plexus::accountsync {
namespace {

using grpcutil::callContextFrom;

grpc::Status failed(grpc::ServerContext& server, const Error& error) {
  return grpcutil::toGrpcStatus(server, error);
}

// The answer for a call whose result is `result`: OK with the converted value, or the error.
template <typename T, typename Message>
grpc::Status reply(grpc::ServerContext& server, const Result<T>& result, Message& response) {
  if (!result.ok()) return failed(server, result.error());
  convert::toProto(*result, response);
  return grpc::Status::OK;
}

// The answer for a call that returns only a Status.
grpc::Status reply(grpc::ServerContext& server, const Status& status) {
  if (!status.ok()) return failed(server, status.error());
  return grpc::Status::OK;
}

// Messages that embed a PushRuleRef must carry one.
template <typename Message>
std::optional<Error> missingRule(const Message& request) {
  if (request.has_rule()) return std::nullopt;
  return makeError(ErrorCode::kInvalidParam, "rule: required");
}

}  // namespace

// ---- Registration, login, tokens ------------------------------------------------------------

grpc::Status GrpcAccountSyncService::PerformRegister(grpc::ServerContext* server,
                                                     const v1::RegisterRequest* request,
                                                     v1::LoginResult* response) {
  auto converted = convert::fromProto(*request);
  if (!converted.ok()) return failed(*server, converted.error());
  return reply(*server, api_.performRegister(callContextFrom(*server), *converted), *response);
}

grpc::Status GrpcAccountSyncService::QueryUsernameAvailable(
    grpc::ServerContext* server, const v1::QueryUsernameAvailableRequest* request,
    v1::Empty* /*response*/) {
  return reply(*server,
               api_.queryUsernameAvailable(callContextFrom(*server), request->localpart()));
}

grpc::Status GrpcAccountSyncService::PerformPasswordLogin(grpc::ServerContext* server,
                                                          const v1::PasswordLoginRequest* request,
                                                          v1::LoginResult* response) {
  return reply(*server,
               api_.performPasswordLogin(callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcAccountSyncService::PerformRefresh(grpc::ServerContext* server,
                                                    const v1::PerformRefreshRequest* request,
                                                    v1::LoginResult* response) {
  return reply(*server, api_.performRefresh(callContextFrom(*server), request->refresh_token()),
               *response);
}

grpc::Status GrpcAccountSyncService::QueryAccessToken(grpc::ServerContext* server,
                                                      const v1::QueryAccessTokenRequest* request,
                                                      v1::AccessTokenInfo* response) {
  return reply(*server, api_.queryAccessToken(callContextFrom(*server), request->access_token()),
               *response);
}

grpc::Status GrpcAccountSyncService::PerformLogout(grpc::ServerContext* server,
                                                   const v1::PerformLogoutRequest* request,
                                                   v1::Empty* /*response*/) {
  return reply(*server, api_.performLogout(callContextFrom(*server), request->access_token()));
}

grpc::Status GrpcAccountSyncService::PerformLogoutAll(grpc::ServerContext* server,
                                                      const v1::UserRequest* request,
                                                      v1::Empty* /*response*/) {
  return reply(*server, api_.performLogoutAll(callContextFrom(*server), request->user_id()));
}

grpc::Status GrpcAccountSyncService::PerformChangePassword(
    grpc::ServerContext* server, const v1::PerformChangePasswordRequest* request,
    v1::Empty* /*response*/) {
  std::optional<std::string> keep;
  if (request->has_keep_device_id()) keep = request->keep_device_id();
  return reply(*server, api_.performChangePassword(callContextFrom(*server), request->user_id(),
                                                   request->new_password(),
                                                   request->logout_devices(), std::move(keep)));
}

grpc::Status GrpcAccountSyncService::PerformDeactivate(grpc::ServerContext* server,
                                                       const v1::UserRequest* request,
                                                       v1::Empty* /*response*/) {
  return reply(*server, api_.performDeactivate(callContextFrom(*server), request->user_id()));
}

grpc::Status GrpcAccountSyncService::QueryPasswordMatches(
    grpc::ServerContext* server, const v1::QueryPasswordMatchesRequest* request,
    v1::QueryPasswordMatchesResponse* response) {
  auto result =
      api_.queryPasswordMatches(callContextFrom(*server), request->user_id(), request->password());
  if (!result.ok()) return failed(*server, result.error());
  response->set_matches(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcAccountSyncService::QueryAccount(grpc::ServerContext* server,
                                                  const v1::UserRequest* request,
                                                  v1::Account* response) {
  return reply(*server, api_.queryAccount(callContextFrom(*server), request->user_id()), *response);
}

grpc::Status GrpcAccountSyncService::PerformCreateLoginToken(grpc::ServerContext* server,
                                                             const v1::CreateTokenRequest* request,
                                                             v1::TokenResponse* response) {
  auto result =
      api_.performCreateLoginToken(callContextFrom(*server), request->user_id(), request->ttl_ms());
  if (!result.ok()) return failed(*server, result.error());
  response->set_token(std::move(*result));
  return grpc::Status::OK;
}

grpc::Status GrpcAccountSyncService::PerformTokenLogin(grpc::ServerContext* server,
                                                       const v1::TokenLoginRequest* request,
                                                       v1::LoginResult* response) {
  return reply(*server,
               api_.performTokenLogin(callContextFrom(*server), convert::fromProto(*request)),
               *response);
}

grpc::Status GrpcAccountSyncService::PerformCreateOpenIdToken(grpc::ServerContext* server,
                                                              const v1::CreateTokenRequest* request,
                                                              v1::TokenResponse* response) {
  auto result = api_.performCreateOpenIdToken(callContextFrom(*server), request->user_id(),
                                              request->ttl_ms());
  if (!result.ok()) return failed(*server, result.error());
  response->set_token(std::move(*result));
  return grpc::Status::OK;
}

grpc::Status GrpcAccountSyncService::QueryOpenIdToken(grpc::ServerContext* server,
                                                      const v1::QueryOpenIdTokenRequest* request,
                                                      v1::QueryOpenIdTokenResponse* response) {
  auto result = api_.queryOpenIdToken(callContextFrom(*server), request->open_id_token());
  if (!result.ok()) return failed(*server, result.error());
  response->set_user_id(std::move(*result));
  return grpc::Status::OK;
}

grpc::Status GrpcAccountSyncService::PerformSetLocked(grpc::ServerContext* server,
                                                      const v1::SetFlagRequest* request,
                                                      v1::Empty* /*response*/) {
  return reply(*server, api_.performSetLocked(callContextFrom(*server), request->user_id(),
                                              request->value()));
}

grpc::Status GrpcAccountSyncService::PerformSetSuspended(grpc::ServerContext* server,
                                                         const v1::SetFlagRequest* request,
                                                         v1::Empty* /*response*/) {
  return reply(*server, api_.performSetSuspended(callContextFrom(*server), request->user_id(),
                                                 request->value()));
}

// ---- Devices, profiles, user directory ------------------------------------------------------

grpc::Status GrpcAccountSyncService::QueryDevices(grpc::ServerContext* server,
                                                  const v1::UserRequest* request,
                                                  v1::QueryDevicesResponse* response) {
  return reply(*server, api_.queryDevices(callContextFrom(*server), request->user_id()), *response);
}

grpc::Status GrpcAccountSyncService::QueryDevice(grpc::ServerContext* server,
                                                 const v1::QueryDeviceRequest* request,
                                                 v1::Device* response) {
  return reply(*server,
               api_.queryDevice(callContextFrom(*server), request->user_id(), request->device_id()),
               *response);
}

grpc::Status GrpcAccountSyncService::PerformUpdateDevice(
    grpc::ServerContext* server, const v1::PerformUpdateDeviceRequest* request,
    v1::Empty* /*response*/) {
  std::optional<std::string> name;
  if (request->has_display_name()) name = request->display_name();
  return reply(*server, api_.performUpdateDevice(callContextFrom(*server), request->user_id(),
                                                 request->device_id(), std::move(name)));
}

grpc::Status GrpcAccountSyncService::PerformDeleteDevices(
    grpc::ServerContext* server, const v1::PerformDeleteDevicesRequest* request,
    v1::Empty* /*response*/) {
  std::vector<std::string> ids(request->device_ids().begin(), request->device_ids().end());
  return reply(*server,
               api_.performDeleteDevices(callContextFrom(*server), request->user_id(), ids));
}

grpc::Status GrpcAccountSyncService::PerformTouchDevice(
    grpc::ServerContext* server, const v1::PerformTouchDeviceRequest* request,
    v1::Empty* /*response*/) {
  return reply(*server,
               api_.performTouchDevice(callContextFrom(*server), request->user_id(),
                                       request->device_id(), request->ip(), request->ts_ms()));
}

grpc::Status GrpcAccountSyncService::QueryProfile(grpc::ServerContext* server,
                                                  const v1::UserRequest* request,
                                                  v1::Profile* response) {
  return reply(*server, api_.queryProfile(callContextFrom(*server), request->user_id()), *response);
}

grpc::Status GrpcAccountSyncService::PerformSetDisplayName(
    grpc::ServerContext* server, const v1::SetProfileFieldRequest* request,
    v1::Empty* /*response*/) {
  std::optional<std::string> value;
  if (request->has_value()) value = request->value();
  return reply(*server, api_.performSetDisplayName(callContextFrom(*server), request->user_id(),
                                                   std::move(value)));
}

grpc::Status GrpcAccountSyncService::PerformSetAvatarUrl(grpc::ServerContext* server,
                                                         const v1::SetProfileFieldRequest* request,
                                                         v1::Empty* /*response*/) {
  std::optional<std::string> value;
  if (request->has_value()) value = request->value();
  return reply(*server, api_.performSetAvatarUrl(callContextFrom(*server), request->user_id(),
                                                 std::move(value)));
}

grpc::Status GrpcAccountSyncService::QueryUserDirectory(
    grpc::ServerContext* server, const v1::QueryUserDirectoryRequest* request,
    v1::UserDirectoryResult* response) {
  return reply(*server,
               api_.queryUserDirectory(callContextFrom(*server), request->search_term(),
                                       request->limit(), request->requesting_user_id()),
               *response);
}

// ---- Account data, tags ---------------------------------------------------------------------

grpc::Status GrpcAccountSyncService::PerformSetAccountData(
    grpc::ServerContext* server, const v1::PerformSetAccountDataRequest* request,
    v1::StreamPosition* response) {
  auto content = convert::jsonObjectField(request->content_json(), "content_json");
  if (!content.ok()) return failed(*server, content.error());
  return reply(*server,
               api_.performSetAccountData(callContextFrom(*server), request->user_id(),
                                          request->room_id(), request->type(), *content),
               *response);
}

grpc::Status GrpcAccountSyncService::QueryAccountData(grpc::ServerContext* server,
                                                      const v1::QueryAccountDataRequest* request,
                                                      v1::AccountDataChanges* response) {
  return reply(*server,
               api_.queryAccountData(callContextFrom(*server), request->user_id(),
                                     request->since_position()),
               *response);
}

grpc::Status GrpcAccountSyncService::QueryAccountDataEntry(
    grpc::ServerContext* server, const v1::QueryAccountDataEntryRequest* request,
    v1::JsonObject* response) {
  return reply(*server,
               api_.queryAccountDataEntry(callContextFrom(*server), request->user_id(),
                                          request->room_id(), request->type()),
               *response);
}

grpc::Status GrpcAccountSyncService::QueryAccountDataPosition(grpc::ServerContext* server,
                                                              const v1::Empty* /*request*/,
                                                              v1::StreamPosition* response) {
  return reply(*server, api_.queryAccountDataPosition(callContextFrom(*server)), *response);
}

grpc::Status GrpcAccountSyncService::PerformSetTag(grpc::ServerContext* server,
                                                   const v1::PerformSetTagRequest* request,
                                                   v1::StreamPosition* response) {
  auto content = convert::jsonObjectField(request->content_json(), "content_json");
  if (!content.ok()) return failed(*server, content.error());
  return reply(*server,
               api_.performSetTag(callContextFrom(*server), request->user_id(), request->room_id(),
                                  request->tag(), *content),
               *response);
}

grpc::Status GrpcAccountSyncService::PerformDeleteTag(grpc::ServerContext* server,
                                                      const v1::PerformDeleteTagRequest* request,
                                                      v1::StreamPosition* response) {
  return reply(*server,
               api_.performDeleteTag(callContextFrom(*server), request->user_id(),
                                     request->room_id(), request->tag()),
               *response);
}

grpc::Status GrpcAccountSyncService::QueryTags(grpc::ServerContext* server,
                                               const v1::QueryTagsRequest* request,
                                               v1::JsonObject* response) {
  return reply(*server,
               api_.queryTags(callContextFrom(*server), request->user_id(), request->room_id()),
               *response);
}

// ---- Push rules, pushers --------------------------------------------------------------------

grpc::Status GrpcAccountSyncService::QueryPushRules(grpc::ServerContext* server,
                                                    const v1::UserRequest* request,
                                                    v1::JsonObject* response) {
  return reply(*server, api_.queryPushRules(callContextFrom(*server), request->user_id()),
               *response);
}

grpc::Status GrpcAccountSyncService::QueryPushRule(grpc::ServerContext* server,
                                                   const v1::PushRuleRef* request,
                                                   v1::JsonObject* response) {
  return reply(*server,
               api_.queryPushRule(callContextFrom(*server), request->user_id(), request->kind(),
                                  request->rule_id()),
               *response);
}

grpc::Status GrpcAccountSyncService::PerformPutPushRule(
    grpc::ServerContext* server, const v1::PerformPutPushRuleRequest* request,
    v1::Empty* /*response*/) {
  if (auto missing = missingRule(*request)) return failed(*server, *missing);
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return failed(*server, body.error());
  std::optional<std::string> before;
  std::optional<std::string> after;
  if (request->has_before()) before = request->before();
  if (request->has_after()) after = request->after();
  const auto& rule = request->rule();
  return reply(*server,
               api_.performPutPushRule(callContextFrom(*server), rule.user_id(), rule.kind(),
                                       rule.rule_id(), *body, std::move(before), std::move(after)));
}

grpc::Status GrpcAccountSyncService::PerformDeletePushRule(grpc::ServerContext* server,
                                                           const v1::PushRuleRef* request,
                                                           v1::Empty* /*response*/) {
  return reply(*server, api_.performDeletePushRule(callContextFrom(*server), request->user_id(),
                                                   request->kind(), request->rule_id()));
}

grpc::Status GrpcAccountSyncService::PerformSetPushRuleEnabled(
    grpc::ServerContext* server, const v1::PerformSetPushRuleEnabledRequest* request,
    v1::Empty* /*response*/) {
  if (auto missing = missingRule(*request)) return failed(*server, *missing);
  const auto& rule = request->rule();
  return reply(*server,
               api_.performSetPushRuleEnabled(callContextFrom(*server), rule.user_id(), rule.kind(),
                                              rule.rule_id(), request->enabled()));
}

grpc::Status GrpcAccountSyncService::PerformSetPushRuleActions(
    grpc::ServerContext* server, const v1::PerformSetPushRuleActionsRequest* request,
    v1::Empty* /*response*/) {
  if (auto missing = missingRule(*request)) return failed(*server, *missing);
  auto actions = convert::jsonArrayField(request->actions_json(), "actions_json");
  if (!actions.ok()) return failed(*server, actions.error());
  const auto& rule = request->rule();
  return reply(*server, api_.performSetPushRuleActions(callContextFrom(*server), rule.user_id(),
                                                       rule.kind(), rule.rule_id(), *actions));
}

grpc::Status GrpcAccountSyncService::QueryPushers(grpc::ServerContext* server,
                                                  const v1::UserRequest* request,
                                                  v1::QueryPushersResponse* response) {
  return reply(*server, api_.queryPushers(callContextFrom(*server), request->user_id()), *response);
}

grpc::Status GrpcAccountSyncService::PerformSetPusher(grpc::ServerContext* server,
                                                      const v1::PerformSetPusherRequest* request,
                                                      v1::Empty* /*response*/) {
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return failed(*server, body.error());
  return reply(*server, api_.performSetPusher(callContextFrom(*server), request->user_id(),
                                              request->device_id(), *body));
}

}  // namespace plexus::accountsync
