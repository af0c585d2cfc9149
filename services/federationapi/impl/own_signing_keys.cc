// OwnSigningKeys: loading, rotating and publishing our signing keys.
#include "federationapi/impl/own_signing_keys.h"

#include <chrono>

namespace plexus::federationapi {

std::int64_t realNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string keyIdFor(const crypto::SigningKey& key) {
  return "ed25519:p" + key.publicKey().toHex().substr(0, 8);
}

OwnSigningKeys::OwnSigningKeys(storage::Database& db, ServerKeyStore& store, std::string serverName,
                               NowMs now)
    : db_(db), store_(store), serverName_(std::move(serverName)), now_(std::move(now)) {}

Status OwnSigningKeys::load(const std::optional<federation::SigningKeyEntry>& initial) {
  std::lock_guard lock(mutex_);
  PLEXUS_TRY_VOID(reloadLocked());
  if (!current_.empty()) return {};
  federation::SigningKeyEntry entry =
      initial.value_or(federation::SigningKeyEntry{"", crypto::SigningKey::generate()});
  if (entry.keyId.empty()) entry.keyId = keyIdFor(entry.key);
  PLEXUS_TRY_VOID(store_.addOwnKey(db_, entry.keyId, entry.key, now_()));
  PLEXUS_TRY_VOID(reloadLocked());
  if (current_.empty())
    return fail(ErrorCode::kInternal, "signing key " + entry.keyId + " exists but is retired");
  return {};
}

Result<std::string> OwnSigningKeys::rotate() {
  std::lock_guard lock(mutex_);
  auto key = crypto::SigningKey::generate();
  std::string keyId = keyIdFor(key);
  std::int64_t nowMs = now_();
  Status rotated = db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_.retireOwnKeys(tx, nowMs));
    PLEXUS_TRY(bool added, store_.addOwnKey(tx, keyId, key, nowMs));
    if (!added) return fail(ErrorCode::kConflict, "key ID collision: " + keyId);
    return {};
  });
  if (!rotated) return Unexpected{rotated.error()};
  PLEXUS_TRY_VOID(reloadLocked());
  return keyId;
}

Status OwnSigningKeys::reloadLocked() {
  PLEXUS_TRY(auto keys, store_.ownKeys(db_));
  current_.clear();
  old_.clear();
  for (auto& key : keys) {
    if (key.expiredTs)
      old_.push_back({key.keyId, key.publicKey, *key.expiredTs});
    else if (key.key)
      current_.push_back({key.keyId, *key.key});
  }
  return {};
}

federation::SigningKeyEntry OwnSigningKeys::signingKey() const {
  std::lock_guard lock(mutex_);
  return current_.front();
}

std::vector<federation::OldKeyEntry> OwnSigningKeys::oldKeys() const {
  std::lock_guard lock(mutex_);
  return old_;
}

json::Object OwnSigningKeys::keyResponse(std::int64_t validityMs) const {
  std::lock_guard lock(mutex_);
  return federation::buildServerKeyResponse(serverName_, current_, old_, now_() + validityMs);
}

}  // namespace plexus::federationapi
