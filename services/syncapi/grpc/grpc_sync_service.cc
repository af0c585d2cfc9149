// GrpcSyncService (grpc_sync_service.h).
#include "syncapi/grpc/grpc_sync_service.h"

#include <atomic>
#include <memory>
#include <utility>

#include "plexus/grpcutil/call_context.h"
#include "plexus/grpcutil/status.h"
#include "syncapi/grpc/convert.h"

namespace plexus::syncapi {
namespace {

// The answer for a call whose result is `result`: OK with the converted value, or the error.
template <typename T, typename Message>
grpc::Status reply(grpc::ServerContext& server, const Result<T>& result, Message& response) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  convert::toProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status reply(grpc::ServerContext& server, const Status& result) {
  if (!result.ok()) return grpcutil::toGrpcStatus(server, result.error());
  return grpc::Status::OK;
}

// One QuerySync in flight. It finishes exactly once: from the implementation's callback (data,
// timeout or error), or from OnCancel (client gone or deadline passed), which first cancels
// the wait so the callback cannot run afterwards. gRPC deletes nothing: OnDone does.
class SyncReactor final : public grpc::ServerUnaryReactor {
 public:
  SyncReactor(grpc::CallbackServerContext& server, v1::JsonBody& response)
      : server_(server), response_(response) {}

  // Starts the wait. Called by the handler before it returns the reactor, so gRPC runs no
  // reaction (OnCancel, OnDone) before wait_ is set, even if the callback already finished.
  void start(SyncApi& api, const v1::QuerySyncRequest& wire) {
    auto request = convert::fromProto(wire.request());
    if (!request.ok()) {
      finish(request.error());
      return;
    }
    wait_ = api.querySyncAsync(grpcutil::callContextFrom(server_), *request,
                               [this](Result<json::Object> result) { finish(result); });
  }

  void OnCancel() override {
    if (wait_) wait_->cancel();
    if (!finished_.exchange(true)) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override { delete this; }

 private:
  void finish(const Result<json::Object>& result) {
    if (finished_.exchange(true)) return;
    if (!result.ok()) {
      Finish(grpcutil::toGrpcStatus(server_, result.error()));
      return;
    }
    convert::toProto(*result, response_);
    Finish(grpc::Status::OK);  // may run OnDone (delete this) at once: nothing after it
  }

  grpc::CallbackServerContext& server_;
  v1::JsonBody& response_;
  std::shared_ptr<SyncWait> wait_;
  std::atomic<bool> finished_{false};
};

}  // namespace

grpc::ServerUnaryReactor* GrpcSyncService::QuerySync(grpc::CallbackServerContext* server,
                                                     const v1::QuerySyncRequest* request,
                                                     v1::JsonBody* response) {
  auto* reactor = new SyncReactor(*server, *response);
  reactor->start(api_, *request);
  return reactor;
}

grpc::Status GrpcSyncService::PerformCreateFilter(grpc::ServerContext* server,
                                                  const v1::PerformCreateFilterRequest* request,
                                                  v1::PerformCreateFilterResponse* response) {
  auto filter = convert::jsonObjectField(request->filter_json(), "filter_json");
  if (!filter.ok()) return grpcutil::toGrpcStatus(*server, filter.error());
  auto result =
      api_.performCreateFilter(grpcutil::callContextFrom(*server), request->user_id(), *filter);
  if (!result.ok()) return grpcutil::toGrpcStatus(*server, result.error());
  response->set_filter_id(*result);
  return grpc::Status::OK;
}

grpc::Status GrpcSyncService::QueryFilter(grpc::ServerContext* server,
                                          const v1::QueryFilterRequest* request,
                                          v1::JsonBody* response) {
  auto result = api_.queryFilter(grpcutil::callContextFrom(*server), request->user_id(),
                                 request->filter_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::QueryMessages(grpc::ServerContext* server,
                                            const v1::MessagesRequest* request,
                                            v1::JsonBody* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.queryMessages(grpcutil::callContextFrom(*server), *req), *response);
}

grpc::Status GrpcSyncService::QueryContext(grpc::ServerContext* server,
                                           const v1::ContextRequest* request,
                                           v1::JsonBody* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.queryContext(grpcutil::callContextFrom(*server), *req), *response);
}

grpc::Status GrpcSyncService::QueryEventForUser(grpc::ServerContext* server,
                                                const v1::QueryEventForUserRequest* request,
                                                v1::JsonBody* response) {
  auto result = api_.queryEventForUser(grpcutil::callContextFrom(*server), request->user_id(),
                                       request->room_id(), request->event_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::QueryRelations(grpc::ServerContext* server,
                                             const v1::RelationsRequest* request,
                                             v1::JsonBody* response) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.queryRelations(grpcutil::callContextFrom(*server), *req), *response);
}

grpc::Status GrpcSyncService::QueryThreads(grpc::ServerContext* server,
                                           const v1::ThreadsRequest* request,
                                           v1::JsonBody* response) {
  auto result = api_.queryThreads(grpcutil::callContextFrom(*server), convert::fromProto(*request));
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::PerformSearch(grpc::ServerContext* server,
                                            const v1::PerformSearchRequest* request,
                                            v1::JsonBody* response) {
  auto body = convert::jsonObjectField(request->body_json(), "body_json");
  if (!body.ok()) return grpcutil::toGrpcStatus(*server, body.error());
  auto result = api_.performSearch(grpcutil::callContextFrom(*server), request->user_id(), *body,
                                   request->next_batch());
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::QueryTimestampToEvent(grpc::ServerContext* server,
                                                    const v1::QueryTimestampToEventRequest* request,
                                                    v1::JsonBody* response) {
  auto dir = convert::parseDir(request->dir());
  if (!dir.ok()) return grpcutil::toGrpcStatus(*server, dir.error());
  auto result = api_.queryTimestampToEvent(grpcutil::callContextFrom(*server), request->user_id(),
                                           request->room_id(), request->ts(), *dir);
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::QueryNotifications(grpc::ServerContext* server,
                                                 const v1::QueryNotificationsRequest* request,
                                                 v1::JsonBody* response) {
  auto result = api_.queryNotifications(grpcutil::callContextFrom(*server), request->user_id(),
                                        request->from(), request->limit(), request->only());
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::PerformTyping(grpc::ServerContext* server,
                                            const v1::TypingRequest* request,
                                            v1::Empty* /*response*/) {
  return reply(*server, api_.performTyping(grpcutil::callContextFrom(*server),
                                           convert::fromProto(*request)));
}

grpc::Status GrpcSyncService::PerformReceipt(grpc::ServerContext* server,
                                             const v1::ReceiptRequest* request,
                                             v1::Empty* /*response*/) {
  return reply(*server, api_.performReceipt(grpcutil::callContextFrom(*server),
                                            convert::fromProto(*request)));
}

grpc::Status GrpcSyncService::PerformSetPresence(grpc::ServerContext* server,
                                                 const v1::PerformSetPresenceRequest* request,
                                                 v1::Empty* /*response*/) {
  std::optional<std::string> statusMsg;
  if (request->has_status_msg()) statusMsg = request->status_msg();
  return reply(*server,
               api_.performSetPresence(grpcutil::callContextFrom(*server), request->user_id(),
                                       request->presence(), statusMsg));
}

grpc::Status GrpcSyncService::QueryPresence(grpc::ServerContext* server,
                                            const v1::QueryPresenceRequest* request,
                                            v1::PresenceStatus* response) {
  auto result = api_.queryPresence(grpcutil::callContextFrom(*server), request->user_id());
  return reply(*server, result, *response);
}

grpc::Status GrpcSyncService::PerformSendToDevice(grpc::ServerContext* server,
                                                  const v1::SendToDeviceRequest* request,
                                                  v1::Empty* /*response*/) {
  auto req = convert::fromProto(*request);
  if (!req.ok()) return grpcutil::toGrpcStatus(*server, req.error());
  return reply(*server, api_.performSendToDevice(grpcutil::callContextFrom(*server), *req));
}

grpc::Status GrpcSyncService::InputAccountData(grpc::ServerContext* server,
                                               const v1::InputAccountDataRequest* request,
                                               v1::Empty* /*response*/) {
  auto content = convert::jsonObjectField(request->content_json(), "content_json");
  if (!content.ok()) return grpcutil::toGrpcStatus(*server, content.error());
  return reply(*server,
               api_.inputAccountData(grpcutil::callContextFrom(*server), request->user_id(),
                                     request->room_id(), request->type(), *content));
}

grpc::Status GrpcSyncService::InputDeviceListChange(grpc::ServerContext* server,
                                                    const v1::InputDeviceListChangeRequest* request,
                                                    v1::Empty* /*response*/) {
  return reply(*server,
               api_.inputDeviceListChange(grpcutil::callContextFrom(*server), request->user_id()));
}

grpc::Status GrpcSyncService::QueryKeyChanges(grpc::ServerContext* server,
                                              const v1::QueryKeyChangesRequest* request,
                                              v1::KeyChanges* response) {
  auto result = api_.queryKeyChanges(grpcutil::callContextFrom(*server), request->user_id(),
                                     request->from_token(), request->to_token());
  return reply(*server, result, *response);
}

}  // namespace plexus::syncapi
