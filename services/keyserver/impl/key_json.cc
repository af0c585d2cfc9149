// Validation of device keys and cross-signing keys, and signature merging.
#include "keyserver/impl/key_json.h"

#include <charconv>

#include "plexus/crypto/json_signing.h"
#include "plexus/json/parse.h"

namespace plexus::keyserver {

namespace {

const std::string* stringMember(const json::Object& object, std::string_view key) {
  const json::Value* v = object.find(key);
  return v ? v->getString() : nullptr;
}

}  // namespace

Result<DeviceIdentity> deviceIdentity(const json::Object& keys, std::string_view deviceId) {
  const json::Value* keyMap = keys.find("keys");
  if (!keyMap || !keyMap->getObject()) return fail(ErrorCode::kBadJson, "device keys need keys");
  std::string keyId = "ed25519:" + std::string(deviceId);
  const json::Value* ed = keyMap->getObject()->find(keyId);
  if (!ed || !ed->getString()) {
    return fail(ErrorCode::kBadJson, "device keys need " + keyId);
  }
  auto key = crypto::PublicKey::fromBase64(*ed->getString());
  if (!key) return fail(ErrorCode::kBadJson, keyId + " is not an ed25519 public key");
  return DeviceIdentity{std::move(keyId), *key};
}

Result<DeviceIdentity> validateDeviceKeys(const json::Object& keys, std::string_view userId,
                                          std::string_view deviceId) {
  const std::string* user = stringMember(keys, "user_id");
  const std::string* device = stringMember(keys, "device_id");
  if (!user || !device) return fail(ErrorCode::kBadJson, "device keys need user_id and device_id");
  if (*user != userId || *device != deviceId) {
    return fail(ErrorCode::kInvalidParam, "device keys are for another user or device");
  }
  const json::Value* algorithms = keys.find("algorithms");
  if (!algorithms || !algorithms->getArray()) {
    return fail(ErrorCode::kBadJson, "device keys need an algorithms array");
  }
  for (const auto& a : *algorithms->getArray()) {
    if (!a.getString()) return fail(ErrorCode::kBadJson, "algorithms must be strings");
  }
  const json::Value* keyMap = keys.find("keys");
  if (!keyMap || !keyMap->getObject()) return fail(ErrorCode::kBadJson, "device keys need keys");
  for (const auto& [id, value] : *keyMap->getObject()) {
    if (!value.getString()) return fail(ErrorCode::kBadJson, "key " + id + " must be a string");
  }
  if (const json::Value* sigs = keys.find("signatures"); sigs && !sigs->getObject()) {
    return fail(ErrorCode::kBadJson, "signatures must be an object");
  }
  PLEXUS_TRY(auto identity, deviceIdentity(keys, deviceId));
  PLEXUS_TRY_VOID(crypto::verifyJsonSignature(keys, userId, identity.keyId, identity.key));
  return identity;
}

namespace {

Result<CrossSigningKey> parseKeyPart(const json::Object& object) {
  const json::Value* keyMap = object.find("keys");
  if (!keyMap || !keyMap->getObject() || keyMap->getObject()->size() != 1) {
    return fail(ErrorCode::kBadJson, "a cross-signing key needs exactly one key in keys");
  }
  const auto& [keyId, value] = *keyMap->getObject()->begin();
  constexpr std::string_view kPrefix = "ed25519:";
  if (keyId.rfind(kPrefix, 0) != 0 || !value.getString() ||
      keyId.substr(kPrefix.size()) != *value.getString()) {
    return fail(ErrorCode::kBadJson, "a cross-signing key must be ed25519:<key> -> <key>");
  }
  auto key = crypto::PublicKey::fromBase64(*value.getString());
  if (!key) return fail(ErrorCode::kBadJson, "not an ed25519 public key: " + keyId);
  if (const json::Value* sigs = object.find("signatures"); sigs && !sigs->getObject()) {
    return fail(ErrorCode::kBadJson, "signatures must be an object");
  }
  return CrossSigningKey{object, keyId, *value.getString(), *key};
}

}  // namespace

Result<CrossSigningKey> parseCrossSigningKey(const json::Object& object, std::string_view userId,
                                             std::string_view usage) {
  const std::string* user = stringMember(object, "user_id");
  if (!user) return fail(ErrorCode::kBadJson, "a cross-signing key needs user_id");
  if (*user != userId) return fail(ErrorCode::kInvalidParam, "cross-signing key of another user");
  const json::Value* usages = object.find("usage");
  if (!usages || !usages->getArray()) return fail(ErrorCode::kBadJson, "usage must be an array");
  bool found = false;
  for (const auto& u : *usages->getArray()) {
    if (!u.getString()) return fail(ErrorCode::kBadJson, "usage must hold strings");
    if (*u.getString() == usage) found = true;
  }
  if (!found) {
    return fail(ErrorCode::kInvalidParam, "cross-signing key usage must include " + std::string(usage));
  }
  return parseKeyPart(object);
}

Result<CrossSigningKey> parseStoredCrossSigningKey(std::string_view text) {
  PLEXUS_TRY(auto object, json::parseObject(text));
  return parseKeyPart(object);
}

Result<std::pair<std::string, std::string>> splitKeyId(std::string_view keyId) {
  auto colon = keyId.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == keyId.size()) {
    return fail(ErrorCode::kBadJson, "key IDs are <algorithm>:<id>: " + std::string(keyId));
  }
  return std::pair<std::string, std::string>(keyId.substr(0, colon), keyId.substr(colon + 1));
}

void addSignature(json::Object& object, const std::string& userId, const std::string& keyId,
                  const std::string& signature) {
  json::Value& sigs = object["signatures"];
  if (!sigs.getObject()) sigs = json::Object{};
  json::Value& mine = (*sigs.getObject())[userId];
  if (!mine.getObject()) mine = json::Object{};
  mine.getObject()->set(keyId, signature);
}

bool sameSignedContent(const json::Object& a, const json::Object& b) {
  return crypto::signingBytes(a) == crypto::signingBytes(b);
}

std::optional<std::int64_t> parseBackupVersion(std::string_view version) {
  if (version.empty() || version.size() > 18) return std::nullopt;
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(version.data(), version.data() + version.size(), out);
  if (ec != std::errc() || ptr != version.data() + version.size() || out <= 0) return std::nullopt;
  return out;
}

}  // namespace plexus::keyserver
