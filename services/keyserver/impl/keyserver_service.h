// KeyserverService: the in-process KeyserverApi over a KeyStore (SqlKeyStore on SQLite or
// PostgreSQL) and the bus (DeviceListUpdate, enqueued in the transaction of each device-list
// change through the outbox).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "keyserver/api/keyserver_api.h"
#include "keyserver/api/output.h"
#include "plexus/bus/output_sink.h"
#include "plexus/storage/database.h"

namespace plexus::keyserver {

class KeyStore;

class KeyserverService final : public KeyserverApi {
 public:
  struct Options {
    // Milliseconds since the epoch; defaults to the system clock.
    std::function<std::int64_t()> clock;
  };

  // Call migrate() once before the first request.
  // `outputs` (normally the bus::Outbox on `db`) receives each DeviceListUpdate inside the
  // transaction that records the change. Both must outlive the service.
  KeyserverService(storage::Database& db, bus::OutputSink& outputs, Options options = {});
  ~KeyserverService() override;

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

 private:
  // Runs fn in one transaction, then publishes the device-list updates it recorded.
  Status write(const CallContext& ctx,
               const std::function<Status(storage::Transaction&, std::vector<DeviceListUpdate>&)>& fn);

  storage::Database& db_;
  bus::OutputSink& outputs_;
  Options options_;
  std::unique_ptr<KeyStore> store_;
};

}  // namespace plexus::keyserver
