// Building and validating `/_matrix/key/v2/server` responses.
#include "plexus/federation/server_keys.h"

#include <algorithm>

#include "plexus/crypto/json_signing.h"
#include "plexus/federation/server_name.h"

namespace plexus::federation {
namespace {

Unexpected badShape(std::string why) {
  return fail(ErrorCode::kBadJson, "invalid server key response: " + why);
}

Result<crypto::PublicKey> decodeKey(const json::Value& entry, const std::string& keyId) {
  auto text = entry.getStringAt("key");
  if (!text) return badShape("key " + keyId + " has no string `key`");
  auto key = crypto::PublicKey::fromBase64(*text);
  if (!key) return badShape("key " + keyId + " is not 32 bytes of base64");
  return *key;
}

}  // namespace

bool isValidEd25519KeyId(std::string_view keyId) {
  constexpr std::string_view kPrefix = "ed25519:";
  if (keyId.size() <= kPrefix.size() || keyId.substr(0, kPrefix.size()) != kPrefix) return false;
  return std::all_of(keyId.begin() + kPrefix.size(), keyId.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

json::Object buildServerKeyResponse(std::string_view serverName,
                                    std::span<const SigningKeyEntry> current,
                                    std::span<const OldKeyEntry> old, std::int64_t validUntilTs) {
  json::Object verifyKeys;
  for (const auto& k : current) {
    verifyKeys.set(k.keyId, json::Object{{"key", k.key.publicKey().toBase64()}});
  }
  json::Object oldKeys;
  for (const auto& k : old) {
    oldKeys.set(k.keyId, json::Object{{"key", k.key.toBase64()}, {"expired_ts", k.expiredTs}});
  }
  json::Object response{{"server_name", json::Value(serverName)},
                        {"verify_keys", std::move(verifyKeys)},
                        {"old_verify_keys", std::move(oldKeys)},
                        {"valid_until_ts", validUntilTs}};
  for (const auto& k : current) crypto::signJson(response, serverName, k.keyId, k.key);
  return response;
}

Result<ServerKeys> parseServerKeys(const json::Object& response, std::string_view expectedServer) {
  ServerKeys keys;
  const json::Value* name = response.find("server_name");
  if (!name || !name->getString()) return badShape("server_name missing");
  if (*name->getString() != expectedServer) {
    return fail(ErrorCode::kForbidden, "key response is for '" + *name->getString() + "', not '" +
                                           std::string(expectedServer) + "'");
  }
  keys.serverName = *name->getString();
  const json::Value* until = response.find("valid_until_ts");
  if (!until || !until->getInt()) return badShape("valid_until_ts missing or not an integer");
  keys.validUntilTs = *until->getInt();
  const json::Value* verify = response.find("verify_keys");
  if (!verify || !verify->getObject()) return badShape("verify_keys missing");
  for (const auto& [keyId, entry] : *verify->getObject()) {
    if (!entry.isObject()) return badShape("verify key " + keyId + " is not an object");
    if (!isValidEd25519KeyId(keyId)) continue;
    PLEXUS_TRY(auto key, decodeKey(entry, keyId));
    keys.verifyKeys.emplace(keyId, key);
  }
  if (const json::Value* old = response.find("old_verify_keys")) {
    if (!old->getObject()) return badShape("old_verify_keys is not an object");
    for (const auto& [keyId, entry] : *old->getObject()) {
      if (!entry.isObject()) return badShape("old verify key " + keyId + " is not an object");
      auto expired = entry.get("expired_ts") ? entry.get("expired_ts")->getInt() : std::nullopt;
      if (!expired) return badShape("old verify key " + keyId + " has no integer expired_ts");
      if (!isValidEd25519KeyId(keyId)) continue;
      PLEXUS_TRY(auto key, decodeKey(entry, keyId));
      keys.oldVerifyKeys.emplace(keyId, OldVerifyKey{key, *expired});
    }
  }
  if (auto named = keyNamedServerKey(keys.serverName)) {
    // Whoever signed it, a response naming another key for a key-named server is a forgery.
    auto foreign = [&](const crypto::PublicKey& key) { return key != *named; };
    bool bad = std::any_of(keys.verifyKeys.begin(), keys.verifyKeys.end(),
                           [&](const auto& entry) { return foreign(entry.second); }) ||
               std::any_of(keys.oldVerifyKeys.begin(), keys.oldVerifyKeys.end(),
                           [&](const auto& entry) { return foreign(entry.second.key); });
    if (bad)
      return fail(ErrorCode::kForbidden, "key response of key-named server '" + keys.serverName +
                                             "' lists a key other than its name");
  }
  const json::Value* signatures = response.find("signatures");
  if (!signatures || !signatures->getObject()) return badShape("signatures missing");
  // Self-signed: only the keys this response lists as current count.
  auto lookup = [&keys](std::string_view entity,
                        std::string_view keyId) -> std::optional<crypto::PublicKey> {
    if (entity != keys.serverName) return std::nullopt;
    auto it = keys.verifyKeys.find(std::string(keyId));
    if (it == keys.verifyKeys.end()) return std::nullopt;
    return it->second;
  };
  if (auto st = crypto::verifyJsonSignedBy(response, keys.serverName, lookup); !st) {
    return fail(ErrorCode::kInvalidSignature, "key response of '" + keys.serverName +
                                                  "' is not self-signed: " + st.error().message);
  }
  keys.json = response;
  return keys;
}

std::int64_t effectiveValidUntil(std::int64_t validUntilTs, std::int64_t fetchedAtMs) {
  return std::min(validUntilTs, fetchedAtMs + kMaxKeyValidityMs);
}

}  // namespace plexus::federation
