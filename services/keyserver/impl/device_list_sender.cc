// DeviceListSender and KeyserverService::outboundEdu: local device-list changes as federation
// EDUs (see device_list_sender.h).
#include "keyserver/impl/device_list_sender.h"

#include "keyserver/impl/keyserver_service.h"
#include "keyserver/storage/key_store.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::keyserver {

Result<std::optional<federationsender::Edu>> KeyserverService::outboundEdu(
    const CallContext&, const DeviceListUpdate& update) {
  using Out = std::optional<federationsender::Edu>;
  if (options_.serverName.empty() || !isLocal(update.userId)) return Out{};
  const std::string& userId = update.userId;
  QueryKeysResponse current;
  DeviceKeysQuery query{{userId, {}}};
  if (!update.deviceId.empty()) query[userId].push_back(update.deviceId);
  // The keys as /keys/query shows them to others (with the owner's cross-signing signatures).
  PLEXUS_TRY_VOID(queryLocalKeys("", query, current));

  if (update.deviceId.empty()) {
    json::Object content{{"user_id", userId}};
    if (const json::Value* master = current.masterKeys.find(userId)) {
      content.set("master_key", *master);
    }
    if (const json::Value* self = current.selfSigningKeys.find(userId)) {
      content.set("self_signing_key", *self);
    }
    // Keys removed (deactivation) or only a user-signing change: nothing others can use.
    if (content.size() == 1) return Out{};
    return Out(federationsender::Edu{"m.signing_key_update", std::move(content)});
  }

  // SPEC: prev_id names the update sent before this one for the user (device changes only:
  // cross-signing changes travel as m.signing_key_update and are not in the chain).
  PLEXUS_TRY(auto previous, store_->previousDeviceChange(db_, userId, update.streamPosition));
  json::Array prevIds;
  if (previous) prevIds.emplace_back(*previous);
  json::Object content{{"device_id", update.deviceId},
                       {"prev_id", std::move(prevIds)},
                       {"stream_id", update.streamPosition},
                       {"user_id", userId}};
  if (update.deleted) {
    content.set("deleted", true);
  } else {
    PLEXUS_TRY(auto device, store_->device(db_, userId, update.deviceId));
    if (device && device->displayName) content.set("device_display_name", *device->displayName);
    const json::Value* byDevice = current.deviceKeys.find(userId);
    const json::Value* keys = byDevice ? byDevice->get(update.deviceId) : nullptr;
    if (keys && keys->getObject()) {
      json::Object signedKeys = *keys->getObject();
      signedKeys.erase("unsigned");  // the display name travels beside the keys
      content.set("keys", std::move(signedKeys));
    }
  }
  return Out(federationsender::Edu{"m.device_list_update", std::move(content)});
}

DeviceListSender::DeviceListSender(KeyserverService& keys,
                                   federationsender::FederationSenderApi& federation,
                                   SharedRoomServers& rooms, std::string serverName)
    : keys_(keys), federation_(federation), rooms_(rooms), serverName_(std::move(serverName)) {}

DeviceListSender::~DeviceListSender() { stop(); }

Status DeviceListSender::start(bus::Bus& bus, std::string group) {
  PLEXUS_TRY(subscription_,
             bus::subscribeTyped<DeviceListUpdate>(
                 bus, group, [this](const DeviceListUpdate& update, std::uint64_t) -> Status {
                   return send(CallContext::withTimeout(std::chrono::seconds(30),
                                                        "keyserver.device_list_sender"),
                               update);
                 }));
  return {};
}

void DeviceListSender::stop() { subscription_.reset(); }

Status DeviceListSender::send(const CallContext& ctx, const DeviceListUpdate& update) {
  PLEXUS_TRY(auto edu, keys_.outboundEdu(ctx, update));
  if (!edu) return {};
  PLEXUS_TRY(auto servers, rooms_.queryServersSharingRooms(ctx, update.userId));
  std::erase(servers, serverName_);
  if (servers.empty()) return {};
  return federation_.performSendEdu(ctx, servers, *edu);
}

}  // namespace plexus::keyserver
