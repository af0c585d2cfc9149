// Signing JSON objects (Matrix spec appendix "Signing JSON"): the signature covers the canonical
// JSON of the object without `signatures` and `unsigned`, and is stored under
// signatures.<entity>.<key id> in unpadded base64. Objects may carry several signers.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/json/value.h"

namespace plexus::crypto {

// The bytes a signature covers: canonical JSON without `signatures` and `unsigned`.
std::string signingBytes(const json::Object& object);

// Adds (or replaces) this signer's signature, keeping other signatures.
void signJson(json::Object& object, std::string_view entity, std::string_view keyId,
              const SigningKey& key);

// Checks the signature of `entity` with `keyId` and `key`. Errors: kInvalidSignature when the
// signature is missing, malformed or wrong.
Status verifyJsonSignature(const json::Object& object, std::string_view entity,
                           std::string_view keyId, const PublicKey& key);

// Finds the public key for (entity, key id), or nullopt when unknown.
using KeyLookup = std::function<std::optional<PublicKey>(std::string_view entity,
                                                         std::string_view keyId)>;

// Checks that `entity` signed the object with at least one ed25519 key that `keys` knows and
// that every such known signature verifies. Errors: kInvalidSignature.
Status verifyJsonSignedBy(const json::Object& object, std::string_view entity, const KeyLookup& keys);

}  // namespace plexus::crypto
