// The third_party_invite branch of the invite rule: the `signed` block must name the target and
// a token of an m.room.third_party_invite event sent by the same sender, and carry a signature
// by one of that event's public keys.
#include <optional>
#include <string>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "rule_context.h"

namespace plexus::eventauth::detail {

namespace {

// Public keys are unpadded base64; accept the URL-safe alphabet too, as some servers emit it.
std::optional<crypto::PublicKey> parsePublicKey(const json::Value* value) {
  const std::string* text = value != nullptr ? value->getString() : nullptr;
  if (text == nullptr) return std::nullopt;
  if (auto key = crypto::PublicKey::fromBase64(*text)) return key;
  if (auto bytes = crypto::decodeBase64(*text, crypto::Base64Alphabet::kUrlSafe)) {
    return crypto::PublicKey::fromBytes(*bytes);
  }
  return std::nullopt;
}

std::vector<crypto::PublicKey> publicKeysOf(const events::Pdu& invite) {
  std::vector<crypto::PublicKey> keys;
  const json::Object& content = invite.content();
  if (auto key = parsePublicKey(content.find("public_key"))) keys.push_back(*key);
  if (const json::Value* list = content.find("public_keys"); list != nullptr && list->isArray()) {
    for (const json::Value& entry : *list->getArray()) {
      if (auto key = parsePublicKey(entry.get("public_key"))) keys.push_back(*key);
    }
  }
  return keys;
}

bool signedByAnyKey(const json::Object& signedBlock, const std::vector<crypto::PublicKey>& keys) {
  const json::Value* signatures = signedBlock.find("signatures");
  if (keys.empty() || signatures == nullptr || !signatures->isObject()) return false;
  std::optional<std::string> message;  // canonical bytes, built on the first signature
  for (const auto& [entity, byKeyId] : *signatures->getObject()) {
    if (!byKeyId.isObject()) continue;
    for (const auto& [keyId, signature] : *byKeyId.getObject()) {
      const std::string* text = signature.getString();
      if (text == nullptr) continue;
      auto raw = crypto::decodeBase64(*text);
      if (!raw) raw = crypto::decodeBase64(*text, crypto::Base64Alphabet::kUrlSafe);
      if (!raw || raw->size() != 64) continue;
      if (!message) message = crypto::signingBytes(signedBlock);
      for (const crypto::PublicKey& key : keys) {
        if (key.verify(*message, *raw)) return true;
      }
    }
  }
  return false;
}

}  // namespace

Status checkThirdPartyInvite(RuleContext& ctx, const json::Value& thirdPartyInvite) {
  const auto target = *ctx.event.stateKey();
  if (ctx.membershipOf(target) == "ban") return deny("third-party invite", "the target is banned");
  const json::Value* signedValue = thirdPartyInvite.get("signed");
  const json::Object* signedBlock = signedValue != nullptr ? signedValue->getObject() : nullptr;
  if (signedBlock == nullptr) return deny("third-party invite", "no signed block");
  const std::string_view mxid = stringAt(*signedBlock, "mxid");
  const json::Value* tokenValue = signedBlock->find("token");
  if (mxid.empty() || tokenValue == nullptr || !tokenValue->isString()) {
    return deny("third-party invite", "signed has no mxid or token");
  }
  if (mxid != target) return deny("third-party invite", "signed.mxid is not the state_key");
  const events::Pdu* invite = ctx.stateEvent("m.room.third_party_invite", *tokenValue->getString());
  if (invite == nullptr) {
    return deny("third-party invite", "no m.room.third_party_invite event for the token");
  }
  if (invite->sender() != ctx.event.sender()) {
    return deny("third-party invite", "the sender did not send the m.room.third_party_invite");
  }
  if (signedByAnyKey(*signedBlock, publicKeysOf(*invite))) return {};
  return deny("third-party invite", "no signature in signed matches the invite's public keys");
}

}  // namespace plexus::eventauth::detail
