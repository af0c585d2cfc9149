// The keyserver's bus output (topic "keyserver.device_list", key = user ID): a user's device
// list or cross-signing keys changed — a local user's, or a remote user's cached list (updated
// by federation). Published after the change is committed. Consumers: sync-api (wakes /sync,
// computes device_lists.changed for users sharing a room), the keyserver's DeviceListSender
// (m.device_list_update / m.signing_key_update EDUs for local users only). Delivered at least
// once and ordered per user: consumers dedupe by streamPosition.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::keyserver {

struct DeviceListUpdate {
  static constexpr std::string_view kTopic = "keyserver.device_list";

  std::string userId;
  // The device whose keys changed; empty when the change is to the user's cross-signing keys
  // or signatures on them, or (remote users) when their whole list was refetched.
  std::string deviceId;
  // The keyserver's device-list stream position of this change (queryDeviceListPosition()).
  std::int64_t streamPosition = 0;
  // The device was deleted (its keys are gone).
  bool deleted = false;

  std::string key() const { return userId; }
  json::Object toJson() const;
  static Result<DeviceListUpdate> fromJson(const json::Object& object);
};

}  // namespace plexus::keyserver
