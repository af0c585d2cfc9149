// KeyserverService: construction, the transaction + outbox helper, the device-list stream,
// display names and the deletion hooks. The endpoints' logic is in device_keys.cc,
// cross_signing.cc and key_backup.cc.
#include "keyserver/impl/keyserver_service.h"

#include <chrono>

#include "keyserver/impl/change_recorder.h"
#include "keyserver/storage/sql_key_store.h"
#include "plexus/bus/output_sink.h"

namespace plexus::keyserver {

KeyserverService::KeyserverService(storage::Database& db, bus::OutputSink& outputs,
                                   Options options)
    : db_(db), outputs_(outputs), options_(std::move(options)), store_(std::make_unique<SqlKeyStore>()) {
  if (!options_.clock) {
    options_.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

KeyserverService::~KeyserverService() = default;

Status KeyserverService::migrate() { return store_->migrate(db_); }

Status KeyserverService::write(
    const CallContext& ctx,
    const std::function<Status(storage::Transaction&, std::vector<DeviceListUpdate>&)>& fn) {
  return write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates,
                        std::vector<OneTimeKeysChanged>&) { return fn(tx, updates); });
}

Status KeyserverService::write(
    const CallContext& ctx,
    const std::function<Status(storage::Transaction&, std::vector<DeviceListUpdate>&,
                               std::vector<OneTimeKeysChanged>&)>& fn) {
  if (ctx.expired()) return fail(ErrorCode::kUnavailable, "keyserver: deadline passed");
  std::vector<DeviceListUpdate> updates;
  std::vector<OneTimeKeysChanged> keyChanges;
  PLEXUS_TRY_VOID(db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    updates.clear();  // a retried attempt starts over
    keyChanges.clear();
    Status changed = fn(tx, updates, keyChanges);
    if (!changed.ok()) return changed;
    for (const auto& update : updates) {
      Status queued = bus::enqueueTyped(outputs_, tx, update);
      if (!queued.ok()) return queued;
    }
    if (!options_.publishOneTimeKeyChanges) keyChanges.clear();
    for (const auto& change : keyChanges) {
      Status queued = bus::enqueueTyped(outputs_, tx, change);
      if (!queued.ok()) return queued;
    }
    return {};
  }));
  if (!updates.empty() || !keyChanges.empty()) outputs_.committed();
  return {};
}

Status KeyserverService::performSetDeviceDisplayName(const CallContext& ctx,
                                                     std::string_view userId,
                                                     std::string_view deviceId,
                                                     std::string_view displayName) {
  std::optional<std::string> name;
  if (!displayName.empty()) name = std::string(displayName);
  return write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates) -> Status {
    PLEXUS_TRY(auto existing, store_->device(tx, userId, deviceId));
    if (existing && existing->displayName == name) return {};
    if (!existing && !name) return {};
    PLEXUS_TRY_VOID(store_->setDisplayName(tx, userId, deviceId, name));
    return recordDeviceListChange(*store_, tx, updates, userId, deviceId, false);
  });
}

Result<std::int64_t> KeyserverService::queryDeviceListPosition(const CallContext&) {
  return store_->deviceListPosition(db_);
}

Result<KeyChanges> KeyserverService::queryKeyChanges(const CallContext&, std::string_view,
                                                     std::int64_t from, std::int64_t to) {
  if (from < 0 || to < 0 || from > to) {
    return fail(ErrorCode::kInvalidParam, "keys/changes: need 0 <= from <= to");
  }
  KeyChanges changes;
  PLEXUS_TRY(changes.changed, store_->usersChangedBetween(db_, from, to));
  return changes;
}

Status KeyserverService::performDeleteDeviceKeys(const CallContext& ctx, std::string_view userId,
                                                 const std::vector<std::string>& deviceIds) {
  return write(
      ctx,
      [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates,
          std::vector<OneTimeKeysChanged>& keyChanges) -> Status {
        for (const auto& deviceId : deviceIds) {
          PLEXUS_TRY(bool existed, store_->deleteDevice(tx, userId, deviceId));
          if (existed) {
            PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, deviceId, true));
          }
          // Even without a device row: one-time keys can be uploaded before the device keys.
          recordOneTimeKeysChange(keyChanges, userId, deviceId);
        }
        return {};
      });
}

Status KeyserverService::performDeleteUserKeys(const CallContext& ctx, std::string_view userId) {
  return write(
      ctx,
      [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates,
          std::vector<OneTimeKeysChanged>& keyChanges) -> Status {
        PLEXUS_TRY(auto master, store_->crossSigningKey(tx, userId, CrossSigningKeyType::kMaster));
        PLEXUS_TRY(auto deviceIds, store_->deleteUser(tx, userId));
        for (const auto& deviceId : deviceIds) {
          PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, deviceId, true));
        }
        if (master)
          PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, "", false));
        // Every device's keys went, also those of devices without a row (keys uploaded first).
        recordOneTimeKeysChange(keyChanges, userId, "");
        return {};
      });
}

}  // namespace plexus::keyserver
