// GrpcSyncClient (grpc_sync_client.h).
#include "syncapi/grpc/grpc_sync_client.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <utility>

#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"
#include "plexus/grpcutil/unary_call.h"
#include "syncapi/grpc/convert.h"

namespace plexus::syncapi {
namespace {

using Stub = v1::SyncApiService::StubInterface;
using grpcutil::Retry;
using std::chrono::milliseconds;

// How long a long-poll may run past its timeout before the client gives up on a silent server
// (for callers without a deadline).
constexpr milliseconds kSyncGrace{30'000};

Result<json::Object> body(Result<v1::JsonBody> response) {
  if (!response.ok()) return std::move(response).takeError();
  return convert::fromProto(*response);
}

Status done(Result<v1::Empty> response) {
  if (!response.ok()) return std::move(response).takeError();
  return {};
}

// The /sync request as sent: its long-poll ends a little before the caller's deadline, so the
// server's empty answer arrives before the RPC's deadline passes (in-process, the wait simply
// ends at the deadline with an empty response).
v1::QuerySyncRequest syncRequest(const CallContext& ctx, const SyncRequest& request) {
  v1::QuerySyncRequest req;
  convert::toProto(request, *req.mutable_request());
  if (ctx.deadline != CallContext::Clock::time_point::max()) {
    auto remaining =
        std::chrono::duration_cast<milliseconds>(ctx.deadline - CallContext::Clock::now());
    auto margin = std::clamp(remaining / 10, milliseconds(20), milliseconds(1000));
    auto wait = std::max(milliseconds(0), remaining - margin);
    if (wait.count() < req.request().timeout_ms())
      req.mutable_request()->set_timeout_ms(wait.count());
  }
  return req;
}

// A caller without a deadline still gets one: the long-poll plus kSyncGrace.
CallContext syncContext(const CallContext& ctx, std::int64_t timeoutMs) {
  CallContext bounded = ctx;
  if (bounded.deadline == CallContext::Clock::time_point::max()) {
    bounded.deadline =
        CallContext::Clock::now() +
        milliseconds(std::max<std::int64_t>(0, std::min<std::int64_t>(timeoutMs, 3'600'000))) +
        kSyncGrace;
  }
  return bounded;
}

// One asynchronous QuerySync: the call's buffers, and the callback until it runs or the
// caller cancels. The gRPC completion and the handle share it.
class AsyncSyncCall final : public SyncWait {
 public:
  explicit AsyncSyncCall(SyncCallback done) : done_(std::move(done)) {}

  // The gRPC completion: runs `done` unless cancelled, holding the lock so that cancel() on
  // another thread waits for it (recursive: `done` may call cancel()).
  void complete(const grpc::Status& status) {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    Result<json::Object> result =
        status.ok() ? convert::fromProto(response)
                    : Result<json::Object>(grpcutil::fromGrpcStatus(status, client));
    auto callback = std::move(done_);
    callback(std::move(result));
  }

  // Fails without a call (no async stub).
  void failNow(Error error) {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    auto callback = std::move(done_);
    callback(std::move(error));
  }

  void cancel() override {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
      done_ = nullptr;
    }
    client.TryCancel();
  }

  grpc::ClientContext client;
  v1::QuerySyncRequest request;
  v1::JsonBody response;

 private:
  std::recursive_mutex mu_;
  bool finished_ = false;
  SyncCallback done_;
};

}  // namespace

GrpcSyncClient::GrpcSyncClient(const std::shared_ptr<grpc::ChannelInterface>& channel)
    : stub_(v1::SyncApiService::NewStub(channel)) {}

GrpcSyncClient::GrpcSyncClient(std::unique_ptr<v1::SyncApiService::StubInterface> stub)
    : stub_(std::move(stub)) {}

Result<json::Object> GrpcSyncClient::querySync(const CallContext& ctx, const SyncRequest& request) {
  auto req = syncRequest(ctx, request);
  grpcutil::RetryPolicy policy;
  policy.defaultDeadline =
      milliseconds(std::max<std::int64_t>(0, req.request().timeout_ms())) + kSyncGrace;
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QuerySync, req, Retry::kIdempotent, policy));
}

std::shared_ptr<SyncWait> GrpcSyncClient::querySyncAsync(const CallContext& ctx,
                                                         const SyncRequest& request,
                                                         SyncCallback done) {
  auto call = std::make_shared<AsyncSyncCall>(std::move(done));
  auto* async = stub_->async();
  if (async == nullptr) {
    call->failNow(makeError(ErrorCode::kInternal, "the sync-api stub has no async interface"));
    return call;
  }
  call->request = syncRequest(ctx, request);
  grpcutil::applyCallContext(syncContext(ctx, call->request.request().timeout_ms()), call->client);
  // The completion keeps the call (and so its ClientContext and buffers) alive until it runs.
  async->QuerySync(&call->client, &call->request, &call->response,
                   [call](grpc::Status status) { call->complete(status); });
  return call;
}

Result<std::string> GrpcSyncClient::performCreateFilter(const CallContext& ctx,
                                                        const std::string& userId,
                                                        const json::Object& filter) {
  v1::PerformCreateFilterRequest req;
  req.set_user_id(userId);
  req.set_filter_json(convert::jsonText(filter));
  PLEXUS_TRY(auto resp,
             grpcutil::unaryCall(*stub_, ctx, &Stub::PerformCreateFilter, req, Retry::kNever));
  return resp.filter_id();
}

Result<json::Object> GrpcSyncClient::queryFilter(const CallContext& ctx, const std::string& userId,
                                                 const std::string& filterId) {
  v1::QueryFilterRequest req;
  req.set_user_id(userId);
  req.set_filter_id(filterId);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryFilter, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryMessages(const CallContext& ctx,
                                                   const MessagesRequest& request) {
  v1::MessagesRequest req;
  convert::toProto(request, req);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryMessages, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryContext(const CallContext& ctx,
                                                  const ContextRequest& request) {
  v1::ContextRequest req;
  convert::toProto(request, req);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryContext, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryEventForUser(const CallContext& ctx,
                                                       const std::string& userId,
                                                       const std::string& roomId,
                                                       const std::string& eventId) {
  v1::QueryEventForUserRequest req;
  req.set_user_id(userId);
  req.set_room_id(roomId);
  req.set_event_id(eventId);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryEventForUser, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryRelations(const CallContext& ctx,
                                                    const RelationsRequest& request) {
  v1::RelationsRequest req;
  convert::toProto(request, req);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryRelations, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryThreads(const CallContext& ctx,
                                                  const ThreadsRequest& request) {
  v1::ThreadsRequest req;
  convert::toProto(request, req);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryThreads, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::performSearch(const CallContext& ctx,
                                                   const std::string& userId,
                                                   const json::Object& searchBody,
                                                   const std::string& nextBatch) {
  v1::PerformSearchRequest req;
  req.set_user_id(userId);
  req.set_body_json(convert::jsonText(searchBody));
  req.set_next_batch(nextBatch);
  // A search only reads.
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::PerformSearch, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryTimestampToEvent(const CallContext& ctx,
                                                           const std::string& userId,
                                                           const std::string& roomId,
                                                           std::int64_t ts, char dir) {
  v1::QueryTimestampToEventRequest req;
  req.set_user_id(userId);
  req.set_room_id(roomId);
  req.set_ts(ts);
  req.set_dir(convert::dirText(dir));
  return body(
      grpcutil::unaryCall(*stub_, ctx, &Stub::QueryTimestampToEvent, req, Retry::kIdempotent));
}

Result<json::Object> GrpcSyncClient::queryNotifications(const CallContext& ctx,
                                                        const std::string& userId,
                                                        const std::string& from, int limit,
                                                        const std::string& only) {
  v1::QueryNotificationsRequest req;
  req.set_user_id(userId);
  req.set_from(from);
  req.set_limit(limit);
  req.set_only(only);
  return body(grpcutil::unaryCall(*stub_, ctx, &Stub::QueryNotifications, req, Retry::kIdempotent));
}

Status GrpcSyncClient::performTyping(const CallContext& ctx, const TypingRequest& request) {
  v1::TypingRequest req;
  convert::toProto(request, req);
  // Sets a state (typing or not, until a time): repeating it changes nothing.
  return done(grpcutil::unaryCall(*stub_, ctx, &Stub::PerformTyping, req, Retry::kIdempotent));
}

Status GrpcSyncClient::performReceipt(const CallContext& ctx, const ReceiptRequest& request) {
  v1::ReceiptRequest req;
  convert::toProto(request, req);
  // A receipt replaces the user's earlier one of the same type and thread.
  return done(grpcutil::unaryCall(*stub_, ctx, &Stub::PerformReceipt, req, Retry::kIdempotent));
}

Status GrpcSyncClient::performSetPresence(const CallContext& ctx, const std::string& userId,
                                          const std::string& presence,
                                          const std::optional<std::string>& statusMsg) {
  v1::PerformSetPresenceRequest req;
  req.set_user_id(userId);
  req.set_presence(presence);
  if (statusMsg) req.set_status_msg(*statusMsg);
  return done(grpcutil::unaryCall(*stub_, ctx, &Stub::PerformSetPresence, req, Retry::kIdempotent));
}

Result<PresenceStatus> GrpcSyncClient::queryPresence(const CallContext& ctx,
                                                     const std::string& userId) {
  v1::QueryPresenceRequest req;
  req.set_user_id(userId);
  PLEXUS_TRY(auto resp,
             grpcutil::unaryCall(*stub_, ctx, &Stub::QueryPresence, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

Status GrpcSyncClient::performSendToDevice(const CallContext& ctx,
                                           const SendToDeviceRequest& request) {
  v1::SendToDeviceRequest req;
  convert::toProto(request, req);
  // Idempotent per (sender, sender device, txnId), as SyncApi documents.
  return done(
      grpcutil::unaryCall(*stub_, ctx, &Stub::PerformSendToDevice, req, Retry::kIdempotent));
}

Status GrpcSyncClient::inputAccountData(const CallContext& ctx, const std::string& userId,
                                        const std::string& roomId, const std::string& type,
                                        const json::Object& content) {
  v1::InputAccountDataRequest req;
  req.set_user_id(userId);
  req.set_room_id(roomId);
  req.set_type(type);
  req.set_content_json(convert::jsonText(content));
  return done(grpcutil::unaryCall(*stub_, ctx, &Stub::InputAccountData, req, Retry::kIdempotent));
}

Status GrpcSyncClient::inputDeviceListChange(const CallContext& ctx, const std::string& userId) {
  v1::InputDeviceListChangeRequest req;
  req.set_user_id(userId);
  // A repeat only reports the same user as changed once more.
  return done(
      grpcutil::unaryCall(*stub_, ctx, &Stub::InputDeviceListChange, req, Retry::kIdempotent));
}

Result<KeyChanges> GrpcSyncClient::queryKeyChanges(const CallContext& ctx,
                                                   const std::string& userId,
                                                   const std::string& fromToken,
                                                   const std::string& toToken) {
  v1::QueryKeyChangesRequest req;
  req.set_user_id(userId);
  req.set_from_token(fromToken);
  req.set_to_token(toToken);
  PLEXUS_TRY(auto resp,
             grpcutil::unaryCall(*stub_, ctx, &Stub::QueryKeyChanges, req, Retry::kIdempotent));
  return convert::fromProto(resp);
}

}  // namespace plexus::syncapi
