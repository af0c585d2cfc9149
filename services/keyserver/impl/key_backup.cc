// KeyserverService: server-side key backup (/room_keys). The data is opaque to the server; it
// only decides which of two keys for a session to keep.
#include "keyserver/impl/key_json.h"
#include "keyserver/impl/keyserver_service.h"
#include "keyserver/storage/key_store.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/storage/errors.h"

namespace plexus::keyserver {

namespace {

// SPEC (key backup, "Storing keys"): verified beats unverified, then the lower
// first_message_index, then the lower forwarded_count; a tie keeps the stored key.
bool isBetterBackupKey(const BackupKeyData& candidate, const BackupKeyData& stored) {
  if (candidate.isVerified != stored.isVerified) return candidate.isVerified;
  if (candidate.firstMessageIndex != stored.firstMessageIndex) {
    return candidate.firstMessageIndex < stored.firstMessageIndex;
  }
  return candidate.forwardedCount < stored.forwardedCount;
}

Result<std::int64_t> versionNumber(std::string_view version) {
  auto number = parseBackupVersion(version);
  if (!number) return fail(ErrorCode::kNotFound, "unknown backup version " + std::string(version));
  return *number;
}

Status notFound(std::string_view version) {
  return fail(ErrorCode::kNotFound, "unknown backup version " + std::string(version));
}

}  // namespace

Result<std::string> KeyserverService::performCreateBackupVersion(const CallContext& ctx,
                                                                 std::string_view userId,
                                                                 std::string_view algorithm,
                                                                 const json::Object& authData) {
  if (algorithm.empty()) return fail(ErrorCode::kBadJson, "algorithm is required");
  std::string authText = json::canonical(authData);
  std::int64_t created = 0;
  // Two concurrent creations may pick the same number on PostgreSQL; the loser tries again.
  for (int attempt = 0;; ++attempt) {
    auto status = write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&) -> Status {
      PLEXUS_TRY(created, store_->createBackupVersion(tx, userId, algorithm, authText));
      return {};
    });
    if (status.ok()) break;
    if (attempt >= 4 || !storage::isUniqueViolation(status.error())) return status.error();
  }
  return std::to_string(created);
}

Result<BackupVersion> KeyserverService::queryBackupVersion(
    const CallContext&, std::string_view userId, const std::optional<std::string>& version) {
  std::optional<std::int64_t> number;
  if (version) {
    PLEXUS_TRY(number, versionNumber(*version));
  }
  PLEXUS_TRY(auto stored, store_->backupVersion(db_, userId, number));
  if (!stored) return fail(ErrorCode::kNotFound, "no backup version");
  BackupVersion out;
  out.version = std::to_string(stored->version);
  out.algorithm = stored->algorithm;
  PLEXUS_TRY(out.authData, json::parseObject(stored->authDataJson));
  PLEXUS_TRY(out.count, store_->countBackupKeys(db_, userId, stored->version));
  out.etag = std::to_string(stored->etag);
  return out;
}

Status KeyserverService::performUpdateBackupVersion(const CallContext& ctx,
                                                    std::string_view userId,
                                                    std::string_view version,
                                                    std::string_view algorithm,
                                                    const json::Object& authData) {
  PLEXUS_TRY(auto number, versionNumber(version));
  return write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&) -> Status {
    PLEXUS_TRY(auto stored, store_->backupVersion(tx, userId, number));
    if (!stored) return notFound(version);
    if (stored->algorithm != algorithm) {
      return fail(ErrorCode::kInvalidParam, "the algorithm of a backup version cannot change");
    }
    return store_->updateBackupAuthData(tx, userId, number, json::canonical(authData));
  });
}

Status KeyserverService::performDeleteBackupVersion(const CallContext& ctx,
                                                    std::string_view userId,
                                                    std::string_view version) {
  PLEXUS_TRY(auto number, versionNumber(version));
  return write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&) -> Status {
    PLEXUS_TRY(bool deleted, store_->deleteBackupVersion(tx, userId, number));
    if (!deleted) return notFound(version);
    return {};
  });
}

Result<BackupKeysSummary> KeyserverService::performUploadBackupKeys(const CallContext& ctx,
                                                                    std::string_view userId,
                                                                    std::string_view version,
                                                                    const BackupKeys& keys) {
  PLEXUS_TRY(auto number, versionNumber(version));
  BackupKeysSummary summary;
  Status written = write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&) -> Status {
    PLEXUS_TRY(auto current, store_->backupVersion(tx, userId, std::nullopt));
    if (!current) return notFound(version);
    if (current->version != number) {
      // SPEC: uploads go to the current version only; client-api reports current_version.
      return fail(ErrorCode::kWrongRoomKeysVersion,
                  "current backup version is " + std::to_string(current->version));
    }
    bool changed = false;
    for (const auto& [roomId, sessions] : keys) {
      PLEXUS_TRY(auto stored, store_->backupKeys(tx, userId, number, {roomId, std::nullopt}));
      const auto* storedRoom = stored.contains(roomId) ? &stored.at(roomId) : nullptr;
      for (const auto& [sessionId, data] : sessions) {
        if (storedRoom) {
          auto it = storedRoom->find(sessionId);
          if (it != storedRoom->end() && !isBetterBackupKey(data, it->second)) continue;
        }
        PLEXUS_TRY_VOID(store_->putBackupKey(tx, userId, number, roomId, sessionId, data));
        changed = true;
      }
    }
    if (changed) PLEXUS_TRY_VOID(store_->bumpBackupEtag(tx, userId, number));
    PLEXUS_TRY(summary.count, store_->countBackupKeys(tx, userId, number));
    summary.etag = std::to_string(current->etag + (changed ? 1 : 0));
    return {};
  });
  if (!written.ok()) return written.error();
  return summary;
}

Result<BackupKeys> KeyserverService::queryBackupKeys(const CallContext&, std::string_view userId,
                                                     std::string_view version,
                                                     const BackupKeySelector& selector) {
  PLEXUS_TRY(auto number, versionNumber(version));
  PLEXUS_TRY(auto stored, store_->backupVersion(db_, userId, number));
  if (!stored) return notFound(version).error();
  PLEXUS_TRY(auto keys, store_->backupKeys(db_, userId, number, selector));
  if (selector.roomId && selector.sessionId && keys.empty()) {
    return fail(ErrorCode::kNotFound, "no key backed up for this session");
  }
  return keys;
}

Result<BackupKeysSummary> KeyserverService::performDeleteBackupKeys(
    const CallContext& ctx, std::string_view userId, std::string_view version,
    const BackupKeySelector& selector) {
  PLEXUS_TRY(auto number, versionNumber(version));
  BackupKeysSummary summary;
  Status written = write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&) -> Status {
    PLEXUS_TRY(auto stored, store_->backupVersion(tx, userId, number));
    if (!stored) return notFound(version);
    PLEXUS_TRY(auto removed, store_->deleteBackupKeys(tx, userId, number, selector));
    if (removed > 0) PLEXUS_TRY_VOID(store_->bumpBackupEtag(tx, userId, number));
    PLEXUS_TRY(summary.count, store_->countBackupKeys(tx, userId, number));
    summary.etag = std::to_string(stored->etag + (removed > 0 ? 1 : 0));
    return {};
  });
  if (!written.ok()) return written.error();
  return summary;
}

}  // namespace plexus::keyserver
