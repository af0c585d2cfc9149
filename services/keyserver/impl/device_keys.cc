// KeyserverService: /keys/upload, /keys/query, /keys/claim and the counts /sync reports (the
// remote users' part of /keys/query and /keys/claim is in remote_keys.cc).
#include <set>

#include "keyserver/impl/change_recorder.h"
#include "keyserver/impl/key_json.h"
#include "keyserver/impl/keyserver_service.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::keyserver {

namespace {

constexpr std::string_view kDefaultOneTimeKeyAlgorithm = "signed_curve25519";

// A one-time or fallback key value: a string (curve25519) or a signed object.
Status checkKeyValue(const std::string& keyId, const json::Value& value) {
  if (!value.getString() && !value.getObject()) {
    return fail(ErrorCode::kBadJson, "key " + keyId + " must be a string or an object");
  }
  if (const json::Object* o = value.getObject()) {
    const json::Value* key = o->find("key");
    if (!key || !key->getString()) {
      return fail(ErrorCode::kBadJson, "key " + keyId + " needs a key string");
    }
  }
  return {};
}

json::Object& memberObject(json::Object& parent, const std::string& key) {
  json::Value& v = parent[key];
  if (!v.getObject()) v = json::Object{};
  return *v.getObject();
}

}  // namespace

Result<OneTimeKeyCounts> KeyserverService::performUploadKeys(
    const CallContext& ctx, std::string_view userId, std::string_view deviceId,
    const std::optional<json::Object>& deviceKeys, const json::Object& oneTimeKeys,
    const json::Object& fallbackKeys) {
  // Validate everything before touching storage.
  if (deviceKeys) PLEXUS_TRY_VOID(validateDeviceKeys(*deviceKeys, userId, deviceId));
  std::set<std::string> fallbackAlgorithms;
  for (const auto& [keyId, value] : oneTimeKeys) {
    PLEXUS_TRY_VOID(splitKeyId(keyId));
    PLEXUS_TRY_VOID(checkKeyValue(keyId, value));
  }
  for (const auto& [keyId, value] : fallbackKeys) {
    PLEXUS_TRY(auto parts, splitKeyId(keyId));
    PLEXUS_TRY_VOID(checkKeyValue(keyId, value));
    if (!fallbackAlgorithms.insert(parts.first).second) {
      return fail(ErrorCode::kInvalidParam, "one fallback key per algorithm");
    }
  }

  OneTimeKeyCounts counts;
  Status written = write(
      ctx,
      [&](storage::Transaction& tx, std::vector<DeviceListUpdate>& updates,
          std::vector<OneTimeKeysChanged>& keyChanges) -> Status {
        if (deviceKeys) {
          PLEXUS_TRY(auto existing, store_->device(tx, userId, deviceId));
          if (existing && existing->keyJson) {
            PLEXUS_TRY(auto stored, json::parseObject(*existing->keyJson));
            // SPEC: identity keys of a device never change; a new identity needs a new device.
            if (!sameSignedContent(stored, *deviceKeys)) {
              return fail(ErrorCode::kInvalidParam,
                          "device " + std::string(deviceId) + " already has different keys");
            }
          } else {
            PLEXUS_TRY_VOID(
                store_->setDeviceKeys(tx, userId, deviceId, json::canonical(*deviceKeys)));
            PLEXUS_TRY_VOID(recordDeviceListChange(*store_, tx, updates, userId, deviceId, false));
          }
        }
        for (const auto& [keyId, value] : oneTimeKeys) {
          std::string text = json::canonical(value);
          PLEXUS_TRY(auto existing, store_->oneTimeKey(tx, userId, deviceId, keyId));
          if (existing) {
            if (*existing != text) {
              return fail(ErrorCode::kInvalidParam,
                          "one-time key " + keyId + " already exists with other content");
            }
            continue;
          }
          PLEXUS_TRY(auto parts, splitKeyId(keyId));
          PLEXUS_TRY_VOID(store_->addOneTimeKey(tx, userId, deviceId, parts.first, {keyId, text}));
          recordOneTimeKeysChange(keyChanges, userId, deviceId);
        }
        for (const auto& [keyId, value] : fallbackKeys) {
          std::string text = json::canonical(value);
          PLEXUS_TRY(auto parts, splitKeyId(keyId));
          PLEXUS_TRY(auto existing, store_->fallbackKey(tx, userId, deviceId, parts.first));
          // Re-uploading the same fallback key must not make a used key look fresh.
          if (existing && existing->key.keyId == keyId && existing->key.keyJson == text) continue;
          PLEXUS_TRY_VOID(store_->setFallbackKey(tx, userId, deviceId, parts.first, {keyId, text}));
          recordOneTimeKeysChange(keyChanges, userId, deviceId);
        }
        PLEXUS_TRY(counts, store_->countOneTimeKeys(tx, userId, deviceId));
        return {};
      });
  if (!written.ok()) return written.error();
  counts.try_emplace(std::string(kDefaultOneTimeKeyAlgorithm), 0);
  return counts;
}

Result<QueryKeysResponse> KeyserverService::queryKeys(const CallContext& ctx,
                                                      std::string_view requestingUserId,
                                                      const DeviceKeysQuery& query) {
  if (ctx.expired()) return fail(ErrorCode::kUnavailable, "keyserver: deadline passed");
  QueryKeysResponse response;
  DeviceKeysQuery fromStore, remote;
  for (const auto& [userId, wanted] : query)
    (isLocal(userId) ? fromStore : remote)[userId] = wanted;
  // Remote users answered from the cache join the local ones; the rest come from their servers.
  if (!remote.empty()) PLEXUS_TRY_VOID(queryRemoteKeys(ctx, remote, fromStore, response));
  PLEXUS_TRY_VOID(queryLocalKeys(requestingUserId, fromStore, response));
  return response;
}

Status KeyserverService::queryLocalKeys(std::string_view requestingUserId,
                                        const DeviceKeysQuery& query, QueryKeysResponse& response) {
  for (const auto& [userId, wanted] : query) {
    std::set<std::string> wantedSet(wanted.begin(), wanted.end());
    PLEXUS_TRY(auto devices, store_->devices(db_, userId));
    json::Object userDevices;
    for (const auto& device : devices) {
      if (!device.keyJson) continue;
      if (!wantedSet.empty() && !wantedSet.contains(device.deviceId)) continue;
      PLEXUS_TRY(auto keys, json::parseObject(*device.keyJson));
      PLEXUS_TRY(auto sigs, store_->signaturesOn(db_, userId, device.deviceId));
      for (const auto& s : sigs) {
        if (s.originUserId == userId) addSignature(keys, s.originUserId, s.originKeyId, s.signature);
      }
      if (device.displayName) {
        memberObject(keys, "unsigned").set("device_display_name", *device.displayName);
      }
      userDevices.set(device.deviceId, std::move(keys));
    }
    if (!userDevices.empty()) response.deviceKeys.set(userId, std::move(userDevices));

    PLEXUS_TRY(auto master, store_->crossSigningKey(db_, userId, CrossSigningKeyType::kMaster));
    if (master) {
      PLEXUS_TRY(auto parsed, parseStoredCrossSigningKey(*master));
      PLEXUS_TRY(auto sigs, store_->signaturesOn(db_, userId, parsed.publicKey));
      for (const auto& s : sigs) {
        // SPEC: a user-signing signature on someone else's master key is private to the signer.
        if (s.originUserId == userId || s.originUserId == requestingUserId) {
          addSignature(parsed.object, s.originUserId, s.originKeyId, s.signature);
        }
      }
      response.masterKeys.set(userId, std::move(parsed.object));
    }
    PLEXUS_TRY(auto selfSigning,
               store_->crossSigningKey(db_, userId, CrossSigningKeyType::kSelfSigning));
    if (selfSigning) {
      PLEXUS_TRY(auto parsed, json::parseObject(*selfSigning));
      response.selfSigningKeys.set(userId, std::move(parsed));
    }
    if (userId == requestingUserId) {
      PLEXUS_TRY(auto userSigning,
                 store_->crossSigningKey(db_, userId, CrossSigningKeyType::kUserSigning));
      if (userSigning) {
        PLEXUS_TRY(auto parsed, json::parseObject(*userSigning));
        response.userSigningKeys.set(userId, std::move(parsed));
      }
    }
  }
  return {};
}

Result<ClaimKeysResponse> KeyserverService::performClaimKeys(const CallContext& ctx,
                                                             const ClaimKeysRequest& request) {
  ClaimKeysResponse response;
  ClaimKeysRequest local, remote;
  for (const auto& [userId, devices] : request)
    (isLocal(userId) ? local : remote)[userId] = devices;
  // Local users' keys, whether a client (/keys/claim) or a server (/user/keys/claim) asks.
  Status written =
      write(ctx,
            [&](storage::Transaction& tx, std::vector<DeviceListUpdate>&,
                std::vector<OneTimeKeysChanged>& keyChanges) -> Status {
              response = {};
              for (const auto& [userId, devices] : local) {
                json::Object userKeys;
                for (const auto& [deviceId, algorithm] : devices) {
                  PLEXUS_TRY(auto key, store_->claimOneTimeKey(tx, userId, deviceId, algorithm));
                  if (!key) {
                    // SPEC: with no one-time key left, the fallback key is handed out (and reused).
                    PLEXUS_TRY(key, store_->useFallbackKey(tx, userId, deviceId, algorithm));
                  }
                  if (!key) continue;
                  // A one-time key fewer, or the fallback key now used (already used: harmless).
                  recordOneTimeKeysChange(keyChanges, userId, deviceId);
                  PLEXUS_TRY(auto value, json::parse(key->keyJson));
                  userKeys.set(deviceId, json::Object{{key->keyId, std::move(value)}});
                }
                if (!userKeys.empty()) response.oneTimeKeys.set(userId, std::move(userKeys));
              }
              return {};
            });
  if (!written.ok()) return written.error();
  if (!remote.empty()) claimRemoteKeys(ctx, remote, response);
  return response;
}

Result<OneTimeKeyCounts> KeyserverService::queryOneTimeKeyCounts(const CallContext&,
                                                                 std::string_view userId,
                                                                 std::string_view deviceId) {
  PLEXUS_TRY(auto counts, store_->countOneTimeKeys(db_, userId, deviceId));
  counts.try_emplace(std::string(kDefaultOneTimeKeyAlgorithm), 0);
  return counts;
}

Result<std::vector<std::string>> KeyserverService::queryUnusedFallbackKeyTypes(
    const CallContext&, std::string_view userId, std::string_view deviceId) {
  return store_->unusedFallbackAlgorithms(db_, userId, deviceId);
}

}  // namespace plexus::keyserver
