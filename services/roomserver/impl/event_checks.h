// The checks on receipt of a PDU that look at the event itself and at its own auth_events
// (spec: "Checks performed on receipt of a PDU", steps 1-4): format and size, room, signatures
// (keys from the EventKeySource, ours from the identity), content hash (a mismatch keeps the
// redacted form), and the auth rules against the event's auth_events. Also the order in which a
// batch of fetched events can be checked (auth events first).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/call_context.h"
#include "plexus/core/result.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/events/pdu.h"
#include "plexus/events/server_identity.h"
#include "plexus/json/value.h"
#include "roomserver/api/event_key_source.h"
#include "roomserver/impl/event_cache.h"

namespace plexus::roomserver {

struct ReceivedEvent {
  std::shared_ptr<const events::Pdu> pdu;
  bool redacted = false;  // the content hash did not match: pdu is the redacted form
};

class EventVerifier {
 public:
  // `keys` may be null: then only our own server's signatures verify.
  EventVerifier(const events::ServerIdentity& identity, EventKeySource* keys,
                const CallContext& ctx)
      : identity_(identity), keys_(keys), ctx_(ctx) {}

  // Asks the key source once for every key the events' signatures name.
  void prefetch(const std::vector<const json::Object*>& events) const;

  // The key lookup for the signatures of `pdu` (validity at its origin_server_ts).
  crypto::KeyLookup lookupFor(const events::Pdu& pdu) const;

  // Parses a received event of `version` (size limit, required fields; `unsigned` is dropped),
  // checks that it belongs to `roomId`, its signatures and its content hash.
  // Errors: kNotJson / kBadJson / kTooLarge (format), kInvalidParam (another room),
  // kInvalidSignature.
  Result<ReceivedEvent> check(const json::Object& event, const events::RoomVersion& version,
                              std::string_view roomId) const;
  // check() of many events, on several threads when there are many (a join's state); results in
  // the same order.
  std::vector<Result<ReceivedEvent>> checkAll(const std::vector<const json::Object*>& events,
                                              const events::RoomVersion& version,
                                              std::string_view roomId) const;

 private:
  const events::ServerIdentity& identity_;
  EventKeySource* keys_;
  const CallContext& ctx_;
};

// Finds a known event by ID (nullptr when unknown).
using KnownLookup = std::function<const KnownEvent*(std::string_view eventId)>;

// The ID of the create event a v12 room ID is derived from (empty before v12).
std::string createEventIdFor(std::string_view roomId, const events::RoomVersion& version);

// The auth rules against the event's own auth_events: each must be known and not rejected, the
// selection must follow the rules, and checkAuth must pass over them (plus, from v12, the room's
// create event). Errors: kNotFound (an auth event is unknown), kForbidden (why).
Status checkAgainstAuthEvents(const events::Pdu& event, std::string_view roomId,
                              const KnownLookup& lookup);

// An order of `events` in which every event comes after those of its auth_events (and
// prev_events) that are in the batch; ties by depth, then event ID. Cycles (malicious input) are
// broken by the same order.
std::vector<std::size_t> authOrder(const std::vector<std::shared_ptr<const events::Pdu>>& events);

}  // namespace plexus::roomserver
