// Validation and small manipulations of the keyserver's JSON objects: device keys,
// cross-signing keys, one-time key IDs, and merging stored signatures into keys.
#pragma once

#include <string>
#include <string_view>

#include "keyserver/storage/key_store.h"
#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/json/value.h"

namespace plexus::keyserver {

// A device's ed25519 identity key, from its DeviceKeys.
struct DeviceIdentity {
  std::string keyId;  // "ed25519:<device_id>"
  crypto::PublicKey key;
};

// Checks DeviceKeys for (userId, deviceId): IDs match, algorithms is an array of strings,
// keys maps "<algorithm>:<device_id>" to strings and holds a valid ed25519 key, and that key
// signed the object. Errors: kBadJson, kInvalidParam (IDs), kInvalidSignature.
Result<DeviceIdentity> validateDeviceKeys(const json::Object& keys, std::string_view userId,
                                          std::string_view deviceId);

// The ed25519 identity key of stored DeviceKeys (already validated on upload).
Result<DeviceIdentity> deviceIdentity(const json::Object& keys, std::string_view deviceId);

struct CrossSigningKey {
  json::Object object;
  std::string keyId;      // "ed25519:<public key>"
  std::string publicKey;  // unpadded base64, the key's ID in /keys/signatures/upload
  crypto::PublicKey key;
};

// Checks a CrossSigningKey of userId with the given usage ("master", "self_signing",
// "user_signing"). Errors: kBadJson (shape, not exactly one ed25519 key), kInvalidParam
// (user_id or usage wrong).
Result<CrossSigningKey> parseCrossSigningKey(const json::Object& object, std::string_view userId,
                                             std::string_view usage);
// The same for a stored key (JSON text); the usage is not re-checked.
Result<CrossSigningKey> parseStoredCrossSigningKey(std::string_view json);

// Splits "<algorithm>:<key id>". Errors: kBadJson when either part is empty.
Result<std::pair<std::string, std::string>> splitKeyId(std::string_view keyId);

// Sets object.signatures.<userId>.<keyId> = signature, creating the maps as needed.
void addSignature(json::Object& object, const std::string& userId, const std::string& keyId,
                  const std::string& signature);

// True when both objects sign the same content (signatures and unsigned ignored).
bool sameSignedContent(const json::Object& a, const json::Object& b);

// Decimal backup version -> number; nullopt when it is not one.
std::optional<std::int64_t> parseBackupVersion(std::string_view version);

}  // namespace plexus::keyserver
