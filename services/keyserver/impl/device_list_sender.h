// DeviceListSender: tells other servers about local users' device-list changes (SPEC:
// server-server-api "Device Management" and "Cross-signing"). It consumes the keyserver's own
// bus output (keyserver.device_list), builds m.device_list_update (a device changed or was
// deleted) or m.signing_key_update (cross-signing keys changed) with
// KeyserverService::outboundEdu, and queues it through the federation sender for every server
// sharing a room with the user (not our own). Remote users' changes are skipped. A failed
// send returns the error to the bus, which redelivers (at least once).
#pragma once

#include <memory>
#include <string>

#include "federationsender/api/federation_sender_api.h"
#include "keyserver/api/output.h"
#include "keyserver/api/ports.h"
#include "plexus/bus/bus.h"

namespace plexus::keyserver {

class KeyserverService;

class DeviceListSender {
 public:
  // All references must outlive the sender.
  DeviceListSender(KeyserverService& keys, federationsender::FederationSenderApi& federation,
                   SharedRoomServers& rooms, std::string serverName);
  ~DeviceListSender();

  // Subscribes to keyserver.device_list in consumer group `group`. Errors: the bus's.
  Status start(bus::Bus& bus, std::string group = "keyserver.federation");
  // Unsubscribes; idempotent.
  void stop();

  // Sends the EDU for one update (the bus handler; public for tests).
  Status send(const CallContext& ctx, const DeviceListUpdate& update);

 private:
  KeyserverService& keys_;
  federationsender::FederationSenderApi& federation_;
  SharedRoomServers& rooms_;
  std::string serverName_;
  std::unique_ptr<bus::Subscription> subscription_;
};

}  // namespace plexus::keyserver
