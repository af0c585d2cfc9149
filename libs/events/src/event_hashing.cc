// Content hashes, reference hashes and event IDs (spec: server-server API "Calculating the
// content hash for an event", "Calculating the reference hash for an event"; rooms/v1 "Event
// IDs", rooms/fragments/v4-event-ids.md).
#include "plexus/events/event_hashing.h"

#include "plexus/crypto/base64.h"
#include "plexus/crypto/sha256.h"
#include "plexus/json/canonical.h"
#include "redacted_form.h"

namespace plexus::events {
namespace {

// Canonical JSON of the event without `unsigned`, `signatures` and `hashes`.
std::string contentHashBytes(const json::Object& event) {
  return json::canonicalWithout(event, {"unsigned", "signatures", "hashes"});
}

// "$" + hash. Appended rather than `"$" + s`, which trips a GCC 12 -Wrestrict false positive.
std::string withSigil(const std::string& hash) {
  std::string id;
  id.reserve(hash.size() + 1);
  id.push_back('$');
  id.append(hash);
  return id;
}

}  // namespace

std::string computeContentHash(const json::Object& event) {
  return crypto::sha256Bytes(contentHashBytes(event));
}

void addContentHash(json::Object& event) {
  std::string hash = crypto::encodeBase64(computeContentHash(event));
  json::Value& hashes = event["hashes"];
  if (!hashes.isObject()) hashes = json::Object();
  hashes.getObject()->set("sha256", json::Value(std::move(hash)));
}

bool contentHashMatches(const json::Object& event) {
  const json::Value* hashes = event.find("hashes");
  const json::Value* sha256 = hashes ? hashes->get("sha256") : nullptr;
  const std::string* encoded = sha256 ? sha256->getString() : nullptr;
  if (!encoded) return false;
  std::optional<std::string> expected = crypto::decodeBase64(*encoded);
  return expected && *expected == computeContentHash(event);
}

std::string computeReferenceHash(const json::Object& event, const RoomVersion& version) {
  std::string bytes;
  detail::writeRedactedSigningBytes(event, version, bytes);
  return crypto::sha256Bytes(bytes);
}

Result<std::string> computeEventId(const json::Object& event, const RoomVersion& version) {
  switch (version.eventIdFormat) {
    case EventIdFormat::kInEvent: {
      const json::Value* id = event.find("event_id");
      const std::string* text = id ? id->getString() : nullptr;
      // SPEC: appendices "Event IDs" (v1-v2): "$" opaque_id ":" server_name.
      if (!text || text->size() < 2 || (*text)[0] != '$' ||
          text->find(':') == std::string::npos) {
        return fail(ErrorCode::kBadJson, "event_id must be a string of the form $id:server");
      }
      return *text;
    }
    case EventIdFormat::kBase64Hash:
      return withSigil(crypto::encodeBase64(computeReferenceHash(event, version)));
    case EventIdFormat::kUrlSafeHash:
      return withSigil(crypto::encodeBase64(computeReferenceHash(event, version),
                                            crypto::Base64Alphabet::kUrlSafe));
  }
  return fail(ErrorCode::kInternal, "unknown event ID format");
}

}  // namespace plexus::events
