// The account-sync service's bus output (topic "accountsync.account_data", key = user ID): an
// account-data item of a user changed. Consumer: sync-api, which wakes the user's /sync and
// reads the changes with AccountSyncApi::queryAccountData. Published after the commit;
// delivered at least once, so consumers treat it as a hint and dedupe by position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::accountsync {

struct AccountDataOutput {
  static constexpr std::string_view kTopic = "accountsync.account_data";

  std::string userId;
  std::string roomId;  // empty for global account data
  std::string type;
  std::int64_t streamPosition = 0;

  std::string key() const { return userId; }
  json::Object toJson() const;
  static Result<AccountDataOutput> fromJson(const json::Object& object);
};

// A write that may have revoked access tokens or changed what they stand for (logout, device
// deletion, password change, deactivation, lock, suspend, refresh): caches of token answers in
// other processes drop everything they hold (token_cache.h).
struct CredentialsChanged {
  static constexpr std::string_view kTopic = "accountsync.credentials";

  std::int64_t atMs = 0;  // when, for logs

  std::string key() const { return "credentials"; }
  json::Object toJson() const;
  static Result<CredentialsChanged> fromJson(const json::Object& object);
};

// A write that changed, or may have changed, a user's pushers (POST /pushers/set, device
// deletion, logout, deactivation): caches of queryPushers answers in other processes (sync-api's
// push delivery) forget that user's. Enqueued in the write's transaction.
struct PushersChanged {
  static constexpr std::string_view kTopic = "accountsync.pushers";

  // Empty: anyone's pushers may have changed (a pusher set without append removes the same
  // app_id and pushkey from other users).
  std::string userId;

  std::string key() const { return userId; }
  json::Object toJson() const;
  static Result<PushersChanged> fromJson(const json::Object& object);
};

}  // namespace plexus::accountsync
