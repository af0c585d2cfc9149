// ReplicatedSyncApi: the SyncApi of a cluster with several sync-api replicas (each a gRPC
// client). Replicas share one store, so any of them can answer any call; a user's calls go to
// the replica fnv1a64(user ID) mod N picks (its caches and typing serials stay warm and a
// client's tokens keep meeting the same replica), and move on to the next replica when that one
// is unavailable (a replica being restarted costs a client nothing but latency).
#pragma once

#include <memory>
#include <type_traits>
#include <vector>

#include "syncapi/api/syncapi_api.h"

namespace plexus::node {

class ReplicatedSyncApi final : public syncapi::SyncApi {
 public:
  // `replicas` (not owned, at least one) must outlive this.
  explicit ReplicatedSyncApi(std::vector<syncapi::SyncApi*> replicas);

  Result<json::Object> querySync(const CallContext& ctx,
                                 const syncapi::SyncRequest& request) override;
  std::shared_ptr<syncapi::SyncWait> querySyncAsync(const CallContext& ctx,
                                                    const syncapi::SyncRequest& request,
                                                    syncapi::SyncCallback done) override;
  Result<std::string> performCreateFilter(const CallContext& ctx, const std::string& userId,
                                          const json::Object& filter) override;
  Result<json::Object> queryFilter(const CallContext& ctx, const std::string& userId,
                                   const std::string& filterId) override;
  Result<json::Object> queryMessages(const CallContext& ctx,
                                     const syncapi::MessagesRequest& request) override;
  Result<json::Object> queryContext(const CallContext& ctx,
                                    const syncapi::ContextRequest& request) override;
  Result<json::Object> queryEventForUser(const CallContext& ctx, const std::string& userId,
                                         const std::string& roomId,
                                         const std::string& eventId) override;
  Result<json::Object> queryRelations(const CallContext& ctx,
                                      const syncapi::RelationsRequest& request) override;
  Result<json::Object> queryThreads(const CallContext& ctx,
                                    const syncapi::ThreadsRequest& request) override;
  Result<json::Object> performSearch(const CallContext& ctx, const std::string& userId,
                                     const json::Object& body,
                                     const std::string& nextBatch) override;
  Result<json::Object> queryTimestampToEvent(const CallContext& ctx, const std::string& userId,
                                             const std::string& roomId, std::int64_t ts,
                                             char dir) override;
  Result<json::Object> queryNotifications(const CallContext& ctx, const std::string& userId,
                                          const std::string& from, int limit,
                                          const std::string& only) override;
  Status performTyping(const CallContext& ctx, const syncapi::TypingRequest& request) override;
  Status performReceipt(const CallContext& ctx, const syncapi::ReceiptRequest& request) override;
  Status performSetPresence(const CallContext& ctx, const std::string& userId,
                            const std::string& presence,
                            const std::optional<std::string>& statusMsg) override;
  Result<syncapi::PresenceStatus> queryPresence(const CallContext& ctx,
                                                const std::string& userId) override;
  Status performSendToDevice(const CallContext& ctx,
                             const syncapi::SendToDeviceRequest& request) override;
  Status inputAccountData(const CallContext& ctx, const std::string& userId,
                          const std::string& roomId, const std::string& type,
                          const json::Object& content) override;
  Status inputDeviceListChange(const CallContext& ctx, const std::string& userId) override;
  Result<syncapi::KeyChanges> queryKeyChanges(const CallContext& ctx, const std::string& userId,
                                              const std::string& fromToken,
                                              const std::string& toToken) override;

  // The replica index `userId`'s calls try first (for tests).
  std::size_t preferredReplica(const std::string& userId) const;

 private:
  // Runs `call(replica)` on the user's replica, then on the others while the answer is
  // kUnavailable.
  template <typename F>
  std::invoke_result_t<F&, syncapi::SyncApi&> route(const std::string& userId, F&& call);

  std::vector<syncapi::SyncApi*> replicas_;
};

}  // namespace plexus::node
