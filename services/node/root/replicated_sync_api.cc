// ReplicatedSyncApi (see replicated_sync_api.h).
#include "root/replicated_sync_api.h"

#include <mutex>

#include "root/shard_hash.h"

namespace plexus::node {
namespace {

template <typename T>
bool unavailable(const T& result) {
  return !result.ok() && result.error().code == ErrorCode::kUnavailable;
}

// A long-poll that moves to the next replica when one turns out to be unavailable.
class FailoverWait final : public syncapi::SyncWait,
                           public std::enable_shared_from_this<FailoverWait> {
 public:
  FailoverWait(std::vector<syncapi::SyncApi*> order, CallContext ctx, syncapi::SyncRequest request,
               syncapi::SyncCallback done)
      : order_(std::move(order)),
        ctx_(std::move(ctx)),
        request_(std::move(request)),
        done_(std::move(done)) {}

  void startAt(std::size_t index) {
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return;
      starting_ = true;
    }
    std::weak_ptr<FailoverWait> weak = weak_from_this();
    auto inner =
        order_[index]->querySyncAsync(ctx_, request_, [weak, index](Result<json::Object> result) {
          auto self = weak.lock();
          if (!self) return;
          if (unavailable(result) && index + 1 < self->order_.size()) {
            {
              std::lock_guard lock(self->mutex_);
              if (self->cancelled_) return;
              // Still inside querySyncAsync: startAt() moves on once it returns.
              if (self->starting_) {
                self->pendingRetry_ = index + 1;
                return;
              }
            }
            self->startAt(index + 1);
            return;
          }
          self->finish(std::move(result));
        });
    std::size_t retry = 0;
    bool cancelled = false;
    {
      std::lock_guard lock(mutex_);
      inner_ = inner;
      starting_ = false;
      retry = pendingRetry_;
      pendingRetry_ = 0;
      cancelled = cancelled_;
    }
    // cancel() ran while this wait was being started: it could not reach it then.
    if (cancelled) {
      if (inner) inner->cancel();
      return;
    }
    if (retry != 0) startAt(retry);
  }

  void cancel() override {
    std::shared_ptr<syncapi::SyncWait> inner;
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      inner = inner_;
    }
    if (inner) inner->cancel();
  }

 private:
  void finish(Result<json::Object> result) {
    {
      std::lock_guard lock(mutex_);
      if (cancelled_ || finished_) return;
      finished_ = true;
    }
    done_(std::move(result));
  }

  std::vector<syncapi::SyncApi*> order_;
  CallContext ctx_;
  syncapi::SyncRequest request_;
  syncapi::SyncCallback done_;
  std::mutex mutex_;
  std::shared_ptr<syncapi::SyncWait> inner_;
  std::size_t pendingRetry_ = 0;
  bool starting_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace

ReplicatedSyncApi::ReplicatedSyncApi(std::vector<syncapi::SyncApi*> replicas)
    : replicas_(std::move(replicas)) {}

std::size_t ReplicatedSyncApi::preferredReplica(const std::string& userId) const {
  return shardOf(userId, replicas_.size());
}

template <typename F>
std::invoke_result_t<F&, syncapi::SyncApi&> ReplicatedSyncApi::route(const std::string& userId,
                                                                     F&& call) {
  const std::size_t first = preferredReplica(userId);
  auto result = call(*replicas_[first]);
  for (std::size_t i = 1; i < replicas_.size() && unavailable(result); ++i) {
    result = call(*replicas_[(first + i) % replicas_.size()]);
  }
  return result;
}

Result<json::Object> ReplicatedSyncApi::querySync(const CallContext& ctx,
                                                  const syncapi::SyncRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.querySync(ctx, request); });
}

std::shared_ptr<syncapi::SyncWait> ReplicatedSyncApi::querySyncAsync(
    const CallContext& ctx, const syncapi::SyncRequest& request, syncapi::SyncCallback done) {
  if (replicas_.size() == 1)
    return replicas_.front()->querySyncAsync(ctx, request, std::move(done));
  const std::size_t first = preferredReplica(request.userId);
  std::vector<syncapi::SyncApi*> order;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    order.push_back(replicas_[(first + i) % replicas_.size()]);
  }
  auto wait = std::make_shared<FailoverWait>(std::move(order), ctx, request, std::move(done));
  wait->startAt(0);
  return wait;
}

Result<std::string> ReplicatedSyncApi::performCreateFilter(const CallContext& ctx,
                                                           const std::string& userId,
                                                           const json::Object& filter) {
  return route(userId,
               [&](syncapi::SyncApi& r) { return r.performCreateFilter(ctx, userId, filter); });
}

Result<json::Object> ReplicatedSyncApi::queryFilter(const CallContext& ctx,
                                                    const std::string& userId,
                                                    const std::string& filterId) {
  return route(userId, [&](syncapi::SyncApi& r) { return r.queryFilter(ctx, userId, filterId); });
}

Result<json::Object> ReplicatedSyncApi::queryMessages(const CallContext& ctx,
                                                      const syncapi::MessagesRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.queryMessages(ctx, request); });
}

Result<json::Object> ReplicatedSyncApi::queryContext(const CallContext& ctx,
                                                     const syncapi::ContextRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.queryContext(ctx, request); });
}

Result<json::Object> ReplicatedSyncApi::queryEventForUser(const CallContext& ctx,
                                                          const std::string& userId,
                                                          const std::string& roomId,
                                                          const std::string& eventId) {
  return route(userId, [&](syncapi::SyncApi& r) {
    return r.queryEventForUser(ctx, userId, roomId, eventId);
  });
}

Result<json::Object> ReplicatedSyncApi::queryRelations(const CallContext& ctx,
                                                       const syncapi::RelationsRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.queryRelations(ctx, request); });
}

Result<json::Object> ReplicatedSyncApi::queryThreads(const CallContext& ctx,
                                                     const syncapi::ThreadsRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.queryThreads(ctx, request); });
}

Result<json::Object> ReplicatedSyncApi::performSearch(const CallContext& ctx,
                                                      const std::string& userId,
                                                      const json::Object& body,
                                                      const std::string& nextBatch) {
  return route(userId,
               [&](syncapi::SyncApi& r) { return r.performSearch(ctx, userId, body, nextBatch); });
}

Result<json::Object> ReplicatedSyncApi::queryTimestampToEvent(const CallContext& ctx,
                                                              const std::string& userId,
                                                              const std::string& roomId,
                                                              std::int64_t ts, char dir) {
  return route(userId, [&](syncapi::SyncApi& r) {
    return r.queryTimestampToEvent(ctx, userId, roomId, ts, dir);
  });
}

Result<json::Object> ReplicatedSyncApi::queryNotifications(const CallContext& ctx,
                                                           const std::string& userId,
                                                           const std::string& from, int limit,
                                                           const std::string& only) {
  return route(userId, [&](syncapi::SyncApi& r) {
    return r.queryNotifications(ctx, userId, from, limit, only);
  });
}

Status ReplicatedSyncApi::performTyping(const CallContext& ctx,
                                        const syncapi::TypingRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.performTyping(ctx, request); });
}

Status ReplicatedSyncApi::performReceipt(const CallContext& ctx,
                                         const syncapi::ReceiptRequest& request) {
  return route(request.userId, [&](syncapi::SyncApi& r) { return r.performReceipt(ctx, request); });
}

Status ReplicatedSyncApi::performSetPresence(const CallContext& ctx, const std::string& userId,
                                             const std::string& presence,
                                             const std::optional<std::string>& statusMsg) {
  return route(userId, [&](syncapi::SyncApi& r) {
    return r.performSetPresence(ctx, userId, presence, statusMsg);
  });
}

Result<syncapi::PresenceStatus> ReplicatedSyncApi::queryPresence(const CallContext& ctx,
                                                                 const std::string& userId) {
  return route(userId, [&](syncapi::SyncApi& r) { return r.queryPresence(ctx, userId); });
}

Status ReplicatedSyncApi::performSendToDevice(const CallContext& ctx,
                                              const syncapi::SendToDeviceRequest& request) {
  return route(request.senderUserId,
               [&](syncapi::SyncApi& r) { return r.performSendToDevice(ctx, request); });
}

Status ReplicatedSyncApi::inputAccountData(const CallContext& ctx, const std::string& userId,
                                           const std::string& roomId, const std::string& type,
                                           const json::Object& content) {
  return route(userId, [&](syncapi::SyncApi& r) {
    return r.inputAccountData(ctx, userId, roomId, type, content);
  });
}

Status ReplicatedSyncApi::inputDeviceListChange(const CallContext& ctx, const std::string& userId) {
  return route(userId, [&](syncapi::SyncApi& r) { return r.inputDeviceListChange(ctx, userId); });
}

Result<syncapi::KeyChanges> ReplicatedSyncApi::queryKeyChanges(const CallContext& ctx,
                                                               const std::string& userId,
                                                               const std::string& fromToken,
                                                               const std::string& toToken) {
  return route(userId, [&](syncapi::SyncApi& r) {
    return r.queryKeyChanges(ctx, userId, fromToken, toToken);
  });
}

}  // namespace plexus::node
