// Adapters from the real service APIs to sync-api's ports, for the composition root:
// ServiceKeySource answers /sync's key counts from KeyserverApi and "*" to-device targets
// from AccountSyncApi's device list; RoomserverEventSource fetches state events by ID and
// older history (backfill).
#pragma once

#include "accountsync/api/accountsync_api.h"
#include "keyserver/api/keyserver_api.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/ports.h"

namespace plexus::syncapi {

class ServiceKeySource final : public DeviceKeySource {
 public:
  ServiceKeySource(keyserver::KeyserverApi& keys, accountsync::AccountSyncApi& accounts)
      : keys_(keys), accounts_(accounts) {}

  // DeviceKeySource
  Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override {
    return keys_.queryOneTimeKeyCounts(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) override {
    return keys_.queryUnusedFallbackKeyTypes(ctx, userId, deviceId);
  }
  Result<std::vector<std::string>> queryDeviceIds(const CallContext& ctx,
                                                  const std::string& userId) override {
    PLEXUS_TRY(auto devices, accounts_.queryDevices(ctx, userId));
    std::vector<std::string> ids;
    ids.reserve(devices.size());
    for (const auto& d : devices) ids.push_back(d.deviceId);
    return ids;
  }

 private:
  keyserver::KeyserverApi& keys_;
  accountsync::AccountSyncApi& accounts_;
};

// RoomEventSource over the roomserver's stored events.
class RoomserverEventSource final : public RoomEventSource {
 public:
  explicit RoomserverEventSource(roomserver::RoomserverApi& roomserver) : roomserver_(roomserver) {}

  Result<std::vector<Event>> queryEvents(const CallContext& ctx,
                                         const std::vector<std::string>& eventIds) override {
    PLEXUS_TRY(auto events, roomserver_.queryEvents(ctx, eventIds));
    std::vector<Event> out;
    out.reserve(events.size());
    for (auto& e : events) out.push_back(Event{e.pdu.eventId(), e.pdu.json()});
    return out;
  }

  Result<std::vector<Event>> backfill(const CallContext& ctx, const std::string& roomId,
                                      const std::vector<std::string>& fromEventIds,
                                      int limit) override {
    PLEXUS_TRY(auto events, roomserver_.performBackfill(ctx, roomId, fromEventIds, limit));
    std::vector<Event> out;
    out.reserve(events.size());
    for (auto& e : events) out.push_back(Event{e.pdu.eventId(), e.pdu.json()});
    return out;
  }

 private:
  roomserver::RoomserverApi& roomserver_;
};

}  // namespace plexus::syncapi
