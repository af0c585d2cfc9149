// JSON schema of the keyserver's bus outputs (DeviceListUpdate, OneTimeKeysChanged).
#include "keyserver/api/output.h"

namespace plexus::keyserver {

json::Object DeviceListUpdate::toJson() const {
  json::Object o;
  o.set("user_id", userId);
  if (!deviceId.empty()) o.set("device_id", deviceId);
  o.set("stream_position", streamPosition);
  o.set("deleted", deleted);
  return o;
}

Result<DeviceListUpdate> DeviceListUpdate::fromJson(const json::Object& object) {
  DeviceListUpdate u;
  const json::Value* user = object.find("user_id");
  const json::Value* position = object.find("stream_position");
  if (!user || !user->getString() || !position || !position->getInt()) {
    return fail(ErrorCode::kBadJson, "DeviceListUpdate: user_id and stream_position required");
  }
  u.userId = *user->getString();
  u.streamPosition = *position->getInt();
  if (const json::Value* device = object.find("device_id")) {
    if (!device->getString()) return fail(ErrorCode::kBadJson, "DeviceListUpdate: bad device_id");
    u.deviceId = *device->getString();
  }
  if (const json::Value* deleted = object.find("deleted")) {
    if (!deleted->getBool()) return fail(ErrorCode::kBadJson, "DeviceListUpdate: bad deleted");
    u.deleted = *deleted->getBool();
  }
  return u;
}

json::Object OneTimeKeysChanged::toJson() const {
  json::Object o;
  o.set("user_id", userId);
  if (!deviceId.empty()) o.set("device_id", deviceId);
  return o;
}

Result<OneTimeKeysChanged> OneTimeKeysChanged::fromJson(const json::Object& object) {
  OneTimeKeysChanged c;
  const json::Value* user = object.find("user_id");
  if (!user || !user->getString()) {
    return fail(ErrorCode::kBadJson, "OneTimeKeysChanged: user_id required");
  }
  c.userId = *user->getString();
  if (const json::Value* device = object.find("device_id")) {
    if (!device->getString()) return fail(ErrorCode::kBadJson, "OneTimeKeysChanged: bad device_id");
    c.deviceId = *device->getString();
  }
  return c;
}

}  // namespace plexus::keyserver
