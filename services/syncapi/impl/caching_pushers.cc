// CachingPusherDirectory and its bus subscription: see caching_pushers.h.
#include "syncapi/impl/caching_pushers.h"

#include "accountsync/api/output.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::syncapi {

Result<std::vector<accountsync::Pusher>> CachingPusherDirectory::queryPushers(
    const std::string& userId) {
  return cache_.getOrFetch(userId, [&] { return inner_->queryPushers(userId); });
}

Status CachingPusherDirectory::removePusher(const std::string& userId, const std::string& appId,
                                            const std::string& pushkey) {
  Status removed = inner_->removePusher(userId, appId, pushkey);
  invalidate(userId);
  return removed;
}

Result<std::unique_ptr<bus::Subscription>> subscribeToPusherChanges(bus::Bus& bus,
                                                                    std::string_view group,
                                                                    CachingPusherDirectory& cache) {
  return bus::subscribeTyped<accountsync::PushersChanged>(
      bus, group, [&cache](const accountsync::PushersChanged& change, std::uint64_t) -> Status {
        if (change.userId.empty())
          cache.invalidateAll();
        else
          cache.invalidate(change.userId);
        return {};
      });
}

}  // namespace plexus::syncapi
