// OwnSigningKeys: our server's signing keys as the federation API uses them: loaded from the
// ServerKeyStore (seeded from the node's key file on first start), rotated (the old key stays
// published in old_verify_keys with its expired_ts), and turned into the signed
// `/_matrix/key/v2/server` response. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "federationapi/storage/server_key_store.h"
#include "plexus/federation/server_keys.h"
#include "plexus/json/value.h"

namespace plexus::federationapi {

using NowMs = std::function<std::int64_t()>;
std::int64_t realNowMs();

// The key ID the node gives a key it generates: "ed25519:p" + the first 8 hex digits of the
// public key (services/node/root/signing_key.cc), so a rotated key gets a new ID.
std::string keyIdFor(const crypto::SigningKey& key);

class OwnSigningKeys {
 public:
  // `db` and `store` must outlive this.
  OwnSigningKeys(storage::Database& db, ServerKeyStore& store, std::string serverName,
                 NowMs now = realNowMs);

  // Loads the keys. When none is current, `initial` (the node's key file) is added, or a new key
  // is generated when it is absent. Errors: storage errors.
  Status load(const std::optional<federation::SigningKeyEntry>& initial = std::nullopt);

  // Generates a new current key and retires the current ones at now, in one transaction.
  // Returns the new key's ID. Errors: storage errors (nothing changes then).
  Result<std::string> rotate();

  // The key that signs what we send. Requires a successful load().
  federation::SigningKeyEntry signingKey() const;
  std::vector<federation::OldKeyEntry> oldKeys() const;
  const std::string& serverName() const { return serverName_; }

  // Our signed key response, valid for `validityMs` from now.
  json::Object keyResponse(std::int64_t validityMs) const;

  std::int64_t now() const { return now_(); }

 private:
  Status reloadLocked();

  storage::Database& db_;
  ServerKeyStore& store_;
  std::string serverName_;
  NowMs now_;
  mutable std::mutex mutex_;
  std::vector<federation::SigningKeyEntry> current_;
  std::vector<federation::OldKeyEntry> old_;
};

}  // namespace plexus::federationapi
