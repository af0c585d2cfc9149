// KeyStore: the keyserver's storage interface. Every method takes the Executor to run on, so
// the service composes one request's reads and writes into a single transaction. JSON values
// are stored as canonical JSON text. Implementations: SqlKeyStore (SQLite and PostgreSQL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyserver/api/types.h"
#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::keyserver {

using storage::Executor;

// A device known to the keyserver: it has uploaded keys, a display name, or both.
struct StoredDevice {
  std::string deviceId;
  std::optional<std::string> keyJson;  // DeviceKeys as uploaded, canonical JSON
  std::optional<std::string> displayName;
};

// A one-time or fallback key: full key ID "<algorithm>:<id>" and its JSON (a string or object).
struct StoredKey {
  std::string keyId;
  std::string keyJson;
};

struct StoredFallbackKey {
  StoredKey key;
  bool used = false;
};

enum class CrossSigningKeyType : std::uint8_t { kMaster, kSelfSigning, kUserSigning };
std::string_view crossSigningKeyTypeName(CrossSigningKeyType type);

// A signature made by (originUserId, originKeyId "ed25519:<id>") over the key targetKeyId (a
// device ID or a cross-signing public key) of targetUserId.
struct StoredSignature {
  std::string originUserId;
  std::string originKeyId;
  std::string targetUserId;
  std::string targetKeyId;
  std::string signature;  // unpadded base64
};

struct StoredBackupVersion {
  std::int64_t version = 0;
  std::string algorithm;
  std::string authDataJson;
  std::int64_t etag = 0;  // bumped on every change of the version's keys
};

// A remote user whose device list is cached: the newest stream ID of their server applied, and
// whether an update was missed (the cache must be refetched before it is trusted).
struct RemoteDeviceList {
  std::int64_t streamId = 0;
  bool stale = false;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Applies the keyserver's migrations. Errors: storage::migrate's.
  virtual Status migrate(storage::Database& db) = 0;

  // ---- devices ----
  virtual Result<std::optional<StoredDevice>> device(Executor& ex, std::string_view userId,
                                                     std::string_view deviceId) = 0;
  // Every device of the user, sorted by device ID.
  virtual Result<std::vector<StoredDevice>> devices(Executor& ex, std::string_view userId) = 0;
  virtual Status setDeviceKeys(Executor& ex, std::string_view userId, std::string_view deviceId,
                               std::string_view keyJson) = 0;
  // nullopt removes the name.
  virtual Status setDisplayName(Executor& ex, std::string_view userId, std::string_view deviceId,
                                const std::optional<std::string>& displayName) = 0;
  // Removes the device with its one-time and fallback keys and the signatures on it; true when
  // it existed.
  virtual Result<bool> deleteDevice(Executor& ex, std::string_view userId,
                                    std::string_view deviceId) = 0;
  // Removes everything stored for the user (devices, keys, cross-signing, signatures made or
  // received, backups). Returns the IDs of the devices it had.
  virtual Result<std::vector<std::string>> deleteUser(Executor& ex, std::string_view userId) = 0;

  // ---- one-time keys ----
  virtual Result<std::optional<std::string>> oneTimeKey(Executor& ex, std::string_view userId,
                                                        std::string_view deviceId,
                                                        std::string_view keyId) = 0;
  virtual Status addOneTimeKey(Executor& ex, std::string_view userId, std::string_view deviceId,
                               std::string_view algorithm, const StoredKey& key) = 0;
  // Algorithm -> count of the device's one-time keys (algorithms without keys are absent).
  virtual Result<OneTimeKeyCounts> countOneTimeKeys(Executor& ex, std::string_view userId,
                                                    std::string_view deviceId) = 0;
  // Removes and returns one key of the algorithm; concurrent claims never get the same key.
  virtual Result<std::optional<StoredKey>> claimOneTimeKey(Executor& ex, std::string_view userId,
                                                           std::string_view deviceId,
                                                           std::string_view algorithm) = 0;

  // ---- fallback keys ----
  virtual Result<std::optional<StoredFallbackKey>> fallbackKey(Executor& ex,
                                                               std::string_view userId,
                                                               std::string_view deviceId,
                                                               std::string_view algorithm) = 0;
  // Inserts or replaces the device's fallback key of the algorithm, unused.
  virtual Status setFallbackKey(Executor& ex, std::string_view userId, std::string_view deviceId,
                                std::string_view algorithm, const StoredKey& key) = 0;
  // Marks the fallback key used and returns it (nullopt when the device has none).
  virtual Result<std::optional<StoredKey>> useFallbackKey(Executor& ex, std::string_view userId,
                                                          std::string_view deviceId,
                                                          std::string_view algorithm) = 0;
  virtual Result<std::vector<std::string>> unusedFallbackAlgorithms(Executor& ex,
                                                                    std::string_view userId,
                                                                    std::string_view deviceId) = 0;

  // ---- cross-signing keys and signatures ----
  virtual Result<std::optional<std::string>> crossSigningKey(Executor& ex,
                                                             std::string_view userId,
                                                             CrossSigningKeyType type) = 0;
  virtual Status setCrossSigningKey(Executor& ex, std::string_view userId,
                                    CrossSigningKeyType type, std::string_view keyJson) = 0;
  // Inserts or replaces (same origin and target).
  virtual Status putSignature(Executor& ex, const StoredSignature& signature) = 0;
  // Signatures on one key of targetUserId, sorted by origin.
  virtual Result<std::vector<StoredSignature>> signaturesOn(Executor& ex,
                                                            std::string_view targetUserId,
                                                            std::string_view targetKeyId) = 0;

  // ---- device-list stream ----
  // Allocates the next stream position for a change of the user's device list. Positions
  // become visible in allocation order (the counter row is locked until commit), so call it
  // last in a transaction.
  virtual Result<std::int64_t> appendDeviceListChange(Executor& ex, std::string_view userId,
                                                      std::string_view deviceId,
                                                      bool deleted) = 0;
  virtual Result<std::int64_t> deviceListPosition(Executor& ex) = 0;
  // Distinct users with a change at a position in (from, to], sorted.
  virtual Result<std::vector<std::string>> usersChangedBetween(Executor& ex, std::int64_t from,
                                                               std::int64_t to) = 0;

  // The latest position < `before` of a change to one of the user's devices (changes with an
  // empty device ID, i.e. cross-signing, are skipped); nullopt when there is none.
  virtual Result<std::optional<std::int64_t>> previousDeviceChange(Executor& ex,
                                                                   std::string_view userId,
                                                                   std::int64_t before) = 0;

  // ---- remote users (federation cache) ----
  // Devices and cross-signing keys of remote users live in the same tables as local users';
  // these say whether a remote user's list is tracked.
  virtual Result<std::optional<RemoteDeviceList>> remoteDeviceList(Executor& ex,
                                                                   std::string_view userId) = 0;
  // Inserts or replaces the user's tracking row.
  virtual Status setRemoteDeviceList(Executor& ex, std::string_view userId,
                                     const RemoteDeviceList& list) = 0;
  virtual Status deleteCrossSigningKey(Executor& ex, std::string_view userId,
                                       CrossSigningKeyType type) = 0;

  // ---- key backup ----
  // Creates version max(existing, deleted included) + 1 and returns it.
  virtual Result<std::int64_t> createBackupVersion(Executor& ex, std::string_view userId,
                                                   std::string_view algorithm,
                                                   std::string_view authDataJson) = 0;
  // nullopt version: the latest version not deleted.
  virtual Result<std::optional<StoredBackupVersion>> backupVersion(
      Executor& ex, std::string_view userId, std::optional<std::int64_t> version) = 0;
  virtual Status updateBackupAuthData(Executor& ex, std::string_view userId, std::int64_t version,
                                      std::string_view authDataJson) = 0;
  // Marks it deleted and removes its keys; false when there was no live version.
  virtual Result<bool> deleteBackupVersion(Executor& ex, std::string_view userId,
                                           std::int64_t version) = 0;
  virtual Status bumpBackupEtag(Executor& ex, std::string_view userId, std::int64_t version) = 0;
  virtual Result<std::int64_t> countBackupKeys(Executor& ex, std::string_view userId,
                                               std::int64_t version) = 0;
  virtual Result<BackupKeys> backupKeys(Executor& ex, std::string_view userId,
                                        std::int64_t version,
                                        const BackupKeySelector& selector) = 0;
  // Inserts or replaces one session's key.
  virtual Status putBackupKey(Executor& ex, std::string_view userId, std::int64_t version,
                              std::string_view roomId, std::string_view sessionId,
                              const BackupKeyData& data) = 0;
  // Returns the number of keys removed.
  virtual Result<std::int64_t> deleteBackupKeys(Executor& ex, std::string_view userId,
                                                std::int64_t version,
                                                const BackupKeySelector& selector) = 0;
};

}  // namespace plexus::keyserver
