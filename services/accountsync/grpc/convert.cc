// Account-sync value types <-> protobuf messages (convert.h).
#include "accountsync/grpc/convert.h"

#include <optional>
#include <string>
#include <utility>

#include "plexus/grpcutil/json_text.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::accountsync::convert {
namespace {

template <typename T>
std::optional<T> optionalOf(bool has, const T& value) {
  if (!has) return std::nullopt;
  return value;
}

}  // namespace

v1::AccountKind toProto(AccountKind kind) {
  return kind == AccountKind::kGuest ? v1::ACCOUNT_KIND_GUEST : v1::ACCOUNT_KIND_USER;
}

Result<AccountKind> fromProto(v1::AccountKind kind) {
  switch (kind) {
    case v1::ACCOUNT_KIND_UNSPECIFIED:
    case v1::ACCOUNT_KIND_USER:
      return AccountKind::kUser;
    case v1::ACCOUNT_KIND_GUEST:
      return AccountKind::kGuest;
    default:
      return fail(ErrorCode::kInvalidParam,
                  "unknown account kind " + std::to_string(static_cast<int>(kind)));
  }
}

void toProto(const RegisterRequest& in, v1::RegisterRequest& out) {
  if (in.localpart) out.set_localpart(*in.localpart);
  if (in.password) out.set_password(*in.password);
  if (in.deviceId) out.set_device_id(*in.deviceId);
  if (in.initialDeviceDisplayName)
    out.set_initial_device_display_name(*in.initialDeviceDisplayName);
  out.set_kind(toProto(in.kind));
  out.set_admin(in.admin);
  out.set_inhibit_login(in.inhibitLogin);
  out.set_refresh_token(in.refreshToken);
}

Result<RegisterRequest> fromProto(const v1::RegisterRequest& in) {
  RegisterRequest out;
  out.localpart = optionalOf(in.has_localpart(), in.localpart());
  out.password = optionalOf(in.has_password(), in.password());
  out.deviceId = optionalOf(in.has_device_id(), in.device_id());
  out.initialDeviceDisplayName =
      optionalOf(in.has_initial_device_display_name(), in.initial_device_display_name());
  PLEXUS_TRY(out.kind, fromProto(in.kind()));
  out.admin = in.admin();
  out.inhibitLogin = in.inhibit_login();
  out.refreshToken = in.refresh_token();
  return out;
}

void toProto(const LoginResult& in, v1::LoginResult& out) {
  out.set_user_id(in.userId);
  out.set_device_id(in.deviceId);
  out.set_access_token(in.accessToken);
  if (in.refreshToken) out.set_refresh_token(*in.refreshToken);
  if (in.expiresInMs) out.set_expires_in_ms(*in.expiresInMs);
}

LoginResult fromProto(const v1::LoginResult& in) {
  LoginResult out;
  out.userId = in.user_id();
  out.deviceId = in.device_id();
  out.accessToken = in.access_token();
  out.refreshToken = optionalOf(in.has_refresh_token(), in.refresh_token());
  out.expiresInMs = optionalOf(in.has_expires_in_ms(), in.expires_in_ms());
  return out;
}

void toProto(const PasswordLoginRequest& in, v1::PasswordLoginRequest& out) {
  out.set_user(in.user);
  out.set_password(in.password);
  if (in.deviceId) out.set_device_id(*in.deviceId);
  if (in.initialDeviceDisplayName)
    out.set_initial_device_display_name(*in.initialDeviceDisplayName);
  out.set_refresh_token(in.refreshToken);
}

PasswordLoginRequest fromProto(const v1::PasswordLoginRequest& in) {
  PasswordLoginRequest out;
  out.user = in.user();
  out.password = in.password();
  out.deviceId = optionalOf(in.has_device_id(), in.device_id());
  out.initialDeviceDisplayName =
      optionalOf(in.has_initial_device_display_name(), in.initial_device_display_name());
  out.refreshToken = in.refresh_token();
  return out;
}

void toProto(const TokenLoginRequest& in, v1::TokenLoginRequest& out) {
  out.set_token(in.token);
  if (in.deviceId) out.set_device_id(*in.deviceId);
  if (in.initialDeviceDisplayName)
    out.set_initial_device_display_name(*in.initialDeviceDisplayName);
  out.set_refresh_token(in.refreshToken);
}

TokenLoginRequest fromProto(const v1::TokenLoginRequest& in) {
  TokenLoginRequest out;
  out.token = in.token();
  out.deviceId = optionalOf(in.has_device_id(), in.device_id());
  out.initialDeviceDisplayName =
      optionalOf(in.has_initial_device_display_name(), in.initial_device_display_name());
  out.refreshToken = in.refresh_token();
  return out;
}

void toProto(const AccessTokenInfo& in, v1::AccessTokenInfo& out) {
  out.set_user_id(in.userId);
  out.set_device_id(in.deviceId);
  out.set_is_guest(in.isGuest);
  out.set_is_admin(in.isAdmin);
  out.set_is_suspended(in.isSuspended);
  out.set_is_locked(in.isLocked);
  if (in.expiresAtMs) out.set_expires_at_ms(*in.expiresAtMs);
}

AccessTokenInfo fromProto(const v1::AccessTokenInfo& in) {
  AccessTokenInfo out;
  out.userId = in.user_id();
  out.deviceId = in.device_id();
  out.isGuest = in.is_guest();
  out.isAdmin = in.is_admin();
  out.isSuspended = in.is_suspended();
  out.isLocked = in.is_locked();
  out.expiresAtMs = optionalOf(in.has_expires_at_ms(), in.expires_at_ms());
  return out;
}

void toProto(const Account& in, v1::Account& out) {
  out.set_user_id(in.userId);
  out.set_kind(toProto(in.kind));
  out.set_is_admin(in.isAdmin);
  out.set_deactivated(in.deactivated);
  out.set_has_password(in.hasPassword);
  out.set_created_ms(in.createdMs);
  out.set_locked(in.locked);
  out.set_suspended(in.suspended);
}

Result<Account> fromProto(const v1::Account& in) {
  Account out;
  out.userId = in.user_id();
  PLEXUS_TRY(out.kind, fromProto(in.kind()));
  out.isAdmin = in.is_admin();
  out.deactivated = in.deactivated();
  out.hasPassword = in.has_password();
  out.createdMs = in.created_ms();
  out.locked = in.locked();
  out.suspended = in.suspended();
  return out;
}

void toProto(const Device& in, v1::Device& out) {
  out.set_user_id(in.userId);
  out.set_device_id(in.deviceId);
  if (in.displayName) out.set_display_name(*in.displayName);
  if (in.lastSeenTs) out.set_last_seen_ts(*in.lastSeenTs);
  if (in.lastSeenIp) out.set_last_seen_ip(*in.lastSeenIp);
}

Device fromProto(const v1::Device& in) {
  Device out;
  out.userId = in.user_id();
  out.deviceId = in.device_id();
  out.displayName = optionalOf(in.has_display_name(), in.display_name());
  out.lastSeenTs = optionalOf(in.has_last_seen_ts(), in.last_seen_ts());
  out.lastSeenIp = optionalOf(in.has_last_seen_ip(), in.last_seen_ip());
  return out;
}

void toProto(const std::vector<Device>& in, v1::QueryDevicesResponse& out) {
  for (const auto& device : in) toProto(device, *out.add_devices());
}

std::vector<Device> fromProto(const v1::QueryDevicesResponse& in) {
  std::vector<Device> out;
  out.reserve(static_cast<std::size_t>(in.devices_size()));
  for (const auto& device : in.devices()) out.push_back(fromProto(device));
  return out;
}

void toProto(const Profile& in, v1::Profile& out) {
  if (in.displayName) out.set_display_name(*in.displayName);
  if (in.avatarUrl) out.set_avatar_url(*in.avatarUrl);
}

Profile fromProto(const v1::Profile& in) {
  Profile out;
  out.displayName = optionalOf(in.has_display_name(), in.display_name());
  out.avatarUrl = optionalOf(in.has_avatar_url(), in.avatar_url());
  return out;
}

void toProto(const UserDirectoryResult& in, v1::UserDirectoryResult& out) {
  for (const auto& entry : in.results) {
    auto& e = *out.add_results();
    e.set_user_id(entry.userId);
    if (entry.displayName) e.set_display_name(*entry.displayName);
    if (entry.avatarUrl) e.set_avatar_url(*entry.avatarUrl);
  }
  out.set_limited(in.limited);
}

UserDirectoryResult fromProto(const v1::UserDirectoryResult& in) {
  UserDirectoryResult out;
  out.results.reserve(static_cast<std::size_t>(in.results_size()));
  for (const auto& e : in.results()) {
    UserDirectoryEntry entry;
    entry.userId = e.user_id();
    entry.displayName = optionalOf(e.has_display_name(), e.display_name());
    entry.avatarUrl = optionalOf(e.has_avatar_url(), e.avatar_url());
    out.results.push_back(std::move(entry));
  }
  out.limited = in.limited();
  return out;
}

void toProto(const AccountDataChanges& in, v1::AccountDataChanges& out) {
  for (const auto& entry : in.entries) {
    auto& e = *out.add_entries();
    e.set_room_id(entry.roomId);
    e.set_type(entry.type);
    e.set_content_json(jsonText(entry.content));
    e.set_stream_position(entry.streamPosition);
  }
  out.set_latest_position(in.latestPosition);
}

Result<AccountDataChanges> fromProto(const v1::AccountDataChanges& in) {
  AccountDataChanges out;
  out.entries.reserve(static_cast<std::size_t>(in.entries_size()));
  for (const auto& e : in.entries()) {
    AccountDataEntry entry;
    entry.roomId = e.room_id();
    entry.type = e.type();
    PLEXUS_TRY(entry.content, jsonObjectField(e.content_json(), "content_json"));
    entry.streamPosition = e.stream_position();
    out.entries.push_back(std::move(entry));
  }
  out.latestPosition = in.latest_position();
  return out;
}

void toProto(const Pusher& in, v1::Pusher& out) {
  out.set_pushkey(in.pushkey);
  out.set_kind(in.kind);
  out.set_app_id(in.appId);
  out.set_app_display_name(in.appDisplayName);
  out.set_device_display_name(in.deviceDisplayName);
  if (in.profileTag) out.set_profile_tag(*in.profileTag);
  out.set_lang(in.lang);
  out.set_data_json(jsonText(in.data));
  out.set_device_id(in.deviceId);
  out.set_created_ms(in.createdMs);
}

Result<Pusher> fromProto(const v1::Pusher& in) {
  Pusher out;
  out.pushkey = in.pushkey();
  out.kind = in.kind();
  out.appId = in.app_id();
  out.appDisplayName = in.app_display_name();
  out.deviceDisplayName = in.device_display_name();
  out.profileTag = optionalOf(in.has_profile_tag(), in.profile_tag());
  out.lang = in.lang();
  PLEXUS_TRY(out.data, jsonObjectField(in.data_json(), "data_json"));
  out.deviceId = in.device_id();
  out.createdMs = in.created_ms();
  return out;
}

void toProto(const std::vector<Pusher>& in, v1::QueryPushersResponse& out) {
  for (const auto& pusher : in) toProto(pusher, *out.add_pushers());
}

Result<std::vector<Pusher>> fromProto(const v1::QueryPushersResponse& in) {
  std::vector<Pusher> out;
  out.reserve(static_cast<std::size_t>(in.pushers_size()));
  for (const auto& p : in.pushers()) {
    PLEXUS_TRY(auto pusher, fromProto(p));
    out.push_back(std::move(pusher));
  }
  return out;
}

void toProto(const json::Object& in, v1::JsonObject& out) { out.set_object_json(jsonText(in)); }

Result<json::Object> fromProto(const v1::JsonObject& in) {
  return jsonObjectField(in.object_json(), "object_json");
}

void toProto(std::int64_t in, v1::StreamPosition& out) { out.set_position(in); }

std::int64_t fromProto(const v1::StreamPosition& in) { return in.position(); }

}  // namespace plexus::accountsync::convert
