// SyncService: construction, start/stop, the bus inputs (room events, device lists) and the
// account-data feed, notification counting and wake-ups.
#include "syncapi/impl/sync_service.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "accountsync/api/output.h"
#include "accountsync/api/push_rule_defaults.h"
#include "accountsync/api/push_rule_evaluator.h"
#include "keyserver/api/output.h"
#include "plexus/bus/typed_topic.h"
#include "plexus/events/redaction.h"
#include "plexus/events/room_version.h"
#include "plexus/json/canonical.h"
#include "plexus/log/log.h"
#include "syncapi/impl/client_event.h"

namespace plexus::syncapi {
namespace {

std::int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> stringAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  const std::string* s = v ? v->getString() : nullptr;
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

std::int64_t intAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  auto i = v ? v->getInt() : std::nullopt;
  return i.value_or(0);
}

const json::Object& contentOf(const json::Object& pdu) {
  static const json::Object kEmpty;
  const json::Value* c = pdu.find("content");
  const json::Object* o = c ? c->getObject() : nullptr;
  return o ? *o : kEmpty;
}

// The StoredEvent columns of an output PDU.
StoredEvent storedFromOutput(const roomserver::OutputRoomEvent& output) {
  StoredEvent e = storedFromPdu(output.roomId, output.eventId, output.event);
  if (output.transaction) {
    e.txnUser = output.transaction->userId;
    e.txnDevice = output.transaction->deviceId;
    e.txnId = output.transaction->transactionId;
  }
  return e;
}

// While a run of bus outputs is handled, the bus thread collects what it would make visible
// (the stream position, the rooms to wake) and publishes it once the whole run is applied: a
// redaction arrives as the redaction event followed by the change to its target, and a client
// woken by the first must not read the target before the second.
struct DeferredWakes {
  std::int64_t pos = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> rooms;
};
thread_local DeferredWakes* t_deferred = nullptr;

}  // namespace

StoredEvent storedFromPdu(const std::string& roomId, const std::string& eventId,
                          const json::Object& pdu) {
  const json::Object& content = contentOf(pdu);
  StoredEvent e;
  e.roomId = roomId;
  e.eventId = eventId;
  e.depth = intAt(pdu, "depth");
  e.type = stringAt(pdu, "type").value_or("");
  e.sender = stringAt(pdu, "sender").value_or("");
  e.stateKey = stringAt(pdu, "state_key");
  e.originTs = intAt(pdu, "origin_server_ts");
  e.json = json::canonical(pdu);
  if (const json::Value* rel = content.find("m.relates_to"); rel && rel->isObject()) {
    if (auto id = rel->getStringAt("event_id")) e.relatesTo = std::string(*id);
    if (auto type = rel->getStringAt("rel_type")) e.relType = std::string(*type);
  }
  if (e.type == "m.room.message") {
    e.body = stringAt(content, "body");
  } else if (e.type == "m.room.name") {
    e.body = stringAt(content, "name");
  } else if (e.type == "m.room.topic") {
    e.body = stringAt(content, "topic");
  }
  return e;
}

Result<std::unique_ptr<SyncService>> SyncService::create(storage::Database& db, bus::Bus& bus,
                                                         DeviceKeySource* keys,
                                                         SyncServiceOptions options) {
  return create(db, bus, keys, nullptr, std::move(options));
}

Result<std::unique_ptr<SyncService>> SyncService::create(storage::Database& db, bus::Bus& bus,
                                                         DeviceKeySource* keys,
                                                         accountsync::AccountSyncApi* accountSync,
                                                         SyncServiceOptions options) {
  return create(db, bus, keys, accountSync, nullptr, std::move(options));
}

Result<std::unique_ptr<SyncService>> SyncService::create(storage::Database& db, bus::Bus& bus,
                                                         DeviceKeySource* keys,
                                                         accountsync::AccountSyncApi* accountSync,
                                                         PusherDirectory* pushers,
                                                         SyncServiceOptions options,
                                                         PushDeliveryOptions pushOptions) {
  PLEXUS_TRY(auto store, makeSqlSyncStore(db));
  if (!options.clock) options.clock = systemNowMs;
  if (!pushOptions.clock) pushOptions.clock = options.clock;
  if (!pushOptions.pendingStore) {
    PLEXUS_TRY(pushOptions.pendingStore, makeSqlPendingPushStore(db));
  }
  return std::unique_ptr<SyncService>(new SyncService(std::move(store), bus, keys, accountSync,
                                                      pushers, std::move(options),
                                                      std::move(pushOptions)));
}

SyncService::SyncService(std::unique_ptr<SyncStore> store, bus::Bus& bus, DeviceKeySource* keys,
                         accountsync::AccountSyncApi* accountSync, PusherDirectory* pushers,
                         SyncServiceOptions options, PushDeliveryOptions pushOptions)
    : store_(std::move(store)),
      bus_(bus),
      keys_(keys),
      accountSync_(accountSync),
      options_(std::move(options)),
      notifier_(options_.wakeThreads) {
  if (options_.onWake) notifier_.setWakeObserver(options_.onWake);
  if (!pushers && accountSync) {
    ownedPushers_ = std::make_unique<AccountSyncPushers>(*accountSync);
    pushers = ownedPushers_.get();
  }
  if (!options_.pushGatewayCaFile.empty())
    pushOptions.client.tls.caFile = options_.pushGatewayCaFile;
  if (options_.pushGatewayInsecureTls) pushOptions.client.tls.verifyPeer = false;
  if (pushers) {
    pushes_ = std::make_unique<PushDeliverer>(
        *pushers,
        [this](const std::string& userId, const std::string& roomId) {
          return pushDetails(userId, roomId);
        },
        std::move(pushOptions));
  }
}

SyncService::~SyncService() { stop(); }

StreamToken SyncService::currentToken() const {
  return StreamToken{currentPos_.load(), typing_.serial()};
}

bool SyncService::isLocal(const std::string& userId) const {
  if (options_.serverName.empty()) return true;
  auto colon = userId.find(':');
  return colon != std::string::npos &&
         userId.compare(colon + 1, std::string::npos, options_.serverName) == 0;
}

Status SyncService::start() {
  PLEXUS_TRY(std::int64_t pos, store_->queryCurrentPosition());
  for (StreamWatermarks* marks :
       {&roomEventMarks_, &receiptMarks_, &presenceMarks_, &accountDataMarks_, &toDeviceMarks_,
        &deviceListMarks_, &membershipMarks_, &notifiedMarks_}) {
    marks->reset(pos);
  }
  advance(pos);
  // Rebuild the in-memory room index from the stored memberships and power levels.
  PLEXUS_TRY(auto memberships, store_->queryActiveMemberships());
  std::vector<std::string> ids;
  std::set<std::string> roomIds;
  for (const auto& m : memberships) {
    ids.push_back(m.eventId);
    roomIds.insert(m.roomId);
  }
  for (const auto& roomId : roomIds) {
    PLEXUS_TRY(auto state, store_->queryCurrentState(roomId));
    auto pl = state.find(StateKeyRef{"m.room.power_levels", ""});
    if (pl != state.end()) ids.push_back(pl->second);
  }
  PLEXUS_TRY(auto events, store_->queryEvents(ids));
  std::unordered_map<std::string, const StoredEvent*> byId;
  for (const auto& e : events) byId[e.eventId] = &e;
  for (const auto& m : memberships) {
    std::optional<std::string> name;
    if (auto it = byId.find(m.eventId); it != byId.end()) {
      name = stringAt(contentOf(parseStored(it->second->json)), "displayname");
    }
    rooms_.setMembership(m.roomId, m.userId, m.membership, name);
  }
  for (const auto& e : events) {
    if (e.type == "m.room.power_levels") {
      rooms_.setPowerLevels(e.roomId, contentOf(parseStored(e.json)));
    }
  }

  {
    std::lock_guard lock(tailMutex_);
    tailedPos_ = pos;
  }
  notifier_.start();
  // Replicas that do not consume the inputs leave pushes and the restart's presence timeouts to
  // the one that does.
  if (pushes_ && options_.replication.consumesInputs) pushes_->start();
  // Users the server still believes present when it (re)starts are timed out from their last
  // activity, as if they had synced then.
  PLEXUS_TRY(auto present, store_->queryPresenceChanges(0, pos));
  if (!options_.replication.consumesInputs) present.clear();
  for (const auto& p : present) {
    if (p.presence == "offline") continue;
    if (options_.presenceIdleAfterMs <= 0 && options_.presenceOfflineAfterMs <= 0) break;
    {
      std::lock_guard lock(activityMutex_);
      activity_[p.userId] = Activity{p.lastActiveTs, true};
    }
    schedulePresenceCheck(p.userId, 0);
  }
  if (replicated()) PLEXUS_TRY_VOID(startReplication());
  if (!options_.replication.consumesInputs) return {};
  PLEXUS_TRY(auto roomSub, bus::subscribeTypedBatch<roomserver::OutputRoomEvent>(
                               bus_, options_.busGroup,
                               [this](std::vector<roomserver::OutputRoomEvent>&& outs,
                                      std::uint64_t) { return inputRoomEvents(outs); }));
  subscriptions_.push_back(std::move(roomSub));
  PLEXUS_TRY(auto keySub, bus::subscribeTyped<keyserver::DeviceListUpdate>(
                              bus_, options_.busGroup,
                              [this](const keyserver::DeviceListUpdate& update, std::uint64_t) {
                                return inputDeviceListChange(CallContext{}, update.userId);
                              }));
  subscriptions_.push_back(std::move(keySub));
  if (accountSync_) {
    PLEXUS_TRY(auto dataSub, bus::subscribeTyped<accountsync::AccountDataOutput>(
                                 bus_, options_.busGroup,
                                 [this](const accountsync::AccountDataOutput& hint, std::uint64_t) {
                                   return pullAccountData(hint.userId);
                                 }));
    subscriptions_.push_back(std::move(dataSub));
  }
  return {};
}

Status SyncService::pullAccountData(const std::string& userId) {
  // Positions are kept in memory, so after a restart the first hint for a user copies all of
  // their account data again (clients see it once more; harmless).
  std::int64_t& since = accountSyncPos_[userId];
  PLEXUS_TRY(auto changes, accountSync_->queryAccountData(CallContext{}, userId, since));
  for (const auto& entry : changes.entries) {
    PLEXUS_TRY_VOID(
        inputAccountData(CallContext{}, userId, entry.roomId, entry.type, entry.content));
  }
  since = std::max(since, changes.latestPosition);
  return {};
}

void SyncService::stop() {
  subscriptions_.clear();
  if (pushes_) pushes_->stop();
  notifier_.stop();
}

void SyncService::advance(std::int64_t pos) {
  if (replicated()) noteLocalPosition(pos);
  if (t_deferred) {
    t_deferred->pos = std::max(t_deferred->pos, pos);
    return;
  }
  if (replicated()) {
    // Positions below `pos` may have been written by other replicas and not read back yet.
    Status s = catchUp(pos);
    if (!s.ok()) log::warn("sync-api replica catch-up failed", {{"error", s.error().message}});
    publishAdvanced(pos);
    return;
  }
  std::int64_t cur = currentPos_.load();
  while (pos > cur && !currentPos_.compare_exchange_weak(cur, pos)) {
  }
}

void SyncService::wakeUsers(const std::vector<std::string>& users) {
  notifier_.notifyUsers(users, currentToken());
}

void SyncService::wakeRoom(const std::string& roomId, const std::vector<std::string>& extra) {
  if (t_deferred) {
    t_deferred->rooms.emplace_back(roomId, extra);
    return;
  }
  auto users = rooms_.interestedUsers(roomId);
  users.insert(users.end(), extra.begin(), extra.end());
  wakeUsers(users);
}

std::shared_ptr<const json::Object> SyncService::pushRulesFor(const std::string& userId) {
  {
    std::lock_guard lock(pushRulesMutex_);
    auto it = pushRules_.find(userId);
    if (it != pushRules_.end()) return it->second;
  }
  // The user's m.push_rules account data (account-sync stores the whole ruleset, defaults
  // included); before it exists, the server-default rules account-sync would serve.
  std::optional<json::Object> ruleset;
  auto items = store_->queryAccountData(userId, 0, std::numeric_limits<std::int64_t>::max());
  if (items.ok()) {
    for (const auto& item : *items) {
      if (!item.roomId.empty() || item.type != "m.push_rules") continue;
      json::Object content = parseStored(item.content);
      if (const json::Value* global = content.find("global"); global && global->isObject()) {
        ruleset = std::move(content);
      }
    }
  }
  if (!ruleset) {
    std::string_view local = userId;
    if (!local.empty() && local.front() == '@') local.remove_prefix(1);
    local = local.substr(0, local.find(':'));
    ruleset = accountsync::pushrules::defaultRuleset(userId, local);
  }
  auto shared = std::make_shared<const json::Object>(std::move(*ruleset));
  std::lock_guard lock(pushRulesMutex_);
  pushRules_[userId] = shared;
  return shared;
}

std::vector<NotificationWrite> SyncService::evaluateNotifications(
    const roomserver::OutputRoomEvent& output, const StoredEvent& event) {
  namespace pushrules = accountsync::pushrules;
  std::vector<NotificationWrite> out;
  auto joined = rooms_.joinedUsers(output.roomId);
  if (joined.empty()) return out;
  pushrules::EvaluationContext ctx;
  ctx.roomMemberCount = static_cast<std::int64_t>(joined.size());
  json::Object powerLevels = rooms_.powerLevels(output.roomId);
  if (!powerLevels.empty()) ctx.powerLevels = std::move(powerLevels);
  std::string threadId;
  if (event.relType == "m.thread" && event.relatesTo) threadId = *event.relatesTo;
  const std::int64_t nowMs = now();
  for (const auto& userId : joined) {
    if (userId == event.sender || !isLocal(userId)) continue;
    std::string name = rooms_.displayName(output.roomId, userId);
    ctx.userDisplayName = name.empty() ? std::nullopt : std::optional<std::string>(name);
    auto match = pushrules::evaluate(*pushRulesFor(userId), output.event, ctx);
    if (!match) continue;
    pushrules::Tweaks tweaks = pushrules::summarize(match->actions);
    if (!tweaks.notify) continue;  // highlight without notify counts nothing
    NotificationWrite n;
    n.userId = userId;
    n.highlight = tweaks.highlight;
    n.threadId = threadId;
    n.actions = json::canonical(json::Value(match->actions));
    n.ts = nowMs;
    out.push_back(std::move(n));
  }
  return out;
}

Status SyncService::applyIndexChanges(const roomserver::OutputRoomEvent& output,
                                      const StoredEvent& event) {
  // Most outputs add only the event itself; a state resolution may add older events too.
  std::vector<StoredEvent> added;
  std::vector<std::string> others;
  for (const auto& id : output.addsStateEventIds) {
    if (id == event.eventId) {
      added.push_back(event);
    } else {
      others.push_back(id);
    }
  }
  if (!others.empty()) {
    PLEXUS_TRY(auto more, store_->queryEvents(others));
    for (auto& e : more) added.push_back(std::move(e));
  }
  for (const auto& e : added) {
    if (!e.stateKey) continue;
    if (e.type == "m.room.member") {
      const json::Object pdu = parseStored(e.json);
      const json::Object& content = contentOf(pdu);
      rooms_.setMembership(output.roomId, *e.stateKey,
                           stringAt(content, "membership").value_or("leave"),
                           stringAt(content, "displayname"));
    } else if (e.type == "m.room.power_levels" && e.stateKey->empty()) {
      rooms_.setPowerLevels(output.roomId, contentOf(parseStored(e.json)));
    }
  }
  return {};
}

Status SyncService::storeUnknownStateEvents(const roomserver::OutputRoomEvent& output) {
  if (!roomEvents_ || output.addsStateEventIds.size() <= 1) return {};
  std::vector<std::string> others;
  for (const auto& id : output.addsStateEventIds) {
    if (id != output.eventId) others.push_back(id);
  }
  PLEXUS_TRY(auto known, store_->queryEvents(others));
  std::set<std::string> have;
  for (const auto& e : known) have.insert(e.eventId);
  std::vector<std::string> missing;
  for (const auto& id : others) {
    if (!have.contains(id)) missing.push_back(id);
  }
  if (missing.empty()) return {};
  PLEXUS_TRY(auto fetched, roomEvents_->queryEvents(CallContext{}, missing));
  std::vector<StoredEvent> outliers;
  outliers.reserve(fetched.size());
  for (const auto& e : fetched) outliers.push_back(storedFromPdu(output.roomId, e.eventId, e.pdu));
  return store_->storeOutlierEvents(outliers);
}

Status SyncService::addPrevContent(const roomserver::OutputRoomEvent& output, StoredEvent& event) {
  // SPEC: client-server-api "Room Events" — unsigned.prev_content / replaces_state of a state
  // event name the state it replaced (clients render renames and membership changes from it).
  if (!event.stateKey || output.removesStateEventIds.empty()) return {};
  PLEXUS_TRY(auto replaced, store_->queryEvents(output.removesStateEventIds));
  for (const auto& old : replaced) {
    if (old.type != event.type || old.stateKey != event.stateKey) continue;
    json::Object pdu = output.event;
    json::Value& unsignedValue = pdu["unsigned"];
    if (!unsignedValue.isObject()) unsignedValue = json::Object{};
    json::Object oldPdu = parseStored(old.json);
    unsignedValue.getObject()->set("prev_content", contentOf(oldPdu));
    unsignedValue.getObject()->set("prev_sender", old.sender);
    unsignedValue.getObject()->set("replaces_state", old.eventId);
    event.json = json::canonical(pdu);
    break;
  }
  return {};
}

Status SyncService::inputRoomEvent(const roomserver::OutputRoomEvent& output) {
  using Kind = roomserver::OutputRoomEvent::Kind;
  if (output.kind == Kind::kRedaction) {
    PLEXUS_TRY(auto target, store_->queryEvent(output.redactsEventId));
    PLEXUS_TRY(auto redaction, store_->queryEvent(output.eventId));
    if (!target || !redaction || target->redactedBecause) return {};
    const events::RoomVersion* version = events::findRoomVersion(output.roomVersion);
    if (!version) version = &events::defaultRoomVersion();
    json::Object redacted = events::redact(parseStored(target->json), *version);
    ClientEventOptions opts;
    opts.nowMs = now();
    json::Object because = toClientEvent(*redaction, opts);
    because.erase("unsigned");
    PLEXUS_TRY_VOID(
        store_->redactEvent(target->eventId, json::canonical(redacted), json::canonical(because)));
    recentEvents_.forget(target->roomId);
    return {};
  }
  // An invite over federation (or a knock sent over federation) is stored like a room event:
  // the user's membership becomes "invite" ("knock") and /sync shows it with the stripped state
  // in its unsigned.invite_room_state (knock_room_state).
  const bool outlierMembership = output.kind == Kind::kInvite || output.kind == Kind::kKnock;
  if (output.kind != Kind::kNewRoomEvent && !outlierMembership) return {};
  if (outlierMembership && output.addsStateEventIds.empty()) {
    // The invite is the only state of that room here: it sets the invitee's membership.
    roomserver::OutputRoomEvent invite = output;
    invite.kind = Kind::kNewRoomEvent;
    invite.addsStateEventIds = {output.eventId};
    return inputRoomEvent(invite);
  }
  PLEXUS_TRY_VOID(storeUnknownStateEvents(output));

  RoomEventWrite write;
  write.event = storedFromOutput(output);
  PLEXUS_TRY_VOID(addPrevContent(output, write.event));
  write.addsStateEventIds = output.addsStateEventIds;
  write.removesStateEventIds = output.removesStateEventIds;
  write.notifications = evaluateNotifications(output, write.event);
  PLEXUS_TRY(auto pos, store_->storeRoomEvent(write));
  // A redelivery is already stored; the index update is repeated (it is idempotent) in case
  // the first attempt failed after the commit.
  PLEXUS_TRY_VOID(applyIndexChanges(output, write.event));
  if (!pos) return {};
  write.event.pos = *pos;
  if (*pos > 0) recentEvents_.append(write.event);
  roomEventMarks_.bump(output.roomId, *pos);
  for (const auto& n : write.notifications) {
    recentNotifications_.record(n.userId, output.roomId, *pos, n.highlight);
    notifiedMarks_.bump(notifiedKey(n.userId, output.roomId), *pos);
  }
  if (!write.addsStateEventIds.empty() || !write.removesStateEventIds.empty()) {
    membershipMarks_.bump("", *pos);
  }
  advance(*pos);
  queuePushes(output, write);
  std::vector<std::string> extra;
  if (write.event.type == "m.room.member" && write.event.stateKey) {
    extra.push_back(*write.event.stateKey);  // the user who left, was kicked or was invited
  }
  wakeRoom(output.roomId, extra);
  return {};
}

Status SyncService::inputRoomEvents(const std::vector<roomserver::OutputRoomEvent>& outputs) {
  DeferredWakes deferred;
  t_deferred = &deferred;
  Status applied = applyRoomEvents(outputs);
  t_deferred = nullptr;
  // Also after a failure: what was committed before it is visible (the rest is redelivered).
  if (deferred.pos > 0) advance(deferred.pos);
  std::set<std::string> woken;
  for (const auto& [room, extra] : deferred.rooms) {
    if (extra.empty() && !woken.insert(room).second) continue;
    wakeRoom(room, extra);
  }
  return applied;
}

Status SyncService::applyRoomEvents(const std::vector<roomserver::OutputRoomEvent>& outputs) {
  using Kind = roomserver::OutputRoomEvent::Kind;
  std::vector<const roomserver::OutputRoomEvent*> pending;
  std::vector<RoomEventWrite> writes;
  auto flush = [&]() -> Status {
    if (writes.empty()) return {};
    PLEXUS_TRY(auto positions, store_->storeRoomEvents(writes));
    std::vector<std::string> rooms;
    for (std::size_t i = 0; i < writes.size(); ++i) {
      if (!positions[i]) continue;  // a redelivery
      writes[i].event.pos = *positions[i];
      recentEvents_.append(writes[i].event);
      roomEventMarks_.bump(pending[i]->roomId, *positions[i]);
      for (const auto& n : writes[i].notifications) {
        recentNotifications_.record(n.userId, pending[i]->roomId, *positions[i], n.highlight);
        notifiedMarks_.bump(notifiedKey(n.userId, pending[i]->roomId), *positions[i]);
      }
      advance(*positions[i]);
      queuePushes(*pending[i], writes[i]);
      if (std::find(rooms.begin(), rooms.end(), pending[i]->roomId) == rooms.end()) {
        rooms.push_back(pending[i]->roomId);
      }
    }
    for (const auto& room : rooms) wakeRoom(room, {});
    pending.clear();
    writes.clear();
    return {};
  };
  for (const auto& output : outputs) {
    // A message changes no state, so nothing later in the run reads what it writes.
    bool plain = output.kind == Kind::kNewRoomEvent && output.addsStateEventIds.empty() &&
                 output.removesStateEventIds.empty() && !output.event.find("state_key");
    if (!plain) {
      PLEXUS_TRY_VOID(flush());
      PLEXUS_TRY_VOID(inputRoomEvent(output));
      continue;
    }
    RoomEventWrite write;
    write.event = storedFromOutput(output);
    write.notifications = evaluateNotifications(output, write.event);
    writes.push_back(std::move(write));
    pending.push_back(&output);
  }
  return flush();
}

Status SyncService::inputAccountData(const CallContext&, const std::string& userId,
                                     const std::string& roomId, const std::string& type,
                                     const json::Object& content) {
  if (userId.empty() || type.empty()) return fail(ErrorCode::kInvalidParam, "missing user or type");
  PLEXUS_TRY(std::int64_t pos,
             store_->storeAccountData(userId, roomId, type, json::canonical(content)));
  accountDataMarks_.bump(userId, pos);
  if (type == "m.push_rules" && roomId.empty()) {
    std::lock_guard lock(pushRulesMutex_);
    pushRules_.erase(userId);
  }
  advance(pos);
  wakeUsers({userId});
  return {};
}

Status SyncService::inputDeviceListChange(const CallContext&, const std::string& userId) {
  PLEXUS_TRY(std::int64_t pos, store_->storeDeviceListChange(userId));
  deviceListMarks_.bump("", pos);
  advance(pos);
  auto users = rooms_.usersSharingRooms(userId);
  wakeUsers(std::vector<std::string>(users.begin(), users.end()));
  return {};
}

}  // namespace plexus::syncapi
