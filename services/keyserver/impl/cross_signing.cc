// KeyserverService: cross-signing key upload and /keys/signatures/upload.
#include "keyserver/impl/change_recorder.h"
#include "keyserver/impl/key_json.h"
#include "keyserver/impl/keyserver_service.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::keyserver {

namespace {

struct Slot {
  const std::optional<json::Object>* key;
  CrossSigningKeyType type;
  std::string_view usage;
};

std::vector<Slot> slotsOf(const CrossSigningKeys& keys) {
  return {{&keys.master, CrossSigningKeyType::kMaster, "master"},
          {&keys.selfSigning, CrossSigningKeyType::kSelfSigning, "self_signing"},
          {&keys.userSigning, CrossSigningKeyType::kUserSigning, "user_signing"}};
}

}  // namespace

Status KeyserverService::performUploadCrossSigningKeys(const CallContext& ctx,
                                                       std::string_view userId,
                                                       const CrossSigningKeys& keys) {
  std::optional<CrossSigningKey> newMaster;
  if (keys.master) {
    PLEXUS_TRY(auto parsed, parseCrossSigningKey(*keys.master, userId, "master"));
    newMaster = std::move(parsed);
  }
  std::vector<std::pair<CrossSigningKey, Slot>> subKeys;
  for (const auto& slot : slotsOf(keys)) {
    if (slot.type == CrossSigningKeyType::kMaster || !*slot.key) continue;
    PLEXUS_TRY(auto parsed, parseCrossSigningKey(**slot.key, userId, slot.usage));
    subKeys.emplace_back(std::move(parsed), slot);
  }
  return write(ctx, [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates) -> Status {
    std::optional<CrossSigningKey> master = newMaster;
    if (!master && !subKeys.empty()) {
      PLEXUS_TRY(auto stored, store_->crossSigningKey(tx, userId, CrossSigningKeyType::kMaster));
      if (!stored) {
        return fail(ErrorCode::kInvalidParam, "no master key to sign the other keys with");
      }
      PLEXUS_TRY(auto parsed, parseStoredCrossSigningKey(*stored));
      master = std::move(parsed);
    }
    for (const auto& [key, slot] : subKeys) {
      // SPEC: self-signing and user-signing keys must be signed by the master key.
      auto verified = crypto::verifyJsonSignature(key.object, userId, master->keyId, master->key);
      if (!verified.ok()) {
        return fail(ErrorCode::kInvalidSignature,
                    std::string(slot.usage) + " key is not signed by the master key");
      }
    }
    bool changed = false;
    for (const auto& slot : slotsOf(keys)) {
      if (!*slot.key) continue;
      std::string text = json::canonical(**slot.key);
      PLEXUS_TRY(auto stored, store_->crossSigningKey(tx, userId, slot.type));
      if (stored && *stored == text) continue;
      PLEXUS_TRY_VOID(store_->setCrossSigningKey(tx, userId, slot.type, text));
      changed = true;
    }
    if (changed) PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, "", false));
    return {};
  });
}

Result<bool> KeyserverService::queryCrossSigningUploadIsNoOp(const CallContext&,
                                                             std::string_view userId,
                                                             const CrossSigningKeys& keys) {
  PLEXUS_TRY(auto master, store_->crossSigningKey(db_, userId, CrossSigningKeyType::kMaster));
  if (!master) return false;
  for (const auto& slot : slotsOf(keys)) {
    if (!*slot.key) continue;
    PLEXUS_TRY(auto stored, store_->crossSigningKey(db_, userId, slot.type));
    if (!stored || *stored != json::canonical(**slot.key)) return false;
  }
  return true;
}

namespace {

SignatureFailure failure(std::string errcode, std::string error) {
  return SignatureFailure{std::move(errcode), std::move(error)};
}

// The signer's signatures in an uploaded object: signatures.<signer>.
const json::Object* signaturesBy(const json::Object& object, const std::string& signer) {
  const json::Value* sigs = object.find("signatures");
  const json::Value* mine = sigs ? sigs->get(signer) : nullptr;
  return mine ? mine->getObject() : nullptr;
}

}  // namespace

Result<UploadSignaturesResponse> KeyserverService::performUploadSignatures(
    const CallContext& ctx, std::string_view userIdView, const json::Object& body) {
  const std::string userId(userIdView);
  UploadSignaturesResponse response;
  Status written = write(ctx, [&](storage::Transaction& tx,
                                 std::vector<DeviceListUpdate>& updates) -> Status {
    response = {};
    auto loadKey = [&](const std::string& user, CrossSigningKeyType type)
        -> Result<std::optional<CrossSigningKey>> {
      PLEXUS_TRY(auto stored, store_->crossSigningKey(tx, user, type));
      if (!stored) return std::optional<CrossSigningKey>{};
      PLEXUS_TRY(auto parsed, parseStoredCrossSigningKey(*stored));
      return std::optional<CrossSigningKey>(std::move(parsed));
    };

    for (const auto& [targetUser, perKey] : body) {
      auto& failures = response.failures[targetUser];
      if (!perKey.getObject()) {
        failures[""] = failure("M_BAD_JSON", "expected an object of keys");
        continue;
      }
      for (const auto& [keyId, signedValue] : *perKey.getObject()) {
        const json::Object* signedObject = signedValue.getObject();
        if (!signedObject) {
          failures[keyId] = failure("M_BAD_JSON", "expected a signed key object");
          continue;
        }
        const json::Object* mine = signaturesBy(*signedObject, userId);
        if (!mine) {
          failures[keyId] = failure("M_INVALID_SIGNATURE", "no signature by " + userId);
          continue;
        }
        PLEXUS_TRY(auto targetMaster, loadKey(targetUser, CrossSigningKeyType::kMaster));

        if (targetUser != userId) {
          // Another user's master key, signed by the uploader's user-signing key.
          if (!targetMaster || targetMaster->publicKey != keyId) {
            failures[keyId] = failure("M_NOT_FOUND", "not the user's master key");
            continue;
          }
          PLEXUS_TRY(auto userSigning, loadKey(userId, CrossSigningKeyType::kUserSigning));
          if (!userSigning) {
            failures[keyId] = failure("M_INVALID_SIGNATURE", "uploader has no user-signing key");
            continue;
          }
          const json::Value* sig = mine->find(userSigning->keyId);
          if (!sameSignedContent(targetMaster->object, *signedObject) || !sig ||
              !sig->getString() ||
              !crypto::verifyJsonSignature(*signedObject, userId, userSigning->keyId,
                                           userSigning->key)
                   .ok()) {
            failures[keyId] = failure("M_INVALID_SIGNATURE", "not signed by the user-signing key");
            continue;
          }
          PLEXUS_TRY_VOID(store_->putSignature(
              tx, {userId, userSigning->keyId, targetUser, keyId, *sig->getString()}));
          PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, "", false));
          continue;
        }

        PLEXUS_TRY(auto device, store_->device(tx, userId, keyId));
        if (device && device->keyJson) {
          // One of the uploader's devices, signed by their self-signing key.
          PLEXUS_TRY(auto stored, json::parseObject(*device->keyJson));
          PLEXUS_TRY(auto selfSigning, loadKey(userId, CrossSigningKeyType::kSelfSigning));
          if (!selfSigning) {
            failures[keyId] = failure("M_INVALID_SIGNATURE", "no self-signing key");
            continue;
          }
          const json::Value* sig = mine->find(selfSigning->keyId);
          if (!sameSignedContent(stored, *signedObject) || !sig || !sig->getString() ||
              !crypto::verifyJsonSignature(*signedObject, userId, selfSigning->keyId,
                                           selfSigning->key)
                   .ok()) {
            failures[keyId] = failure("M_INVALID_SIGNATURE", "not signed by the self-signing key");
            continue;
          }
          PLEXUS_TRY_VOID(store_->putSignature(
              tx, {userId, selfSigning->keyId, userId, keyId, *sig->getString()}));
          PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, keyId, false));
          continue;
        }

        if (targetMaster && targetMaster->publicKey == keyId) {
          // The uploader's own master key, signed by one or more of their devices.
          if (!sameSignedContent(targetMaster->object, *signedObject)) {
            failures[keyId] = failure("M_INVALID_SIGNATURE", "does not match the master key");
            continue;
          }
          int accepted = 0;
          for (const auto& [sigKeyId, sig] : *mine) {
            if (sigKeyId == targetMaster->keyId || !sig.getString()) continue;
            auto parts = splitKeyId(sigKeyId);
            if (!parts.ok() || parts->first != "ed25519") continue;
            PLEXUS_TRY(auto signer, store_->device(tx, userId, parts->second));
            if (!signer || !signer->keyJson) continue;
            PLEXUS_TRY(auto signerKeys, json::parseObject(*signer->keyJson));
            auto identity = deviceIdentity(signerKeys, parts->second);
            if (!identity.ok() ||
                !crypto::verifyJsonSignature(*signedObject, userId, sigKeyId, identity->key).ok()) {
              continue;
            }
            PLEXUS_TRY_VOID(
                store_->putSignature(tx, {userId, sigKeyId, userId, keyId, *sig.getString()}));
            ++accepted;
          }
          if (accepted == 0) {
            failures[keyId] = failure("M_INVALID_SIGNATURE", "no valid device signature");
            continue;
          }
          PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, "", false));
          continue;
        }
        failures[keyId] = failure("M_NOT_FOUND", "unknown device or key " + keyId);
      }
      if (failures.empty()) response.failures.erase(targetUser);
    }
    return {};
  });
  if (!written.ok()) return written.error();
  return response;
}

}  // namespace plexus::keyserver
