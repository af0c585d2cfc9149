// ServerKeyStore: persistence of server signing keys. Our own keys (the current ones sign, the
// retired ones are published as old_verify_keys with their expired_ts) and the cache of other
// servers' keys that a federation::KeyRing is loaded from and written back to, plus the latest
// signed key response per remote server for the notary endpoint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/federation/key_ring.h"
#include "plexus/storage/database.h"

namespace plexus::federationapi {

using storage::Executor;

// One of our keys. `key` is set while the key is current; retired keys keep only the public half.
struct OwnKey {
  std::string keyId;
  crypto::PublicKey publicKey;
  std::optional<crypto::SigningKey> key;
  std::int64_t createdTs = 0;
  std::optional<std::int64_t> expiredTs;
};

// One cached key of another server.
struct RemoteKey {
  std::string serverName;
  std::string keyId;
  federation::KeyRecord record;
};

struct StoredKeyResponse {
  std::string serverName;
  std::string responseJson;  // the server's signed response as received (canonical JSON)
  std::int64_t validUntilTs = 0;
  std::int64_t fetchedTs = 0;
};

class ServerKeyStore {
 public:
  virtual ~ServerKeyStore() = default;

  // Creates or upgrades the schema. Errors: those of storage::migrate.
  virtual Status migrate(storage::Database& db) = 0;

  // All our keys, current first, then retired by key ID. Errors: kInternal (storage).
  virtual Result<std::vector<OwnKey>> ownKeys(Executor& ex) = 0;
  // Adds `key` as a current key unless `keyId` exists (then nothing changes). Returns true when
  // added. Errors: kInternal.
  virtual Result<bool> addOwnKey(Executor& ex, std::string_view keyId,
                                 const crypto::SigningKey& key, std::int64_t nowMs) = 0;
  // Retires every current key (expired_ts = nowMs, private half dropped). Run it with addOwnKey
  // in one transaction to rotate. Returns the number retired. Errors: kInternal.
  virtual Result<std::int64_t> retireOwnKeys(Executor& ex, std::int64_t nowMs) = 0;

  // Every cached remote key. Errors: kInternal.
  virtual Result<std::vector<RemoteKey>> remoteKeys(Executor& ex) = 0;
  // Inserts or replaces one cached key. Errors: kInternal.
  virtual Status putRemoteKey(Executor& ex, const RemoteKey& key) = 0;

  // The stored response of `serverName`, if any. Errors: kInternal.
  virtual Result<std::optional<StoredKeyResponse>> keyResponse(Executor& ex,
                                                               std::string_view serverName) = 0;
  // Stores `response` unless one valid for longer is stored already. Errors: kInternal.
  virtual Status putKeyResponse(Executor& ex, const StoredKeyResponse& response) = 0;
};

}  // namespace plexus::federationapi
