// Plain value types of the account-sync contract: registration and login requests, tokens,
// devices, profiles, account data entries and pushers. No storage or transport types here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/error.h"
#include "plexus/json/value.h"

namespace plexus::accountsync {

enum class AccountKind : std::uint8_t { kUser, kGuest };

struct RegisterRequest {
  // The requested localpart; a fresh one is generated when absent. Upper-case letters are
  // folded to lower case (SPEC: client-server "register" — servers should lowercase).
  std::optional<std::string> localpart;
  // Required for kUser accounts that should be able to log in with a password; absent for
  // guests and accounts created by other means (they can never log in with a password).
  std::optional<std::string> password;
  // The device to create or reuse; a fresh one is generated when absent.
  std::optional<std::string> deviceId;
  std::optional<std::string> initialDeviceDisplayName;
  AccountKind kind = AccountKind::kUser;
  bool admin = false;
  // Create the account but no device and no access token (spec `inhibit_login`).
  bool inhibitLogin = false;
  // The client supports refresh tokens (spec `refresh_token: true`): the access token then
  // expires after Options::accessTokenLifetimeMs and a refresh token is returned.
  bool refreshToken = false;
};

// What registration and login hand back. deviceId/accessToken are empty after an inhibited
// login; refreshToken/expiresInMs are set only when refresh tokens were requested.
struct LoginResult {
  std::string userId;
  std::string deviceId;
  std::string accessToken;
  std::optional<std::string> refreshToken;
  std::optional<std::int64_t> expiresInMs;
};

struct PasswordLoginRequest {
  // A full user ID ("@alice:example.org") or a bare localpart ("alice"); case-insensitive.
  std::string user;
  std::string password;
  std::optional<std::string> deviceId;
  std::optional<std::string> initialDeviceDisplayName;
  bool refreshToken = false;
};

// m.login.token (SPEC: client-server "Token-based login"): a token made by
// performCreateLoginToken, redeemed once.
struct TokenLoginRequest {
  std::string token;
  std::optional<std::string> deviceId;
  std::optional<std::string> initialDeviceDisplayName;
  bool refreshToken = false;
};

// Who an access token belongs to.
struct AccessTokenInfo {
  std::string userId;
  std::string deviceId;
  bool isGuest = false;
  bool isAdmin = false;
  // An admin suspended the account: client-api refuses its writes with M_USER_SUSPENDED.
  bool isSuspended = false;
  // An admin locked the account: client-api answers 401 M_USER_LOCKED to everything but
  // logout (which the owner may still use).
  bool isLocked = false;
  // When the token expires (ms since the epoch); absent for non-expiring tokens.
  std::optional<std::int64_t> expiresAtMs;
};

struct Account {
  std::string userId;
  AccountKind kind = AccountKind::kUser;
  bool isAdmin = false;
  bool deactivated = false;
  bool hasPassword = false;
  std::int64_t createdMs = 0;
  // Admin restrictions (SPEC: client-server "Account locking" / "Account suspension").
  bool locked = false;
  bool suspended = false;
};

struct Device {
  std::string userId;
  std::string deviceId;
  std::optional<std::string> displayName;
  std::optional<std::int64_t> lastSeenTs;  // ms since the epoch
  std::optional<std::string> lastSeenIp;
};

struct Profile {
  std::optional<std::string> displayName;
  std::optional<std::string> avatarUrl;
};

struct UserDirectoryEntry {
  std::string userId;
  std::optional<std::string> displayName;
  std::optional<std::string> avatarUrl;
};

struct UserDirectoryResult {
  std::vector<UserDirectoryEntry> results;
  bool limited = false;  // more users matched than `limit`
};

// One account-data item: global when roomId is empty.
struct AccountDataEntry {
  std::string roomId;
  std::string type;
  json::Object content;
  std::int64_t streamPosition = 0;  // when it last changed
};

struct AccountDataChanges {
  // The latest entry of each (roomId, type) changed after the `since` position, in position
  // order.
  std::vector<AccountDataEntry> entries;
  // The newest account-data position of the whole server at read time: pass it as `since`
  // next time. Never smaller than any returned entry's position.
  std::int64_t latestPosition = 0;
};

// A pusher as stored (spec POST /pushers/set body, minus `append`).
struct Pusher {
  std::string pushkey;
  std::string kind;  // "http" or "email"
  std::string appId;
  std::string appDisplayName;
  std::string deviceDisplayName;
  std::optional<std::string> profileTag;
  std::string lang;
  json::Object data;     // e.g. {"url": "...", "format": "event_id_only"}
  std::string deviceId;  // the device whose access token set it (empty when unknown)
  std::int64_t createdMs = 0;

  // The spec's GET /pushers shape of one pusher.
  json::Object toJson() const;
};

// queryAccessToken fails with kUnknownToken for tokens that never existed or were revoked.
// When the token existed but expired (refresh-token sessions), the error message starts with
// this marker; client-api then answers `"soft_logout": true` (SPEC: client-server "Soft
// logout").
inline constexpr std::string_view kSoftLogoutMarker = "soft_logout: ";
inline bool isSoftLogout(const Error& error) {
  return error.code == ErrorCode::kUnknownToken &&
         std::string_view(error.message).substr(0, kSoftLogoutMarker.size()) == kSoftLogoutMarker;
}

}  // namespace plexus::accountsync
