// SqlKeyStore: KeyStore over plexus::storage (one SQL text for SQLite and PostgreSQL, except
// the one-time key claim, which skips rows locked by concurrent claims on PostgreSQL).
// Stateless and thread-safe; methods run on the Executor they are given.
#pragma once

#include "keyserver/storage/key_store.h"

namespace plexus::keyserver {

class SqlKeyStore final : public KeyStore {
 public:
  // KeyStore
  Status migrate(storage::Database& db) override;

  Result<std::optional<StoredDevice>> device(Executor& ex, std::string_view userId,
                                             std::string_view deviceId) override;
  Result<std::vector<StoredDevice>> devices(Executor& ex, std::string_view userId) override;
  Status setDeviceKeys(Executor& ex, std::string_view userId, std::string_view deviceId,
                       std::string_view keyJson) override;
  Status setDisplayName(Executor& ex, std::string_view userId, std::string_view deviceId,
                        const std::optional<std::string>& displayName) override;
  Result<bool> deleteDevice(Executor& ex, std::string_view userId,
                            std::string_view deviceId) override;
  Result<std::vector<std::string>> deleteUser(Executor& ex, std::string_view userId) override;

  Result<std::optional<std::string>> oneTimeKey(Executor& ex, std::string_view userId,
                                                std::string_view deviceId,
                                                std::string_view keyId) override;
  Status addOneTimeKey(Executor& ex, std::string_view userId, std::string_view deviceId,
                       std::string_view algorithm, const StoredKey& key) override;
  Result<OneTimeKeyCounts> countOneTimeKeys(Executor& ex, std::string_view userId,
                                            std::string_view deviceId) override;
  Result<std::optional<StoredKey>> claimOneTimeKey(Executor& ex, std::string_view userId,
                                                   std::string_view deviceId,
                                                   std::string_view algorithm) override;

  Result<std::optional<StoredFallbackKey>> fallbackKey(Executor& ex, std::string_view userId,
                                                       std::string_view deviceId,
                                                       std::string_view algorithm) override;
  Status setFallbackKey(Executor& ex, std::string_view userId, std::string_view deviceId,
                        std::string_view algorithm, const StoredKey& key) override;
  Result<std::optional<StoredKey>> useFallbackKey(Executor& ex, std::string_view userId,
                                                  std::string_view deviceId,
                                                  std::string_view algorithm) override;
  Result<std::vector<std::string>> unusedFallbackAlgorithms(Executor& ex,
                                                            std::string_view userId,
                                                            std::string_view deviceId) override;

  Result<std::optional<std::string>> crossSigningKey(Executor& ex, std::string_view userId,
                                                     CrossSigningKeyType type) override;
  Status setCrossSigningKey(Executor& ex, std::string_view userId, CrossSigningKeyType type,
                            std::string_view keyJson) override;
  Status putSignature(Executor& ex, const StoredSignature& signature) override;
  Result<std::vector<StoredSignature>> signaturesOn(Executor& ex, std::string_view targetUserId,
                                                    std::string_view targetKeyId) override;

  Result<std::int64_t> appendDeviceListChange(Executor& ex, std::string_view userId,
                                              std::string_view deviceId, bool deleted) override;
  Result<std::int64_t> deviceListPosition(Executor& ex) override;
  Result<std::vector<std::string>> usersChangedBetween(Executor& ex, std::int64_t from,
                                                       std::int64_t to) override;

  Result<std::optional<std::int64_t>> previousDeviceChange(Executor& ex, std::string_view userId,
                                                           std::int64_t before) override;
  Result<std::optional<RemoteDeviceList>> remoteDeviceList(Executor& ex,
                                                           std::string_view userId) override;
  Status setRemoteDeviceList(Executor& ex, std::string_view userId,
                             const RemoteDeviceList& list) override;
  Status deleteCrossSigningKey(Executor& ex, std::string_view userId,
                               CrossSigningKeyType type) override;

  Result<std::int64_t> createBackupVersion(Executor& ex, std::string_view userId,
                                           std::string_view algorithm,
                                           std::string_view authDataJson) override;
  Result<std::optional<StoredBackupVersion>> backupVersion(
      Executor& ex, std::string_view userId, std::optional<std::int64_t> version) override;
  Status updateBackupAuthData(Executor& ex, std::string_view userId, std::int64_t version,
                              std::string_view authDataJson) override;
  Result<bool> deleteBackupVersion(Executor& ex, std::string_view userId,
                                   std::int64_t version) override;
  Status bumpBackupEtag(Executor& ex, std::string_view userId, std::int64_t version) override;
  Result<std::int64_t> countBackupKeys(Executor& ex, std::string_view userId,
                                       std::int64_t version) override;
  Result<BackupKeys> backupKeys(Executor& ex, std::string_view userId, std::int64_t version,
                                const BackupKeySelector& selector) override;
  Status putBackupKey(Executor& ex, std::string_view userId, std::int64_t version,
                      std::string_view roomId, std::string_view sessionId,
                      const BackupKeyData& data) override;
  Result<std::int64_t> deleteBackupKeys(Executor& ex, std::string_view userId,
                                        std::int64_t version,
                                        const BackupKeySelector& selector) override;
};

}  // namespace plexus::keyserver
