// The keyserver's bus outputs.
//
// DeviceListUpdate (topic "keyserver.device_list", key = user ID): a user's device list or
// cross-signing keys changed — a local user's, or a remote user's cached list (updated by
// federation). Published after the change is committed. Consumers: sync-api (wakes /sync,
// computes device_lists.changed for users sharing a room), the keyserver's DeviceListSender
// (m.device_list_update / m.signing_key_update EDUs for local users only). Delivered at least
// once and ordered per user: consumers dedupe by streamPosition.
//
// OneTimeKeysChanged (topic "keyserver.one_time_keys", key = user ID): what /sync reports for a
// local device — its one-time-key counts or unused fallback key types — may have changed.
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

// Enqueued in the transaction of every change to a local device's one-time or fallback keys:
// an upload that adds one, a claim (local or over federation) that hands one out, a device's or
// user's key deletion. Only with KeyserverOptions::publishOneTimeKeyChanges (the cluster, where
// nobody else would consume it). Consumer: the answers sync-api caches in front of a keyserver in
// another process (services/node/root/caching_key_source.h), which forget the device. At least
// once; handling it twice is harmless.
struct OneTimeKeysChanged {
  static constexpr std::string_view kTopic = "keyserver.one_time_keys";

  std::string userId;
  // Empty: every device of the user (all of the user's keys were deleted).
  std::string deviceId;

  std::string key() const { return userId; }
  json::Object toJson() const;
  static Result<OneTimeKeysChanged> fromJson(const json::Object& object);
};

}  // namespace plexus::keyserver
