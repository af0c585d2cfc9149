// SyncService::knownMemberships: the syncing user's memberships without a database round trip
// while no room's state changed. Every woken /sync starts from them; at 1,000 messages/s that
// was a quarter of sync-api's queries. A membership row changes only with a room's state,
// which bumps membershipMarks_ (writer: inputRoomEvent; other replicas: catchUp) before the
// position advances, so a copy read at position P is still whole while no bump passed P.
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {

namespace {
constexpr std::size_t kMaxKnownUsers = 200'000;  // past it the table starts over
}  // namespace

Result<std::shared_ptr<const std::vector<Membership>>> SyncService::knownMemberships(
    const std::string& userId) {
  {
    std::lock_guard lock(knownMembershipsMutex_);
    auto it = knownMemberships_.find(userId);
    if (it != knownMemberships_.end() && membershipMarks_.newest("") <= it->second.asOf) {
      return it->second.rows;
    }
  }
  // Everything up to the current position is committed and its marks bumped, so the rows
  // read next cover every change a later mark check could miss.
  const std::int64_t asOf = currentPos_.load();
  PLEXUS_TRY(auto rows, store_->queryMembershipsOfUser(userId));
  auto shared = std::make_shared<const std::vector<Membership>>(std::move(rows));
  std::lock_guard lock(knownMembershipsMutex_);
  if (knownMemberships_.size() >= kMaxKnownUsers) knownMemberships_.clear();
  knownMemberships_[userId] = KnownMemberships{shared, asOf};
  return shared;
}

}  // namespace plexus::syncapi
