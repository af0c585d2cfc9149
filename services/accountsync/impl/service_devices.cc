// AccountSyncService, part 2: devices (with batched last-seen updates), profiles and the
// user directory.
#include <algorithm>

#include "accountsync/impl/accountsync_service.h"
#include "accountsync/impl/transaction.h"
#include "accountsync/impl/user_ids.h"
#include "accountsync/storage/account_store.h"

namespace plexus::accountsync {
namespace {

constexpr std::size_t kMaxDisplayNameLength = 256;
constexpr std::size_t kMaxAvatarUrlLength = 1000;
constexpr int kMaxDirectoryLimit = 1000;

}  // namespace

void AccountSyncService::overlayTouch(Device& device) {
  std::lock_guard lock(touchMutex_);
  auto it = touches_.find({device.userId, device.deviceId});
  if (it == touches_.end()) return;
  if (!device.lastSeenTs || it->second.tsMs > *device.lastSeenTs) {
    device.lastSeenTs = it->second.tsMs;
    device.lastSeenIp = it->second.ip;
  }
}

Result<std::vector<Device>> AccountSyncService::queryDevices(const CallContext& ctx,
                                                             std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto devices, store_->listDevices(db_, userId));
  for (Device& d : devices) overlayTouch(d);
  return devices;
}

Result<Device> AccountSyncService::queryDevice(const CallContext& ctx, std::string_view userId,
                                               std::string_view deviceId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto device, store_->getDevice(db_, userId, deviceId));
  if (!device) return fail(ErrorCode::kNotFound, "Unknown device");
  overlayTouch(*device);
  return std::move(*device);
}

Status AccountSyncService::performUpdateDevice(const CallContext& ctx, std::string_view userId,
                                               std::string_view deviceId,
                                               std::optional<std::string> displayName) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (displayName && displayName->size() > kMaxDisplayNameLength) {
    return fail(ErrorCode::kInvalidParam, "display_name is longer than 256 bytes");
  }
  PLEXUS_TRY(bool found, store_->setDeviceDisplayName(db_, userId, deviceId, displayName));
  if (!found) return fail(ErrorCode::kNotFound, "Unknown device");
  return {};
}

Status AccountSyncService::performDeleteDevices(const CallContext& ctx, std::string_view userId,
                                                const std::vector<std::string>& deviceIds) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  ACCOUNTSYNC_TRY_TX(credentialsTransaction([&](storage::Transaction& tx) -> Status {
    for (const auto& id : deviceIds) PLEXUS_TRY_VOID(store_->deleteDevice(tx, userId, id));
    return pushersChanged(tx, userId);
  }));
  std::lock_guard lock(touchMutex_);
  for (const auto& id : deviceIds) touches_.erase({std::string(userId), id});
  return {};
}

Status AccountSyncService::performTouchDevice(const CallContext& ctx, std::string_view userId,
                                              std::string_view deviceId, std::string_view ip,
                                              std::int64_t tsMs) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  bool writeThrough = false;
  {
    std::lock_guard lock(touchMutex_);
    Touch& t = touches_[{std::string(userId), std::string(deviceId)}];
    if (tsMs < t.tsMs) return {};  // an older request finishing late
    writeThrough =
        t.writtenTsMs == 0 || t.ip != ip || tsMs - t.writtenTsMs >= options_.touchWriteIntervalMs;
    t.ip = std::string(ip);
    t.tsMs = tsMs;
    if (writeThrough) t.writtenTsMs = tsMs;
  }
  if (!writeThrough) return {};
  return store_->setDeviceLastSeen(db_, userId, deviceId, ip, tsMs);
}

// ---- Profiles ---------------------------------------------------------------------------

Result<Profile> AccountSyncService::queryProfile(const CallContext& ctx, std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY_VOID(checkLocalUser(userId));
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (!account) return fail(ErrorCode::kNotFound, "Profile was not found");
  return store_->getProfile(db_, userId);
}

Status AccountSyncService::performSetDisplayName(const CallContext& ctx, std::string_view userId,
                                                 std::optional<std::string> displayName) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (displayName && displayName->size() > kMaxDisplayNameLength) {
    return fail(ErrorCode::kInvalidParam, "displayname is longer than 256 bytes");
  }
  return db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "Unknown user");
    PLEXUS_TRY(Profile profile, store_->getProfile(tx, userId));
    profile.displayName = displayName;
    return store_->setProfile(tx, userId, profile);
  });
}

Status AccountSyncService::performSetAvatarUrl(const CallContext& ctx, std::string_view userId,
                                               std::optional<std::string> avatarUrl) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (avatarUrl && avatarUrl->size() > kMaxAvatarUrlLength) {
    return fail(ErrorCode::kInvalidParam, "avatar_url is longer than 1000 bytes");
  }
  return db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return fail(ErrorCode::kNotFound, "Unknown user");
    PLEXUS_TRY(Profile profile, store_->getProfile(tx, userId));
    profile.avatarUrl = avatarUrl;
    return store_->setProfile(tx, userId, profile);
  });
}

Result<UserDirectoryResult> AccountSyncService::queryUserDirectory(
    const CallContext& ctx, std::string_view searchTerm, int limit,
    std::string_view /*requestingUserId*/) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  limit = std::clamp(limit, 0, kMaxDirectoryLimit);
  UserDirectoryResult out;
  if (limit == 0) return out;
  PLEXUS_TRY(out.results, store_->searchUsers(db_, lowerAscii(searchTerm), limit + 1));
  if (out.results.size() > static_cast<std::size_t>(limit)) {
    out.results.resize(static_cast<std::size_t>(limit));
    out.limited = true;
  }
  return out;
}

}  // namespace plexus::accountsync
