// libFuzzer target for PDU parsing. The first byte picks the room version (and whether event IDs
// are trusted); the rest is parsed as a PDU. Untrusted bytes must give an error value or a Pdu
// whose accessors, redaction, hashes and signature check run cleanly, and these invariants hold:
// canonical JSON re-parses to the same event ID, redaction is idempotent, and (the reference hash
// covering the redacted form) the redacted event has the same event ID.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plexus/crypto/ed25519.h"
#include "plexus/events/event_hashing.h"
#include "plexus/events/event_signing.h"
#include "plexus/events/pdu.h"
#include "plexus/events/redaction.h"
#include "plexus/events/room_version.h"
#include "plexus/json/canonical.h"

namespace {

using namespace plexus;
using namespace plexus::events;

[[noreturn]] void die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s\n%s\n", what, detail.c_str());
  std::abort();
}

const crypto::PublicKey& fuzzKey() {
  static const crypto::PublicKey key = crypto::SigningKey::fromSeed(std::string(32, 'k'))->publicKey();
  return key;
}

void exercise(const Pdu& pdu, const PduParseOptions& options) {
  const RoomVersion& version = pdu.roomVersion();
  std::size_t sink = pdu.eventId().size() + pdu.roomId().size() + pdu.type().size() +
                     pdu.sender().size() + pdu.content().size();
  sink += pdu.stateKey().value_or("").size() + pdu.redacts().value_or("").size() +
          pdu.membership().value_or("").size();
  sink += static_cast<std::size_t>(pdu.originServerTs() ^ pdu.depth());
  for (std::string_view id : pdu.prevEvents()) sink += id.size();
  for (std::string_view id : pdu.authEvents()) sink += id.size();
  (void)sink;

  std::string canonical = pdu.canonicalJson();
  auto again = Pdu::parse(canonical, version, options);
  if (!again.ok()) die("canonical JSON of a PDU does not re-parse", again.error().message + "\n" + canonical);
  if (again->eventId() != pdu.eventId()) die("event ID changed after a canonical round trip", canonical);

  json::Object redacted = redact(pdu.json(), version);
  if (json::canonical(redact(redacted, version)) != json::canonical(redacted)) {
    die("redaction is not idempotent", canonical);
  }
  if (!options.trustEventIdField) {
    auto redactedId = computeEventId(redacted, version);
    if (!redactedId.ok() || *redactedId != pdu.eventId()) die("redacted event has another ID", canonical);
  }

  (void)computeContentHash(pdu.json());
  (void)contentHashMatches(pdu.json());
  auto lookup = [](std::string_view, std::string_view) -> std::optional<crypto::PublicKey> {
    return fuzzKey();
  };
  (void)checkEventIntegrity(pdu, lookup);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::array<std::string_view, 7> kVersions = {"1", "3", "5", "6", "10", "11", "12"};
  const RoomVersion& version = *findRoomVersion(kVersions[data[0] % kVersions.size()]);
  PduParseOptions options;
  options.trustEventIdField = (data[0] & 0x80) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto pdu = Pdu::parse(text, version, options);
  if (pdu.ok()) exercise(*pdu, options);
  return 0;
}
