// SyncService: presence timeouts. Every /sync marks its user active; one pending timer per
// active user (on the notifier's shared timer thread, run on its workers) moves a user who
// stopped syncing to "unavailable" after presenceIdleAfterMs and to "offline" after
// presenceOfflineAfterMs. Each change is one presence write that wakes the users sharing a
// room, like an explicit PUT /presence. knownPresence() answers /sync's "is the user online
// already?" from memory while no presence write for the user came since it was read.
#include <algorithm>

#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {

void SyncService::noteSyncActivity(const std::string& userId) {
  const std::int64_t idle = options_.presenceIdleAfterMs;
  const std::int64_t offline = options_.presenceOfflineAfterMs;
  if (idle <= 0 && offline <= 0) return;
  {
    std::lock_guard lock(activityMutex_);
    Activity& a = activity_[userId];
    a.lastSyncMs = now();
    if (a.timerPending) return;  // the pending check re-reads lastSyncMs
    a.timerPending = true;
  }
  schedulePresenceCheck(userId, idle > 0 ? idle : offline);
}

void SyncService::schedulePresenceCheck(const std::string& userId, std::int64_t delayMs) {
  notifier_.schedule(Notifier::Clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(delayMs, 1)),
                     [this, userId] { checkPresence(userId); });
}

void SyncService::checkPresence(const std::string& userId) {
  const std::int64_t idle = options_.presenceIdleAfterMs;
  const std::int64_t offline = options_.presenceOfflineAfterMs;
  std::int64_t lastSync = 0;
  {
    std::lock_guard lock(activityMutex_);
    auto it = activity_.find(userId);
    if (it == activity_.end()) return;
    lastSync = it->second.lastSyncMs;
  }
  const std::int64_t elapsed = now() - lastSync;
  std::string target;
  if (offline > 0 && elapsed >= offline) {
    target = "offline";
  } else if (idle > 0 && elapsed >= idle) {
    target = "unavailable";
  }
  bool failed = false;
  if (!target.empty()) {
    auto stored = store_->queryPresence(userId);
    failed = !stored.ok();
    if (stored.ok() && *stored) {
      const std::string& current = (*stored)->presence;
      // Only a user the server believes active is timed out; an explicit "offline" stays.
      const bool moves = target == "offline" ? current != "offline" : current == "online";
      // last_active stays at the last sync: the user has not been active since.
      if (moves) failed = !storePresenceChange(userId, target, (*stored)->statusMsg, lastSync).ok();
    }
  }
  // Next check: when the next threshold is due, measured from the state acted on above (a
  // sync in between moved lastSyncMs on and restarts the count). A failed write retries.
  std::int64_t next = 0;
  {
    std::lock_guard lock(activityMutex_);
    Activity& a = activity_[userId];
    const std::int64_t since = a.lastSyncMs == lastSync ? elapsed : now() - a.lastSyncMs;
    if (failed) {
      next = 1000;
    } else if (idle > 0 && since < idle) {
      next = idle - since;
    } else if (offline > 0 && since < offline) {
      next = offline - since;
    } else {
      activity_.erase(userId);  // offline: nothing left to time until the next sync
      return;
    }
  }
  schedulePresenceCheck(userId, next);
}

Result<std::optional<PresenceRow>> SyncService::knownPresence(const std::string& userId) {
  {
    std::lock_guard lock(knownPresenceMutex_);
    auto it = knownPresence_.find(userId);
    if (it != knownPresence_.end() && presenceMarks_.newest(userId) <= it->second.asOf) {
      return it->second.row;
    }
  }
  // Everything up to the current position is committed and its marks bumped, so the row read
  // next covers every presence write a later mark check could miss.
  const std::int64_t asOf = currentPos_.load();
  PLEXUS_TRY(auto row, store_->queryPresence(userId));
  std::lock_guard lock(knownPresenceMutex_);
  if (knownPresence_.size() >= 200000) knownPresence_.clear();  // refilled on demand
  knownPresence_[userId] = KnownPresence{row, asOf};
  return row;
}

}  // namespace plexus::syncapi
