// Signing events and checking their signatures (spec: "Signing events", "Checks performed on
// receipt of a PDU", step "signatures"). Signatures cover the redacted event.
#pragma once

#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/events/pdu.h"
#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::events {

// Adds the content hash, then signs the redacted form and copies the signature into `event`.
void hashAndSignEvent(json::Object& event, std::string_view serverName, std::string_view keyId,
                      const crypto::SigningKey& key, const RoomVersion& version);

// Checks the signatures every event needs: the sender's server (not for an invite made from a
// third-party invite, whose `signed` block the auth rules check instead); for v1-v2 the event
// ID's server; from v8 the server of content.join_authorised_via_users_server on member events.
// Each signer needs at least one ed25519 signature by a key `keys` knows, and every known one
// must verify over the redacted event. Errors: kInvalidSignature.
Status verifyEventSignatures(const json::Object& event, const RoomVersion& version,
                             const crypto::KeyLookup& keys);

// Full receipt check of the event's own bytes: signatures, then the content hash. A bad content
// hash is not an error: `redactionNeeded` is set and the caller stores the redacted form. Needs
// the verification fields: call it before Pdu::dropVerificationFields.
struct EventIntegrity {
  bool redactionNeeded = false;
};
Result<EventIntegrity> checkEventIntegrity(const Pdu& pdu, const crypto::KeyLookup& keys);

}  // namespace plexus::events
