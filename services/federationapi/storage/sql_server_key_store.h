// SqlServerKeyStore: ServerKeyStore over plexus::storage, one SQL text for SQLite and
// PostgreSQL. Stateless and thread-safe; methods run on the Executor they are given.
#pragma once

#include "federationapi/storage/server_key_store.h"

namespace plexus::federationapi {

class SqlServerKeyStore final : public ServerKeyStore {
 public:
  // ServerKeyStore
  Status migrate(storage::Database& db) override;
  Result<std::vector<OwnKey>> ownKeys(Executor& ex) override;
  Result<bool> addOwnKey(Executor& ex, std::string_view keyId, const crypto::SigningKey& key,
                         std::int64_t nowMs) override;
  Result<std::int64_t> retireOwnKeys(Executor& ex, std::int64_t nowMs) override;
  Result<std::vector<RemoteKey>> remoteKeys(Executor& ex) override;
  Status putRemoteKey(Executor& ex, const RemoteKey& key) override;
  Result<std::optional<StoredKeyResponse>> keyResponse(Executor& ex,
                                                       std::string_view serverName) override;
  Status putKeyResponse(Executor& ex, const StoredKeyResponse& response) override;
};

}  // namespace plexus::federationapi
