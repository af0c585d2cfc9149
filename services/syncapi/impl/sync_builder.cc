// /sync: request planning, the whole-response builder (rooms by membership, presence, account
// data, to-device, device lists, key counts) and the long-poll loop over the Notifier.
#include <algorithm>
#include <future>
#include <limits>

#include "plexus/json/canonical.h"
#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::syncapi {
namespace {

// Above this many users with new presence, one range query beats a lookup per user.
constexpr std::size_t kPresencePointLookups = 64;

}  // namespace

struct SyncService::AsyncSync {
  SyncPlan plan;
  SyncCallback done;
  Notifier::Clock::time_point deadline;
  std::recursive_mutex mutex;  // held while `done` runs: cancel() waits for a running callback
  bool finished = false;
  std::shared_ptr<Notifier::Waiter> waiter;
};

namespace {

class AsyncHandle final : public SyncWait {
 public:
  AsyncHandle(std::weak_ptr<void> state, std::function<void()> cancelFn)
      : state_(std::move(state)), cancel_(std::move(cancelFn)) {}
  void cancel() override {
    if (cancel_) cancel_();
    cancel_ = nullptr;
  }

 private:
  std::weak_ptr<void> state_;
  std::function<void()> cancel_;
};

}  // namespace

Result<SyncService::SyncPlan> SyncService::planSync(const SyncRequest& request) {
  if (request.userId.empty()) return fail(ErrorCode::kInvalidParam, "missing user");
  SyncPlan plan;
  plan.request = request;
  if (request.filter) {
    PLEXUS_TRY(plan.filter, parseFilter(*request.filter));
  } else if (!request.filterId.empty()) {
    PLEXUS_TRY(json::Object stored, queryFilter(CallContext{}, request.userId, request.filterId));
    PLEXUS_TRY(plan.filter, parseFilter(stored));
  }
  plan.initial = request.since.empty();
  if (plan.initial && (!replicated() || options_.replication.consumesInputs)) {
    // The user is about to receive events: the thread that stores them and evaluates their
    // notifications then finds the user's push rules in memory instead of reading them there,
    // where every other event waits for the read.
    (void)pushRulesFor(request.userId);
  }
  if (!plan.initial) {
    PLEXUS_TRY(plan.since, StreamToken::parse(request.since));
    if (plan.since.stream > currentPos_.load() && replicated()) {
      // A token another replica handed out (the client's calls moved here): its positions are
      // committed in the shared store; read them back before answering.
      PLEXUS_TRY(std::int64_t committed, store_->queryCurrentPosition());
      PLEXUS_TRY_VOID(catchUp(committed));
    }
    if (plan.since.stream > currentPos_.load()) {
      return fail(ErrorCode::kInvalidParam, "since token is from the future");
    }
    // SPEC: send_to_device.md — using a later since token acknowledges the messages returned
    // with the earlier response.
    if (!request.deviceId.empty()) {
      // A write per /sync otherwise: skipped when no message arrived since the last delete.
      const std::string device = request.userId + '\n' + request.deviceId;
      std::int64_t acked = -1;
      {
        std::lock_guard lock(toDeviceAckMutex_);
        if (auto it = toDeviceAcked_.find(device); it != toDeviceAcked_.end()) acked = it->second;
      }
      if (toDeviceMarks_.newest(request.userId) > acked) {
        PLEXUS_TRY_VOID(
            store_->deleteToDevice(request.userId, request.deviceId, plan.since.stream));
        std::lock_guard lock(toDeviceAckMutex_);
        std::int64_t& mark = toDeviceAcked_[device];
        mark = std::max(mark, plan.since.stream);
      }
    }
  } else if (!request.deviceId.empty()) {
    // A client doing an initial sync lost its state: lazy-loaded members are sent afresh.
    lazyMembers_.forget(request.userId, request.deviceId);
    PLEXUS_TRY(std::int64_t cleared,
               store_->clearLazyMembersSent(request.userId, request.deviceId));
    advance(cleared);  // this response's token is newer than any issued before the clear
  }
  std::string presence = request.setPresence.empty() ? "online" : request.setPresence;
  if (presence != "online" && presence != "offline" && presence != "unavailable") {
    return fail(ErrorCode::kInvalidParam, "unknown set_presence value");
  }
  PLEXUS_TRY(auto stored, knownPresence(request.userId));
  if (!stored || stored->presence != presence) {
    PLEXUS_TRY_VOID(performSetPresence(CallContext{}, request.userId, presence,
                                       stored ? stored->statusMsg : std::nullopt));
  }
  noteSyncActivity(request.userId);
  return plan;
}

Result<json::Object> SyncService::buildSync(const SyncPlan& plan, StreamToken now, bool* empty) {
  const SyncRequest& req = plan.request;
  const std::int64_t since = plan.initial ? 0 : plan.since.stream;
  bool anything = false;

  // Account data first: room entries go into the joined rooms.
  std::vector<AccountDataItem> accountData;
  if (accountDataMarks_.changedSince(req.userId, since)) {
    PLEXUS_TRY(accountData, store_->queryAccountData(req.userId, since, now.stream));
  }
  json::Array globalData;
  std::unordered_map<std::string, json::Array> roomData;
  for (const auto& item : accountData) {
    json::Object ev{{"type", item.type}, {"content", parseStored(item.content)}};
    if (item.roomId.empty()) {
      if (plan.filter.accountData.matches(item.type, req.userId))
        globalData.emplace_back(std::move(ev));
    } else if (plan.filter.roomAccountData.matches(item.type, req.userId, item.roomId)) {
      roomData[item.roomId].emplace_back(std::move(ev));
    }
  }

  // Incremental syncs look only at joined rooms where something happened since the token.
  std::set<std::string> changedRooms;
  if (!plan.initial && !req.fullState) {
    for (auto& r :
         typing_.roomsChangedSince(plan.since.typing > now.typing ? 0 : plan.since.typing)) {
      changedRooms.insert(std::move(r));
    }
    for (const auto& [roomId, _] : roomData) changedRooms.insert(roomId);
  }

  json::Object join, invite, leave, knock;
  std::set<std::string> memberChanges;
  PLEXUS_TRY(auto memberships, knownMemberships(req.userId));
  for (const auto& m : *memberships) {
    if (!plan.filter.allowsRoom(m.roomId)) continue;
    bool changed = plan.initial || m.pos > since;
    if (m.membership == "join") {
      if (!plan.initial && !req.fullState && m.pos <= since && !changedRooms.count(m.roomId) &&
          !roomEventMarks_.changedSince(m.roomId, since) &&
          !receiptMarks_.changedSince(m.roomId, since)) {
        continue;
      }
      bool roomEmpty = true;
      PLEXUS_TRY(json::Object room, joinedRoom(plan, m, now, &roomEmpty));
      auto data = roomData.find(m.roomId);
      json::Array dataEvents = data == roomData.end() ? json::Array{} : std::move(data->second);
      if (!dataEvents.empty()) roomEmpty = false;
      room.set("account_data", json::Object{{"events", std::move(dataEvents)}});
      if (!plan.initial && m.pos > since) {
        for (const auto& u : rooms_.joinedUsers(m.roomId)) memberChanges.insert(u);
      }
      if (const json::Value* tl = room.find("timeline")) {
        if (const json::Value* evs = tl->get("events"); evs && evs->isArray()) {
          for (const auto& e : *evs->getArray()) {
            if (e.getStringAt("type") == "m.room.member") {
              if (auto sk = e.getStringAt("state_key")) memberChanges.insert(std::string(*sk));
            }
          }
        }
      }
      if (plan.initial || !roomEmpty) {
        join.set(m.roomId, std::move(room));
        anything = anything || !roomEmpty;
      }
    } else if ((m.membership == "invite" || m.membership == "knock") && changed) {
      bool isInvite = m.membership == "invite";
      PLEXUS_TRY(json::Object room, invitedRoom(m, isInvite ? "invite_state" : "knock_state"));
      (isInvite ? invite : knock).set(m.roomId, std::move(room));
      anything = true;
    } else if ((m.membership == "leave" || m.membership == "ban") && m.pos <= now.stream &&
               ((plan.initial && plan.filter.includeLeave) ||
                (!plan.initial && (m.pos > since || req.fullState) &&
                 (m.pos > since || plan.filter.includeLeave)))) {
      PLEXUS_TRY(json::Object room, leftRoom(plan, m, now));
      leave.set(m.roomId, std::move(room));
      anything = true;
      if (!plan.initial) {
        for (const auto& u : rooms_.joinedUsers(m.roomId)) memberChanges.insert(u);
      }
    }
  }

  json::Object response;
  response.set("next_batch", now.toString());
  response.set("rooms", json::Object{{"join", std::move(join)},
                                     {"invite", std::move(invite)},
                                     {"leave", std::move(leave)},
                                     {"knock", std::move(knock)}});
  anything = anything || !globalData.empty();
  response.set("account_data", json::Object{{"events", std::move(globalData)}});

  // Presence of users sharing a room (and the user's own).
  std::set<std::string> sharing = rooms_.usersSharingRooms(req.userId);
  json::Array presence;
  std::vector<PresenceRow> presenceRows;
  {
    std::vector<std::string> moved;
    for (const auto& user : sharing) {
      if (presenceMarks_.changedSince(user, since)) moved.push_back(user);
    }
    if (moved.size() > kPresencePointLookups) {
      PLEXUS_TRY(presenceRows, store_->queryPresenceChanges(since, now.stream));
    } else {
      // Users sharing a room are few next to every user whose presence moved.
      for (const auto& user : moved) {
        PLEXUS_TRY(auto row, store_->queryPresence(user));
        if (row && row->pos > since && row->pos <= now.stream) presenceRows.push_back(*row);
      }
    }
  }
  for (const auto& p : presenceRows) {
    if (!sharing.count(p.userId) || !plan.filter.presence.matches("m.presence", p.userId)) {
      continue;
    }
    PresenceStatus status;
    status.presence = p.presence;
    status.statusMsg = p.statusMsg;
    status.lastActiveAgoMs = std::max<std::int64_t>(0, this->now() - p.lastActiveTs);
    status.currentlyActive = p.presence == "online";
    presence.emplace_back(
        json::Object{{"type", "m.presence"}, {"sender", p.userId}, {"content", status.toJson()}});
  }
  if (plan.filter.presence.limit &&
      presence.size() > static_cast<std::size_t>(*plan.filter.presence.limit)) {
    presence.resize(static_cast<std::size_t>(*plan.filter.presence.limit));
  }
  anything = anything || !presence.empty();
  response.set("presence", json::Object{{"events", std::move(presence)}});

  // To-device messages for this device, until acknowledged by the next since token.
  json::Array toDevice;
  // Messages up to `since` were deleted when this request began; newer ones exist only if
  // the user's mark moved past it.
  if (!req.deviceId.empty() && toDeviceMarks_.changedSince(req.userId, since)) {
    PLEXUS_TRY(auto msgs, store_->queryToDevice(req.userId, req.deviceId, now.stream, 10000));
    for (const auto& m : msgs) {
      toDevice.emplace_back(json::Object{
          {"sender", m.sender}, {"type", m.type}, {"content", parseStored(m.content)}});
    }
  }
  anything = anything || !toDevice.empty();
  response.set("to_device", json::Object{{"events", std::move(toDevice)}});

  // Device lists: users sharing a room whose devices changed, or who joined/left shared rooms.
  json::Array changedList, leftList;
  if (!plan.initial) {
    if (deviceListMarks_.changedSince("", since)) {
      PLEXUS_TRY(auto changes, store_->queryDeviceListChanges(since, now.stream));
      for (const auto& [user, _] : changes) {
        if (sharing.count(user)) memberChanges.insert(user);
      }
    }
    for (const auto& user : memberChanges) {
      if (sharing.count(user)) {
        changedList.emplace_back(user);
      } else {
        leftList.emplace_back(user);
      }
    }
  }
  anything = anything || !changedList.empty() || !leftList.empty();
  response.set("device_lists",
               json::Object{{"changed", std::move(changedList)}, {"left", std::move(leftList)}});

  if (keys_ && !req.deviceId.empty()) {
    CallContext ctx;
    auto counts = keys_->queryOneTimeKeyCounts(ctx, req.userId, req.deviceId);
    if (counts.ok()) {
      json::Object c;
      for (const auto& [alg, n] : *counts) c.set(alg, n);
      response.set("device_one_time_keys_count", std::move(c));
    }
    auto fallback = keys_->queryUnusedFallbackKeyTypes(ctx, req.userId, req.deviceId);
    if (fallback.ok()) {
      json::Array types;
      for (const auto& t : *fallback) types.emplace_back(t);
      response.set("device_unused_fallback_key_types", std::move(types));
    }
  }
  *empty = !anything;
  return response;
}

Result<json::Object> SyncService::querySync(const CallContext& ctx, const SyncRequest& request) {
  auto promise = std::make_shared<std::promise<Result<json::Object>>>();
  auto future = promise->get_future();
  auto handle = querySyncAsync(
      ctx, request, [promise](Result<json::Object> r) { promise->set_value(std::move(r)); });
  return future.get();
}

std::shared_ptr<SyncWait> SyncService::querySyncAsync(const CallContext& ctx,
                                                      const SyncRequest& request,
                                                      SyncCallback done) {
  auto state = std::make_shared<AsyncSync>();
  state->done = std::move(done);
  std::int64_t timeout = std::clamp<std::int64_t>(request.timeoutMs, 0, options_.maxTimeoutMs);
  state->deadline =
      std::min(ctx.deadline, Notifier::Clock::now() + std::chrono::milliseconds(timeout));
  state->plan.request = request;
  std::weak_ptr<AsyncSync> weak = state;
  auto cancelFn = [this, weak] {
    auto s = weak.lock();
    if (!s) return;
    std::lock_guard lock(s->mutex);
    s->finished = true;
    if (s->waiter) notifier_.cancel(s->waiter);
  };
  bool posted = notifier_.post([this, state] {
    auto plan = planSync(state->plan.request);
    if (!plan.ok()) {
      std::lock_guard lock(state->mutex);
      if (!state->finished) {
        state->finished = true;
        state->done(std::move(plan).takeError());
      }
      return;
    }
    state->plan = std::move(*plan);
    runAsync(state, false);
  });
  if (!posted) {
    std::lock_guard lock(state->mutex);
    state->finished = true;
    state->done(fail(ErrorCode::kUnavailable, "sync-api is not running"));
  }
  return std::make_shared<AsyncHandle>(state, std::move(cancelFn));
}

void SyncService::runAsync(const std::shared_ptr<AsyncSync>& state, bool timedOut) {
  {
    std::lock_guard lock(state->mutex);
    if (state->finished) return;
  }
  StreamToken now = currentToken();
  bool empty = true;
  auto response = buildSync(state->plan, now, &empty);
  bool finish = !response.ok() || !empty || timedOut || state->plan.initial ||
                Notifier::Clock::now() >= state->deadline;
  std::lock_guard lock(state->mutex);
  if (state->finished) return;
  if (finish) {
    state->finished = true;
    if (response.ok() && !state->plan.request.deviceId.empty()) {
      const json::Value* next = response->find("next_batch");
      if (next && next->getString()) {
        lazyMembers_.delivered(state->plan.request.userId, state->plan.request.deviceId,
                               state->plan.request.since, std::string(*next->getString()));
      }
    }
    state->done(std::move(response));
    return;
  }
  // The parked continuation owns the request until it runs or is cancelled (the notifier
  // drops it then, which breaks the state -> waiter -> continuation cycle).
  state->waiter = notifier_.park(state->plan.request.userId, now, state->deadline,
                                 [this, state](bool t) { runAsync(state, t); });
}

}  // namespace plexus::syncapi
