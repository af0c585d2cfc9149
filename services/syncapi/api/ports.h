// Ports: the small interfaces sync-api needs from other services, adapted by the composition
// root (services/node) over the real service APIs (KeyserverApi, AccountSyncApi, RoomserverApi,
// FederationSenderApi). Keeping them here keeps sync-api independent of those services' full
// contracts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/json/value.h"

namespace plexus::syncapi {

// End-to-end key facts for /sync (adapted over KeyserverApi and AccountSyncApi).
class DeviceKeySource {
 public:
  virtual ~DeviceKeySource() = default;
  // {algorithm: count} of the device's unclaimed one-time keys.
  virtual Result<std::map<std::string, std::int64_t>> queryOneTimeKeyCounts(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) = 0;
  // Algorithms of the device's fallback keys that have not been used yet.
  virtual Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(
      const CallContext& ctx, const std::string& userId, const std::string& deviceId) = 0;
  // Every device ID of a local user (to expand "*" in send-to-device).
  virtual Result<std::vector<std::string>> queryDeviceIds(const CallContext& ctx,
                                                          const std::string& userId) = 0;
};

// Room events sync-api never received on the bus: the state a remote join brings (the
// roomserver outputs only the join, naming the rest in addsStateEventIds) and history from
// before this server joined (backfill). Adapted over RoomserverApi.
class RoomEventSource {
 public:
  virtual ~RoomEventSource() = default;
  struct Event {
    std::string eventId;
    json::Object pdu;  // as the roomserver stores it
  };
  // The known events among `eventIds` (unknown ones left out).
  virtual Result<std::vector<Event>> queryEvents(const CallContext& ctx,
                                                 const std::vector<std::string>& eventIds) = 0;
  // Up to `limit` events leading up to `fromEventIds` (events this server lacks: the prev
  // events of the oldest one it has), fetched from other servers in the room and checked by the
  // roomserver, in any order. Empty when there is nothing older or nobody to ask.
  virtual Result<std::vector<Event>> backfill(const CallContext& ctx, const std::string& roomId,
                                              const std::vector<std::string>& fromEventIds,
                                              int limit) {
    (void)ctx;
    (void)roomId;
    (void)fromEventIds;
    (void)limit;
    return std::vector<Event>{};
  }
};

// Outbound EDUs for other servers (adapted over FederationSenderApi::performSendEdu). Sync-api
// hands over what *local* users do — m.typing, m.receipt (m.read), m.presence — and
// m.direct_to_device for remote recipients, with the destinations already chosen from its
// member index (servers of the room's joined members, or of everyone sharing a room with the
// user; never our own server). EDUs that arrived from other servers are never handed back.
class EduSink {
 public:
  virtual ~EduSink() = default;
  // Queues one EDU for every destination (persisted by the sender before it returns).
  // Called on the thread of the request that caused it. Errors: the sender's (storage);
  // sync-api logs them and does not fail the local request.
  virtual Status sendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                         const std::string& type, const json::Object& content) = 0;
};

}  // namespace plexus::syncapi
