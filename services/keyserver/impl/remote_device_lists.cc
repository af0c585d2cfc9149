// KeyserverService: the cache of remote users' device lists (SPEC: server-server-api "Device
// Management", m.device_list_update and m.signing_key_update). Remote devices and
// cross-signing keys live in the same tables as local ones; keyserver_remote_device_lists
// says which remote users are tracked, up to which stream ID, and whether the cache is stale.
// An update applies when every prev_id is at or below the newest applied stream ID; otherwise
// (a missed update, or a user not cached yet) the whole list is refetched from the user's
// server. Every change is a device-list change of the remote user, so local users sharing a
// room see them in /sync device_lists.changed.
#include <algorithm>
#include <limits>

#include "keyserver/impl/change_recorder.h"
#include "keyserver/impl/key_json.h"
#include "keyserver/impl/keyserver_service.h"
#include "keyserver/impl/server_names.h"
#include "plexus/json/canonical.h"
#include "plexus/log/log.h"

namespace plexus::keyserver {
namespace {

std::string stringAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  const std::string* s = v ? v->getString() : nullptr;
  return s ? *s : std::string();
}

const json::Object* objectAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  return v ? v->getObject() : nullptr;
}

// The user of an EDU: present, of the sending server, not ours.
Result<std::string> remoteUserOf(const KeyserverService& service, const json::Object& content,
                                 std::string_view origin) {
  std::string userId = stringAt(content, "user_id");
  if (userId.empty()) return fail(ErrorCode::kBadJson, "user_id is missing");
  if (serverOfUser(userId) != origin) {
    return fail(ErrorCode::kForbidden, "the user does not belong to the sending server");
  }
  if (service.isLocal(userId)) return fail(ErrorCode::kForbidden, "the user is one of ours");
  return userId;
}

// Cross-signing keys of an EDU or a /user/devices answer; invalid ones are left out.
std::optional<std::string> crossSigningKeyJson(const json::Object& holder, std::string_view member,
                                               const std::string& userId, std::string_view usage) {
  const json::Object* key = objectAt(holder, member);
  if (!key || !parseCrossSigningKey(*key, userId, usage).ok()) return std::nullopt;
  return json::canonical(*key);
}

}  // namespace

bool KeyserverService::isLocal(std::string_view userId) const {
  return options_.serverName.empty() || serverOfUser(userId) == options_.serverName;
}

Result<bool> KeyserverService::sharesRoomWithUs(const CallContext& ctx, const std::string& userId) {
  if (!options_.rooms) return true;
  return options_.rooms->queryServerSharesRoom(ctx, userId, options_.serverName);
}

Result<std::int64_t> KeyserverService::queryUserDeviceListStreamId(const CallContext&,
                                                                   std::string_view userId) {
  PLEXUS_TRY(auto latest,
             store_->previousDeviceChange(db_, userId, std::numeric_limits<std::int64_t>::max()));
  return latest.value_or(0);
}

Status KeyserverService::inputDeviceListUpdate(const CallContext& ctx, std::string_view origin,
                                               const json::Object& content) {
  PLEXUS_TRY(std::string userId, remoteUserOf(*this, content, origin));
  std::string deviceId = stringAt(content, "device_id");
  const json::Value* streamValue = content.find("stream_id");
  std::optional<std::int64_t> streamId = streamValue ? streamValue->getInt() : std::nullopt;
  if (deviceId.empty() || !streamId) {
    return fail(ErrorCode::kBadJson, "m.device_list_update needs device_id and stream_id");
  }
  std::vector<std::int64_t> prevIds;
  if (const json::Value* prev = content.find("prev_id")) {
    const json::Array* list = prev->getArray();
    if (!list) return fail(ErrorCode::kBadJson, "prev_id must be an array");
    for (const auto& id : *list) {
      auto n = id.getInt();
      if (!n) return fail(ErrorCode::kBadJson, "prev_id holds integers");
      prevIds.push_back(*n);
    }
  }
  const json::Value* deletedValue = content.find("deleted");
  const bool deleted = deletedValue && deletedValue->getBool().value_or(false);
  std::optional<std::string> keyJson;
  if (const json::Object* keys = objectAt(content, "keys"); keys && !deleted) {
    PLEXUS_TRY_VOID(validateDeviceKeys(*keys, userId, deviceId));
    keyJson = json::canonical(*keys);
  }
  std::optional<std::string> displayName;
  if (std::string name = stringAt(content, "device_display_name"); !name.empty()) {
    displayName = std::move(name);
  }

  PLEXUS_TRY(bool shared, sharesRoomWithUs(ctx, userId));
  if (!shared) return {};  // nobody here cares; a later shared room resyncs

  bool needResync = false;
  Status applied =
      write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates) -> Status {
        needResync = false;
        PLEXUS_TRY(auto list, store_->remoteDeviceList(tx, userId));
        if (!list || list->stale) {
          needResync = true;
          return {};
        }
        if (*streamId <= list->streamId) return {};  // already applied (EDUs may repeat)
        // SPEC: an unknown prev_id means an update was missed: the list must be refetched.
        for (std::int64_t prev : prevIds) {
          if (prev > list->streamId) {
            needResync = true;
            return {};
          }
        }
        if (deleted) {
          PLEXUS_TRY_VOID(store_->deleteDevice(tx, userId, deviceId));
        } else {
          if (keyJson) PLEXUS_TRY_VOID(store_->setDeviceKeys(tx, userId, deviceId, *keyJson));
          PLEXUS_TRY_VOID(store_->setDisplayName(tx, userId, deviceId, displayName));
        }
        PLEXUS_TRY_VOID(
            store_->setRemoteDeviceList(tx, userId, RemoteDeviceList{*streamId, false}));
        return recordDeviceListChange(*store_, tx, updates, userId, deviceId, deleted);
      });
  if (!applied.ok()) return applied;
  if (needResync) {
    Status synced = resyncRemoteUser(ctx, userId);
    if (!synced.ok()) {
      log::info("keyserver: device list resync failed; cache marked stale",
                {{"user_id", userId}, {"error", synced.error().message}});
    }
  }
  return {};
}

Status KeyserverService::inputSigningKeyUpdate(const CallContext& ctx, std::string_view origin,
                                               const json::Object& content) {
  PLEXUS_TRY(std::string userId, remoteUserOf(*this, content, origin));
  auto master = crossSigningKeyJson(content, "master_key", userId, "master");
  auto selfSigning = crossSigningKeyJson(content, "self_signing_key", userId, "self_signing");
  if (!master && !selfSigning) {
    return fail(ErrorCode::kBadJson, "m.signing_key_update holds no valid cross-signing key");
  }
  PLEXUS_TRY(bool shared, sharesRoomWithUs(ctx, userId));
  if (!shared) return {};
  return write(
      ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates) -> Status {
        if (master) {
          PLEXUS_TRY_VOID(
              store_->setCrossSigningKey(tx, userId, CrossSigningKeyType::kMaster, *master));
        }
        if (selfSigning) {
          PLEXUS_TRY_VOID(store_->setCrossSigningKey(tx, userId, CrossSigningKeyType::kSelfSigning,
                                                     *selfSigning));
        }
        return recordDeviceListChange(*store_, tx, updates, userId, "", false);
      });
}

Status KeyserverService::resyncRemoteUser(const CallContext& ctx, const std::string& userId) {
  auto markStale = [&](Error error) -> Status {
    Status marked =
        write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&) -> Status {
          PLEXUS_TRY(auto list, store_->remoteDeviceList(tx, userId));
          RemoteDeviceList stale{list ? list->streamId : 0, true};
          return store_->setRemoteDeviceList(tx, userId, stale);
        });
    (void)marked;  // the resync's own error is the one worth reporting
    return error;
  };
  if (!options_.federation) {
    return markStale(makeError(ErrorCode::kUnavailable, "federation is not available"));
  }
  auto answer =
      options_.federation->queryUserDevices(remoteContext(ctx), serverOfUser(userId), userId);
  if (!answer.ok()) return markStale(answer.error());
  if (stringAt(*answer, "user_id") != userId) {
    return markStale(makeError(ErrorCode::kBadJson, "/user/devices answered for another user"));
  }
  const json::Value* streamValue = answer->find("stream_id");
  const std::int64_t streamId = streamValue ? streamValue->getInt().value_or(0) : 0;

  struct Device {
    std::optional<std::string> keyJson;
    std::optional<std::string> displayName;
  };
  std::map<std::string, Device> devices;
  if (const json::Value* list = answer->find("devices"); list && list->getArray()) {
    for (const auto& entry : *list->getArray()) {
      const json::Object* d = entry.getObject();
      std::string deviceId = d ? stringAt(*d, "device_id") : std::string();
      if (deviceId.empty()) continue;
      Device device;
      if (const json::Object* keys = objectAt(*d, "keys")) {
        // A device whose keys are not self-signed is left out rather than trusted.
        if (!validateDeviceKeys(*keys, userId, deviceId).ok()) continue;
        device.keyJson = json::canonical(*keys);
      }
      if (std::string name = stringAt(*d, "device_display_name"); !name.empty()) {
        device.displayName = std::move(name);
      }
      devices[deviceId] = std::move(device);
    }
  }
  auto master = crossSigningKeyJson(*answer, "master_key", userId, "master");
  auto selfSigning = crossSigningKeyJson(*answer, "self_signing_key", userId, "self_signing");

  return write(
      ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates) -> Status {
        PLEXUS_TRY(auto old, store_->devices(tx, userId));
        for (const auto& d : old) PLEXUS_TRY_VOID(store_->deleteDevice(tx, userId, d.deviceId));
        for (const auto& [deviceId, d] : devices) {
          if (d.keyJson) PLEXUS_TRY_VOID(store_->setDeviceKeys(tx, userId, deviceId, *d.keyJson));
          PLEXUS_TRY_VOID(store_->setDisplayName(tx, userId, deviceId, d.displayName));
        }
        for (auto [type, json] : {std::pair{CrossSigningKeyType::kMaster, &master},
                                  std::pair{CrossSigningKeyType::kSelfSigning, &selfSigning}}) {
          if (*json) {
            PLEXUS_TRY_VOID(store_->setCrossSigningKey(tx, userId, type, **json));
          } else {
            PLEXUS_TRY_VOID(store_->deleteCrossSigningKey(tx, userId, type));
          }
        }
        PLEXUS_TRY_VOID(store_->setRemoteDeviceList(tx, userId, RemoteDeviceList{streamId, false}));
        // One change for the whole list: sync-api only needs to know the user changed.
        return recordDeviceListChange(*store_, tx, updates, userId, "", false);
      });
}

}  // namespace plexus::keyserver
