// GrpcSyncClient: SyncApi over gRPC — the client half of the sync-api service's gRPC binding.
// Each call becomes one unary RPC with the CallContext's deadline, trace ID and caller; a failed
// RPC returns the server's Error unchanged (same ErrorCode, errcode and message), and transport
// failures are kUnavailable (libs/grpcutil status.h). querySyncAsync uses the stub's callback
// API: it returns at once, holds no thread while the server waits, and cancel() cancels the RPC
// (the server then drops its wait). A long-poll's timeout is shortened to end a little before
// the caller's deadline, so the server answers (with an empty response) before the RPC expires,
// as in-process. Thread-safe, like the channel.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "plexus/syncapi/v1/syncapi.grpc.pb.h"
#include "syncapi/api/syncapi_api.h"

namespace plexus::syncapi {

class GrpcSyncClient final : public SyncApi {
 public:
  // Talks to the sync-api service behind `channel` (e.g. grpcutil::makeInsecureChannel).
  explicit GrpcSyncClient(const std::shared_ptr<grpc::ChannelInterface>& channel);
  // Over any stub (tests); querySyncAsync needs one whose async() is not null.
  explicit GrpcSyncClient(std::unique_ptr<v1::SyncApiService::StubInterface> stub);

  // SyncApi
  Result<json::Object> querySync(const CallContext& ctx, const SyncRequest& request) override;
  std::shared_ptr<SyncWait> querySyncAsync(const CallContext& ctx, const SyncRequest& request,
                                           SyncCallback done) override;
  Result<std::string> performCreateFilter(const CallContext& ctx, const std::string& userId,
                                          const json::Object& filter) override;
  Result<json::Object> queryFilter(const CallContext& ctx, const std::string& userId,
                                   const std::string& filterId) override;
  Result<json::Object> queryMessages(const CallContext& ctx,
                                     const MessagesRequest& request) override;
  Result<json::Object> queryContext(const CallContext& ctx, const ContextRequest& request) override;
  Result<json::Object> queryEventForUser(const CallContext& ctx, const std::string& userId,
                                         const std::string& roomId,
                                         const std::string& eventId) override;
  Result<json::Object> queryRelations(const CallContext& ctx,
                                      const RelationsRequest& request) override;
  Result<json::Object> queryThreads(const CallContext& ctx, const ThreadsRequest& request) override;
  Result<json::Object> performSearch(const CallContext& ctx, const std::string& userId,
                                     const json::Object& body,
                                     const std::string& nextBatch) override;
  Result<json::Object> queryTimestampToEvent(const CallContext& ctx, const std::string& userId,
                                             const std::string& roomId, std::int64_t ts,
                                             char dir) override;
  Result<json::Object> queryNotifications(const CallContext& ctx, const std::string& userId,
                                          const std::string& from, int limit,
                                          const std::string& only) override;
  Status performTyping(const CallContext& ctx, const TypingRequest& request) override;
  Status performReceipt(const CallContext& ctx, const ReceiptRequest& request) override;
  Status performSetPresence(const CallContext& ctx, const std::string& userId,
                            const std::string& presence,
                            const std::optional<std::string>& statusMsg) override;
  Result<PresenceStatus> queryPresence(const CallContext& ctx, const std::string& userId) override;
  Status performSendToDevice(const CallContext& ctx, const SendToDeviceRequest& request) override;
  Status inputAccountData(const CallContext& ctx, const std::string& userId,
                          const std::string& roomId, const std::string& type,
                          const json::Object& content) override;
  Status inputDeviceListChange(const CallContext& ctx, const std::string& userId) override;
  Result<KeyChanges> queryKeyChanges(const CallContext& ctx, const std::string& userId,
                                     const std::string& fromToken,
                                     const std::string& toToken) override;

 private:
  std::unique_ptr<v1::SyncApiService::StubInterface> stub_;
};

}  // namespace plexus::syncapi
