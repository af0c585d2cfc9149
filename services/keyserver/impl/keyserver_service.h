// KeyserverService: the in-process KeyserverApi over a KeyStore (SqlKeyStore on SQLite or
// PostgreSQL) and the bus (DeviceListUpdate, and in the cluster OneTimeKeysChanged, enqueued
// through the outbox in the transaction of each change). With Options' federation parts it also
// keeps remote users' device lists (remote_device_lists.cc) and asks remote servers for keys
// (remote_keys.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "federationsender/api/federation_sender_api.h"
#include "keyserver/api/keyserver_api.h"
#include "keyserver/api/output.h"
#include "keyserver/api/ports.h"
#include "plexus/bus/output_sink.h"
#include "plexus/storage/database.h"

namespace plexus::keyserver {

class KeyStore;

struct KeyserverOptions {
  // Milliseconds since the epoch; defaults to the system clock.
  std::function<std::int64_t()> clock;
  // Federation (all optional; without them remote users are only what the cache holds).
  // Our server name: users of other servers are remote. Empty: every user is local.
  std::string serverName;
  // Asks remote servers (/user/devices, /user/keys/query, /user/keys/claim). Must outlive
  // the service.
  federationsender::FederationSenderApi* federation = nullptr;
  // Which servers share a room with a user (adapter over the roomserver). Without it every
  // remote user counts as sharing a room.
  SharedRoomServers* rooms = nullptr;
  // Upper bound of one remote query (the caller's deadline applies too).
  std::chrono::milliseconds remoteQueryTimeout{10000};
  // The cluster: enqueue a OneTimeKeysChanged with each change to a local device's one-time or
  // fallback keys, for sync-api's cache of them in other processes. Off in the node, where
  // sync-api asks directly and nobody would consume (and so prune) the outbox rows.
  bool publishOneTimeKeyChanges = false;
};

class KeyserverService final : public KeyserverApi {
 public:
  // (Declared outside the class: a nested struct with member initializers cannot be a
  // default argument inside it.)
  using Options = KeyserverOptions;

  // Call migrate() once before the first request.
  // `outputs` (normally the bus::Outbox on `db`) receives each DeviceListUpdate inside the
  // transaction that records the change. Both must outlive the service.
  KeyserverService(storage::Database& db, bus::OutputSink& outputs, Options options = {});
  ~KeyserverService() override;

  // Late binding for the composition root when the federation sender or the roomserver is
  // built after the keyserver: the same as Options::federation / Options::rooms. Call before
  // the service takes requests (not synchronised with them).
  void setFederation(federationsender::FederationSenderApi* federation, SharedRoomServers* rooms) {
    options_.federation = federation;
    options_.rooms = rooms;
  }

  // Applies the schema migrations; the composition root calls it once at start-up (tests
  // too). Errors: storage's.
  Status migrate();

  // KeyserverApi
  Result<OneTimeKeyCounts> performUploadKeys(const CallContext& ctx, std::string_view userId,
                                             std::string_view deviceId,
                                             const std::optional<json::Object>& deviceKeys,
                                             const json::Object& oneTimeKeys,
                                             const json::Object& fallbackKeys) override;
  Status performSetDeviceDisplayName(const CallContext& ctx, std::string_view userId,
                                     std::string_view deviceId,
                                     std::string_view displayName) override;
  Result<QueryKeysResponse> queryKeys(const CallContext& ctx, std::string_view requestingUserId,
                                      const DeviceKeysQuery& query) override;
  Result<ClaimKeysResponse> performClaimKeys(const CallContext& ctx,
                                             const ClaimKeysRequest& request) override;
  Result<OneTimeKeyCounts> queryOneTimeKeyCounts(const CallContext& ctx, std::string_view userId,
                                                 std::string_view deviceId) override;
  Result<std::vector<std::string>> queryUnusedFallbackKeyTypes(const CallContext& ctx,
                                                               std::string_view userId,
                                                               std::string_view deviceId) override;
  Result<std::int64_t> queryDeviceListPosition(const CallContext& ctx) override;
  Result<KeyChanges> queryKeyChanges(const CallContext& ctx, std::string_view requestingUserId,
                                     std::int64_t from, std::int64_t to) override;
  Status inputDeviceListUpdate(const CallContext& ctx, std::string_view origin,
                               const json::Object& content) override;
  Status inputSigningKeyUpdate(const CallContext& ctx, std::string_view origin,
                               const json::Object& content) override;
  Result<std::int64_t> queryUserDeviceListStreamId(const CallContext& ctx,
                                                   std::string_view userId) override;
  Status performUploadCrossSigningKeys(const CallContext& ctx, std::string_view userId,
                                       const CrossSigningKeys& keys) override;
  Result<bool> queryCrossSigningUploadIsNoOp(const CallContext& ctx, std::string_view userId,
                                             const CrossSigningKeys& keys) override;
  Result<UploadSignaturesResponse> performUploadSignatures(const CallContext& ctx,
                                                           std::string_view userId,
                                                           const json::Object& body) override;
  Status performDeleteDeviceKeys(const CallContext& ctx, std::string_view userId,
                                 const std::vector<std::string>& deviceIds) override;
  Status performDeleteUserKeys(const CallContext& ctx, std::string_view userId) override;
  Result<std::string> performCreateBackupVersion(const CallContext& ctx, std::string_view userId,
                                                 std::string_view algorithm,
                                                 const json::Object& authData) override;
  Result<BackupVersion> queryBackupVersion(const CallContext& ctx, std::string_view userId,
                                           const std::optional<std::string>& version) override;
  Status performUpdateBackupVersion(const CallContext& ctx, std::string_view userId,
                                    std::string_view version, std::string_view algorithm,
                                    const json::Object& authData) override;
  Status performDeleteBackupVersion(const CallContext& ctx, std::string_view userId,
                                    std::string_view version) override;
  Result<BackupKeysSummary> performUploadBackupKeys(const CallContext& ctx,
                                                    std::string_view userId,
                                                    std::string_view version,
                                                    const BackupKeys& keys) override;
  Result<BackupKeys> queryBackupKeys(const CallContext& ctx, std::string_view userId,
                                     std::string_view version,
                                     const BackupKeySelector& selector) override;
  Result<BackupKeysSummary> performDeleteBackupKeys(const CallContext& ctx,
                                                    std::string_view userId,
                                                    std::string_view version,
                                                    const BackupKeySelector& selector) override;

  // The federation EDU announcing a local user's device-list change to other servers:
  // m.device_list_update for a device (stream_id = the change's position, prev_id = the
  // user's previous device change), m.signing_key_update for cross-signing (empty device ID).
  // nullopt for remote users or without a server name. Used by DeviceListSender.
  // Errors: storage.
  Result<std::optional<federationsender::Edu>> outboundEdu(const CallContext& ctx,
                                                           const DeviceListUpdate& update);
  // True for users of our server (every user when Options::serverName is empty).
  bool isLocal(std::string_view userId) const;

 private:
  // Local and remote parts of /keys/query and /keys/claim (remote_keys.cc). Cached remote
  // users are read like local ones.
  Status queryLocalKeys(std::string_view requestingUserId, const DeviceKeysQuery& query,
                        QueryKeysResponse& response);
  // Users answered from the cache are added to fromCache; the others are fetched into
  // `response` (unreachable servers in failures). Errors: storage.
  Status queryRemoteKeys(const CallContext& ctx, const DeviceKeysQuery& remote,
                         DeviceKeysQuery& fromCache, QueryKeysResponse& response);
  void claimRemoteKeys(const CallContext& ctx, const ClaimKeysRequest& remote,
                       ClaimKeysResponse& response);
  // Remote device lists (remote_device_lists.cc).
  Result<bool> sharesRoomWithUs(const CallContext& ctx, const std::string& userId);
  // Refetches the user's whole list from their server and replaces the cache. Errors:
  // kUnavailable (unreachable; the cache is then marked stale), kBadJson.
  Status resyncRemoteUser(const CallContext& ctx, const std::string& userId);
  CallContext remoteContext(const CallContext& ctx) const;

  // Runs fn in one transaction, then publishes the device-list updates it recorded.
  Status write(const CallContext& ctx,
               const std::function<Status(storage::Transaction&, std::vector<DeviceListUpdate>&)>& fn);
  // The same for writes that may change what /sync reports of a device's one-time and fallback
  // keys: fn also records those devices (recordOneTimeKeysChange), enqueued in the same
  // transaction when Options::publishOneTimeKeyChanges.
  Status write(const CallContext& ctx,
               const std::function<Status(storage::Transaction&, std::vector<DeviceListUpdate>&,
                                          std::vector<OneTimeKeysChanged>&)>& fn);

  storage::Database& db_;
  bus::OutputSink& outputs_;
  Options options_;
  std::unique_ptr<KeyStore> store_;
};

}  // namespace plexus::keyserver
