// Client event format (SPEC: client-server-api "Room Events" ClientEvent /
// ClientEventWithoutRoomID): what /sync, /messages, /context and friends return for a stored
// PDU, including unsigned.age, unsigned.transaction_id (to the sending device only) and
// unsigned.redacted_because, and the filter's event_fields / event_format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/json/value.h"
#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {

struct ClientEventOptions {
  bool includeRoomId = true;  // false inside /sync rooms
  std::string userId;         // the reader: transaction_id is echoed to this device only
  std::string deviceId;
  std::int64_t nowMs = 0;
  bool federationFormat = false;
  const std::vector<std::string>* eventFields = nullptr;
};

json::Object toClientEvent(const StoredEvent& event, const ClientEventOptions& options);
json::Array toClientEvents(const std::vector<StoredEvent>& events,
                           const ClientEventOptions& options);

// Parses a stored canonical event (never fails for rows we wrote; empty object otherwise).
json::Object parseStored(const std::string& text);

}  // namespace plexus::syncapi
