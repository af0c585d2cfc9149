// Signing and verifying JSON objects (spec appendix "Signing JSON", "Checking for a Signature").
#include "plexus/crypto/json_signing.h"

#include "plexus/crypto/base64.h"
#include "plexus/json/canonical.h"

namespace plexus::crypto {
namespace {

constexpr std::string_view kSignatures = "signatures";
constexpr std::string_view kUnsigned = "unsigned";
constexpr std::string_view kEd25519Prefix = "ed25519:";

Unexpected invalid(std::string message) {
  return fail(ErrorCode::kInvalidSignature, std::move(message));
}

// The signatures.<entity> object, or nullptr when absent or not an object.
const json::Object* entitySignatures(const json::Object& object, std::string_view entity) {
  const json::Value* signatures = object.find(kSignatures);
  const json::Object* bySigner = signatures ? signatures->getObject() : nullptr;
  const json::Value* entry = bySigner ? bySigner->find(entity) : nullptr;
  return entry ? entry->getObject() : nullptr;
}

Status verifyEncoded(std::string_view message, const json::Value& encodedSignature,
                     std::string_view entity, std::string_view keyId, const PublicKey& key) {
  const std::string* text = encodedSignature.getString();
  if (!text) return invalid("signature of " + std::string(entity) + " " + std::string(keyId) + " is not a string");
  // SPEC: appendix "Checking for a Signature" step 4: a signature that does not decode fails.
  auto raw = decodeBase64(*text);
  if (!raw) return invalid("signature of " + std::string(entity) + " " + std::string(keyId) + " is not valid base64");
  if (!key.verify(message, *raw)) {
    return invalid("signature of " + std::string(entity) + " " + std::string(keyId) + " does not verify");
  }
  return {};
}

}  // namespace

std::string signingBytes(const json::Object& object) {
  return json::canonicalWithout(object, {kSignatures, kUnsigned});
}

void signJson(json::Object& object, std::string_view entity, std::string_view keyId,
              const SigningKey& key) {
  std::string signature = encodeBase64(key.sign(signingBytes(object)));
  json::Value& signatures = object[kSignatures];
  if (!signatures.isObject()) signatures = json::Object();
  json::Value& bySigner = (*signatures.getObject())[entity];
  if (!bySigner.isObject()) bySigner = json::Object();
  bySigner.getObject()->set(std::string(keyId), json::Value(std::move(signature)));
}

Status verifyJsonSignature(const json::Object& object, std::string_view entity,
                           std::string_view keyId, const PublicKey& key) {
  const json::Object* signatures = entitySignatures(object, entity);
  if (!signatures) return invalid("no signatures from " + std::string(entity));
  const json::Value* encoded = signatures->find(keyId);
  if (!encoded) return invalid("no signature from " + std::string(entity) + " with key " + std::string(keyId));
  return verifyEncoded(signingBytes(object), *encoded, entity, keyId, key);
}

Status verifyJsonSignedBy(const json::Object& object, std::string_view entity, const KeyLookup& keys) {
  // SPEC: appendix "Checking for a Signature": unknown algorithms are ignored, at least one key
  // must remain and be known, and every checked signature must verify.
  const json::Object* signatures = entitySignatures(object, entity);
  if (!signatures) return invalid("no signatures from " + std::string(entity));
  std::string message;
  int verified = 0;
  for (const auto& [keyId, encoded] : *signatures) {
    if (!keyId.starts_with(kEd25519Prefix)) continue;
    std::optional<PublicKey> key = keys(entity, keyId);
    if (!key) continue;
    if (message.empty()) message = signingBytes(object);
    PLEXUS_TRY_VOID(verifyEncoded(message, encoded, entity, keyId, *key));
    ++verified;
  }
  if (verified == 0) {
    return invalid("no ed25519 signature from " + std::string(entity) + " with a known key");
  }
  return {};
}

}  // namespace plexus::crypto
