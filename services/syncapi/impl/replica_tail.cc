// SyncService with replicas (SyncServiceOptions::Replication): several sync-api processes
// share one store. Stream positions are handed out under a row lock held until commit, so
// "position P is committed" implies every position below it is too; each replica makes
// positions visible to its /sync waiters strictly in order, reading what other replicas wrote
// back from the store by position range (SyncStore::queryStreamChanges) before it moves its
// current position past them. Writes made here skip that read (the writer already bumped the
// marks, updated the room index and woke the users).
#include <algorithm>
#include <set>

#include "plexus/bus/typed_topic.h"
#include "plexus/log/log.h"
#include "syncapi/impl/client_event.h"
#include "syncapi/impl/replica_messages.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {
namespace {

// Beyond this many unread positions the "all written here" check is not worth it.
constexpr std::int64_t kMaxLocalCheck = 4096;

std::optional<std::string> membershipField(const json::Object& pdu, std::string_view field) {
  const json::Value* content = pdu.find("content");
  auto value = content ? content->getStringAt(field) : std::nullopt;
  return value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
}

}  // namespace

bool SyncService::replicated() const { return options_.replication.enabled; }

Status SyncService::startReplication() {
  const std::string& name = options_.replication.replicaName;
  PLEXUS_TRY(auto hints, bus::subscribeTypedBatch<StreamAdvanced>(
                             bus_, "syncapi-tail-" + name,
                             [this](std::vector<StreamAdvanced>&& runs, std::uint64_t) -> Status {
                               std::int64_t newest = 0;
                               for (const auto& hint : runs) {
                                 if (hint.origin != options_.replication.replicaName) {
                                   newest = std::max(newest, hint.pos);
                                 }
                               }
                               return newest > 0 ? catchUp(newest) : Status{};
                             }));
  subscriptions_.push_back(std::move(hints));
  PLEXUS_TRY(auto typing, bus::subscribeTyped<TypingChange>(
                              bus_, "syncapi-typing-" + name,
                              [this](const TypingChange& change, std::uint64_t) -> Status {
                                if (change.origin != options_.replication.replicaName) {
                                  applyReplicaTyping(change);
                                }
                                return {};
                              }));
  subscriptions_.push_back(std::move(typing));
  scheduleTailPoll();
  return {};
}

void SyncService::scheduleTailPoll() {
  auto delay =
      std::chrono::milliseconds(std::max<std::int64_t>(10, options_.replication.tailPollMs));
  notifier_.schedule(Notifier::Clock::now() + delay, [this] {
    // Covers a hint that never came (a replica killed between its commit and its hint).
    auto pos = store_->queryCurrentPosition();
    if (pos.ok()) {
      Status s = catchUp(*pos);
      if (!s.ok()) log::warn("sync-api replica catch-up failed", {{"error", s.error().message}});
    }
    scheduleTailPoll();
  });
}

void SyncService::noteLocalPosition(std::int64_t pos) {
  std::lock_guard lock(tailMutex_);
  if (pos > tailedPos_) localPositions_.insert(pos);
}

void SyncService::publishAdvanced(std::int64_t pos) {
  auto published = bus::publishTyped(bus_, StreamAdvanced{pos, options_.replication.replicaName});
  if (!published.ok()) {
    // The other replicas' poll picks the write up instead.
    log::warn("sync-api: hint not published", {{"error", published.error().message}});
  }
}

Status SyncService::catchUp(std::int64_t target) {
  std::vector<std::string> wake;
  {
    std::lock_guard lock(tailMutex_);
    if (target <= tailedPos_) return {};
    bool allLocal = target - tailedPos_ <= kMaxLocalCheck;
    for (std::int64_t p = tailedPos_ + 1; allLocal && p <= target; ++p) {
      allLocal = localPositions_.contains(p);
    }
    if (!allLocal) {
      PLEXUS_TRY(StreamChanges changes, store_->queryStreamChanges(tailedPos_, target));
      PLEXUS_TRY_VOID(applyStreamChanges(changes, wake));
      // The changes carry no positions: `target` is at or after each of them.
      if (!changes.stateChanges.empty()) membershipMarks_.bump("", target);
    }
    localPositions_.erase(localPositions_.begin(), localPositions_.upper_bound(target));
    tailedPos_ = target;
    std::int64_t cur = currentPos_.load();
    while (target > cur && !currentPos_.compare_exchange_weak(cur, target)) {
    }
  }
  if (!wake.empty()) {
    std::sort(wake.begin(), wake.end());
    wake.erase(std::unique(wake.begin(), wake.end()), wake.end());
    wakeUsers(wake);
  }
  return {};
}

Status SyncService::applyStreamChanges(const StreamChanges& changes,
                                       std::vector<std::string>& wake) {
  // Membership and power levels first: whom a room's news wakes depends on them.
  std::set<std::string> indexRooms;
  for (const auto& change : changes.stateChanges) {
    if (change.key.type == "m.room.member") {
      indexRooms.insert(change.roomId);
      wake.push_back(change.key.stateKey);  // left, kicked or invited users too
    } else if (change.key.type == "m.room.power_levels") {
      indexRooms.insert(change.roomId);
    }
  }
  for (const auto& roomId : indexRooms) PLEXUS_TRY_VOID(reloadRoomIndex(roomId));
  auto wakeRoomUsers = [&](const std::string& roomId) {
    auto users = rooms_.interestedUsers(roomId);
    wake.insert(wake.end(), users.begin(), users.end());
  };
  auto wakeSharing = [&](const std::string& userId) {
    auto users = rooms_.usersSharingRooms(userId);
    wake.insert(wake.end(), users.begin(), users.end());
    wake.push_back(userId);
  };
  for (const auto& [roomId, pos] : changes.roomEvents) {
    // Some of the room's events up to pos may be another replica's: not in the cache.
    recentEvents_.distrustUpTo(roomId, pos);
    recentNotifications_.distrustUpTo(roomId, pos);
    roomEventMarks_.bump(roomId, pos);
    // Who was notified is not read back: anyone in the room, or whose membership in it
    // changed in this batch (bumped below), may have been.
    for (const auto& user : rooms_.joinedUsers(roomId))
      notifiedMarks_.bump(notifiedKey(user, roomId), pos);
    wakeRoomUsers(roomId);
  }
  for (const auto& change : changes.stateChanges) {
    if (change.key.type != "m.room.member") continue;
    auto newest = changes.roomEvents.find(change.roomId);
    if (newest != changes.roomEvents.end())
      notifiedMarks_.bump(notifiedKey(change.key.stateKey, change.roomId), newest->second);
  }
  for (const auto& r : changes.receipts) {
    receiptMarks_.bump(r.roomId, r.pos);
    if (r.receiptType == "m.read.private") {
      wake.push_back(r.userId);
    } else {
      wakeRoomUsers(r.roomId);
    }
  }
  for (const auto& [userId, pos] : changes.accountData) {
    accountDataMarks_.bump(userId, pos);
    {
      std::lock_guard lock(pushRulesMutex_);
      pushRules_.erase(userId);
    }
    wake.push_back(userId);
  }
  for (const auto& [userId, pos] : changes.toDevice) {
    toDeviceMarks_.bump(userId, pos);
    wake.push_back(userId);
  }
  for (const auto& p : changes.presence) {
    presenceMarks_.bump(p.userId, p.pos);
    wakeSharing(p.userId);
  }
  for (const auto& [userId, pos] : changes.deviceLists) {
    deviceListMarks_.bump("", pos);
    wakeSharing(userId);
  }
  return {};
}

Status SyncService::reloadRoomIndex(const std::string& roomId) {
  PLEXUS_TRY(auto state, store_->queryCurrentState(roomId));
  std::vector<std::string> ids;
  for (const auto& [key, eventId] : state) {
    if (key.type == "m.room.member" ||
        (key.type == "m.room.power_levels" && key.stateKey.empty())) {
      ids.push_back(eventId);
    }
  }
  PLEXUS_TRY(auto events, store_->queryEvents(ids));
  for (const auto& e : events) {
    if (!e.stateKey) continue;
    const json::Object pdu = parseStored(e.json);
    if (e.type == "m.room.member") {
      rooms_.setMembership(roomId, *e.stateKey,
                           membershipField(pdu, "membership").value_or("leave"),
                           membershipField(pdu, "displayname"));
    } else {
      const json::Value* content = pdu.find("content");
      const json::Object* object = content ? content->getObject() : nullptr;
      rooms_.setPowerLevels(roomId, object ? *object : json::Object{});
    }
  }
  return {};
}

void SyncService::publishTyping(const TypingRequest& request, std::int64_t untilMs) {
  TypingChange change{request.roomId, request.userId, request.typing, untilMs,
                      options_.replication.replicaName};
  auto published = bus::publishTyped(bus_, change);
  if (!published.ok()) {
    log::warn("sync-api: typing not published", {{"error", published.error().message}});
  }
}

void SyncService::applyReplicaTyping(const TypingChange& change) {
  if (change.typing && change.untilMs <= now()) return;  // expired already (a replay)
  if (typing_.set(change.roomId, change.userId, change.typing, change.untilMs) != 0) {
    wakeRoom(change.roomId, {});
  }
  if (change.typing) scheduleTypingExpiry(change.roomId, change.untilMs, false);
}

}  // namespace plexus::syncapi
