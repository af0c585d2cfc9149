// Signing events and checking their signatures (spec: server-server API "Signing events",
// "Validating hashes and signatures on received events"; appendices "Checking for a Signature").
// Signatures cover the redacted event, so a redacted copy verifies like the full event.
#include "plexus/events/event_signing.h"

#include <algorithm>
#include <vector>

#include "plexus/crypto/base64.h"
#include "plexus/events/event_hashing.h"
#include "redacted_form.h"

namespace plexus::events {
namespace {

Unexpected invalid(std::string message) {
  return fail(ErrorCode::kInvalidSignature, std::move(message));
}

// The server name of a user ID or a v1-v2 event ID: everything after the first ':'.
std::optional<std::string_view> serverOf(std::string_view id) {
  std::size_t colon = id.find(':');
  if (colon == std::string_view::npos || colon + 1 == id.size()) return std::nullopt;
  return id.substr(colon + 1);
}

const std::string* stringAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  return v ? v->getString() : nullptr;
}

const json::Object* objectAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  return v ? v->getObject() : nullptr;
}

// The servers whose signatures the event must carry.
Result<std::vector<std::string_view>> requiredSigners(const json::Object& event,
                                                      const RoomVersion& version) {
  std::vector<std::string_view> servers;
  auto add = [&servers](std::string_view server) {
    if (std::find(servers.begin(), servers.end(), server) == servers.end()) {
      servers.push_back(server);
    }
  };
  const std::string* type = stringAt(event, "type");
  const json::Object* content = objectAt(event, "content");
  bool isMember = type && *type == "m.room.member" && content;

  // SPEC: "Validating hashes and signatures on received events": the sender's server signs,
  // except for invites made from a third-party invite, which the inviting user's server may
  // not have sent; their `signed` block is checked by the auth rules instead.
  const std::string* membership = isMember ? stringAt(*content, "membership") : nullptr;
  bool inviteVia3pid = membership && *membership == "invite" && content->contains("third_party_invite");
  if (!inviteVia3pid) {
    const std::string* sender = stringAt(event, "sender");
    std::optional<std::string_view> server = sender ? serverOf(*sender) : std::nullopt;
    if (!server) return invalid("event has no sender with a server name");
    add(*server);
  }
  // SPEC: same section: in room versions 1 and 2, the server that created the event ID signs.
  if (version.eventIdsInEvents) {
    const std::string* eventId = stringAt(event, "event_id");
    std::optional<std::string_view> server = eventId ? serverOf(*eventId) : std::nullopt;
    if (!server) return invalid("event has no event_id with a server name");
    add(*server);
  }
  // SPEC: rooms/v8 auth rule 4.2: a member event with join_authorised_via_users_server must be
  // validly signed by that user's server. The rule names no membership, so none is assumed.
  if (version.restrictedJoins && isMember) {
    if (const json::Value* via = content->find("join_authorised_via_users_server")) {
      const std::string* user = via->getString();
      std::optional<std::string_view> server = user ? serverOf(*user) : std::nullopt;
      if (!server) return invalid("join_authorised_via_users_server is not a user ID");
      add(*server);
    }
  }
  return servers;
}

// SPEC: appendices "Checking for a Signature": keys of unknown algorithms are ignored, at least
// one signature by a known ed25519 key must exist, and every one that is checked must verify.
Status verifySignedBy(const json::Object& event, std::string_view message, std::string_view server,
                      const crypto::KeyLookup& keys) {
  const json::Object* signatures = objectAt(event, "signatures");
  const json::Object* bySigner = signatures ? objectAt(*signatures, server) : nullptr;
  if (!bySigner) return invalid("event is not signed by " + std::string(server));
  int verified = 0;
  for (const auto& [keyId, encoded] : *bySigner) {
    if (!keyId.starts_with("ed25519:")) continue;
    std::optional<crypto::PublicKey> key = keys(server, keyId);
    if (!key) continue;
    const std::string* text = encoded.getString();
    std::optional<std::string> raw = text ? crypto::decodeBase64(*text) : std::nullopt;
    if (!raw || !key->verify(message, *raw)) {
      return invalid("signature of " + std::string(server) + " with " + keyId + " does not verify");
    }
    ++verified;
  }
  if (verified == 0) {
    return invalid("event has no signature of " + std::string(server) + " with a known key");
  }
  return {};
}

}  // namespace

void hashAndSignEvent(json::Object& event, std::string_view serverName, std::string_view keyId,
                      const crypto::SigningKey& key, const RoomVersion& version) {
  addContentHash(event);
  std::string message;
  detail::writeRedactedSigningBytes(event, version, message);
  std::string signature = crypto::encodeBase64(key.sign(message));
  json::Value& signatures = event["signatures"];
  if (!signatures.isObject()) signatures = json::Object();
  json::Value& bySigner = (*signatures.getObject())[serverName];
  if (!bySigner.isObject()) bySigner = json::Object();
  bySigner.getObject()->set(std::string(keyId), json::Value(std::move(signature)));
}

Status verifyEventSignatures(const json::Object& event, const RoomVersion& version,
                             const crypto::KeyLookup& keys) {
  PLEXUS_TRY(std::vector<std::string_view> servers, requiredSigners(event, version));
  std::string message;
  message.reserve(1024);
  detail::writeRedactedSigningBytes(event, version, message);
  for (std::string_view server : servers) {
    PLEXUS_TRY_VOID(verifySignedBy(event, message, server, keys));
  }
  return {};
}

Result<EventIntegrity> checkEventIntegrity(const Pdu& pdu, const crypto::KeyLookup& keys) {
  // SPEC: "Checks performed on receipt of a PDU" steps 2-3: signatures first, then the content
  // hash; a mismatched hash means the event is kept in its redacted form.
  PLEXUS_TRY_VOID(verifyEventSignatures(pdu.json(), pdu.roomVersion(), keys));
  EventIntegrity integrity;
  integrity.redactionNeeded = !contentHashMatches(pdu.json());
  return integrity;
}

}  // namespace plexus::events
