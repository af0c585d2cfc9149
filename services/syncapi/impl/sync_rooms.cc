// One room's entry in a /sync response: timeline (limited, prev_batch), state at the start of
// the timeline (full, delta since the token, or lazy-loaded members), ephemeral events,
// unread counts and summary; plus the invite/knock and leave sections.
#include <algorithm>
#include <limits>

#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"
#include "syncapi/impl/visibility.h"

namespace plexus::syncapi {
namespace {

constexpr int kDefaultTimelineLimit = 10;
constexpr int kMaxBatches = 20;

using StateMap = std::map<StateKeyRef, std::string>;

StateMap foldState(const std::vector<StateDelta>& deltas, std::int64_t upTo) {
  StateMap state;
  for (const auto& d : deltas) {
    if (d.pos > upTo) break;
    if (d.eventId) {
      state[d.key] = *d.eventId;
    } else {
      state.erase(d.key);
    }
  }
  return state;
}

}  // namespace

Result<json::Object> SyncService::stateEventsJson(const std::vector<std::string>& ids,
                                                  const Filter& filter) {
  PLEXUS_TRY(auto events, store_->queryEvents(ids));
  ClientEventOptions opts;
  opts.includeRoomId = false;
  opts.nowMs = now();
  opts.federationFormat = filter.federationFormat;
  opts.eventFields = filter.eventFields ? &*filter.eventFields : nullptr;
  json::Array out;
  for (const auto& e : events) {
    if (!filter.state.matches(e.type, e.sender)) continue;
    out.emplace_back(toClientEvent(e, opts));
  }
  if (filter.state.limit && out.size() > static_cast<std::size_t>(*filter.state.limit)) {
    out.resize(static_cast<std::size_t>(*filter.state.limit));
  }
  return json::Object{{"events", std::move(out)}};
}

Result<std::vector<StoredEvent>> SyncService::recentRoomEvents(const std::string& roomId,
                                                               std::int64_t after,
                                                               std::int64_t upTo, int limit) {
  if (auto cached = recentEvents_.newestFirst(roomId, after, upTo, limit))
    return std::move(*cached);
  return store_->queryRoomEvents(roomId, after, upTo, limit, true);
}

Status SyncService::roomTimelineAndState(const SyncPlan& plan, const std::string& roomId,
                                         std::int64_t after, std::int64_t upTo, bool fullState,
                                         json::Object& out, bool* hasTimeline) {
  const SyncRequest& req = plan.request;
  const EventFilter& tf = plan.filter.timeline;
  const int limit = tf.limit.value_or(kDefaultTimelineLimit);
  std::optional<Visibility> visibility;
  if (after == 0) {
    PLEXUS_TRY(auto v, Visibility::load(*store_, roomId, req.userId));
    visibility = std::move(v);
  }

  // Newest first until limit+1 matching events (the extra one proves `limited`).
  std::vector<StoredEvent> picked;
  std::int64_t cursor = upTo;
  bool limited = false;
  const int batch = std::max(limit + 1, 20);
  for (int round = 0; round < kMaxBatches && cursor > after; ++round) {
    PLEXUS_TRY(auto events, recentRoomEvents(roomId, after, cursor, batch));
    for (auto& e : events) {
      cursor = e.pos - 1;
      if (visibility && !visibility->canSee(e)) continue;
      if (!tf.matches(e.type, e.sender)) continue;
      if (static_cast<int>(picked.size()) == limit) {
        limited = true;
        break;
      }
      picked.push_back(std::move(e));
    }
    if (limited || static_cast<int>(events.size()) < batch) break;
    if (round + 1 == kMaxBatches) limited = true;  // gave up scanning: there may be more
  }
  std::reverse(picked.begin(), picked.end());
  *hasTimeline = !picked.empty();
  const std::int64_t boundary = picked.empty() ? upTo : picked.front().pos - 1;

  ClientEventOptions opts;
  opts.includeRoomId = false;
  opts.userId = req.userId;
  opts.deviceId = req.deviceId;
  opts.nowMs = now();
  opts.federationFormat = plan.filter.federationFormat;
  opts.eventFields = plan.filter.eventFields ? &*plan.filter.eventFields : nullptr;
  out.set("timeline",
          json::Object{{"events", toClientEvents(picked, opts)},
                       {"limited", limited},
                       {"prev_batch", StreamToken{boundary, plan.since.typing}.toString()}});

  // State before the timeline's first event.
  const EventFilter& sf = plan.filter.state;
  const bool lazy = sf.lazyLoadMembers;
  // SPEC: client-server-api "Lazy-loading room members": only the members that sent events
  // in the timeline (and the syncing user), not already sent to this device.
  std::set<std::string> wanted;
  std::set<std::string> alreadySent;
  if (lazy) {
    wanted.insert(req.userId);
    for (const auto& e : picked) wanted.insert(e.sender);
    if (!sf.includeRedundantMembers && !req.deviceId.empty() && !fullState) {
      if (auto known = lazyMembers_.lookup(req.userId, req.deviceId, req.since, roomId)) {
        alreadySent = std::move(*known);
      } else {
        PLEXUS_TRY(alreadySent, store_->queryLazyMembersSent(req.userId, req.deviceId, roomId));
        lazyMembers_.remember(req.userId, req.deviceId, req.since, roomId, alreadySent);
      }
    }
  }
  // The usual woken /sync of a conversation: the senders' members went to this device already
  // and the timeline is complete, so no state is due and the room's state history is not read.
  const bool lazyNeedsState =
      lazy && !std::includes(alreadySent.begin(), alreadySent.end(), wanted.begin(), wanted.end());
  StateMap state;
  StateMap atBoundary;
  if (fullState || limited || lazyNeedsState) {
    PLEXUS_TRY(auto deltas, store_->queryStateDeltas(roomId, boundary));
    atBoundary = foldState(deltas, boundary);
    if (fullState) {
      state = atBoundary;
    } else if (limited) {
      StateMap atSince = foldState(deltas, after);
      for (const auto& [key, id] : atBoundary) {
        auto it = atSince.find(key);
        if (it == atSince.end() || it->second != id) state[key] = id;
      }
    }
  }
  if (lazy) {
    for (auto it = state.begin(); it != state.end();) {
      bool member = it->first.type == "m.room.member";
      it = member && !wanted.count(it->first.stateKey) ? state.erase(it) : std::next(it);
    }
    std::set<std::string> sent;
    for (const auto& user : wanted) {
      auto it = atBoundary.find(StateKeyRef{"m.room.member", user});
      if (it == atBoundary.end()) continue;
      if (alreadySent.count(user) && !state.count(it->first)) continue;
      state[it->first] = it->second;
      sent.insert(user);
    }
    if (!req.deviceId.empty()) {
      PLEXUS_TRY_VOID(store_->storeLazyMembersSent(req.userId, req.deviceId, roomId, sent));
      if (plan.initial) {
        // An initial sync cleared the device's rows first (planSync): what it stored here is
        // all there is, so the device's next /sync need not read them back.
        lazyMembers_.remember(req.userId, req.deviceId, req.since, roomId, sent);
      } else {
        lazyMembers_.add(req.userId, req.deviceId, roomId, sent);
      }
    }
  }
  std::vector<std::string> ids;
  ids.reserve(state.size());
  for (const auto& [_, id] : state) ids.push_back(id);
  PLEXUS_TRY(json::Object stateJson, stateEventsJson(ids, plan.filter));
  out.set("state", std::move(stateJson));
  return {};
}

Result<json::Object> SyncService::joinedRoom(const SyncPlan& plan, const Membership& m,
                                             StreamToken now, bool* empty) {
  const SyncRequest& req = plan.request;
  const std::string& roomId = m.roomId;
  const bool newlyJoined = !plan.initial && m.pos > plan.since.stream;
  const bool fullState = plan.initial || req.fullState || newlyJoined;
  const std::int64_t after = plan.initial || newlyJoined ? 0 : plan.since.stream;
  json::Object room;
  bool hasTimeline = false;
  if (plan.filter.timeline.allowsRoom(roomId) || plan.filter.timeline.rooms == std::nullopt) {
    PLEXUS_TRY_VOID(
        roomTimelineAndState(plan, roomId, after, now.stream, fullState, room, &hasTimeline));
  }
  bool stateEmpty = true;
  if (const json::Value* st = room.find("state")) {
    const json::Value* evs = st->get("events");
    stateEmpty = !evs || !evs->getArray() || evs->getArray()->empty();
  }

  // Ephemeral: typing and receipts.
  json::Array ephemeral;
  const EventFilter& ef = plan.filter.ephemeral;
  std::int64_t typingChanged = 0;
  auto typingUsers = typing_.typingUsers(roomId, this->now(), &typingChanged);
  bool typingNew = plan.initial ? !typingUsers.empty()
                                : typingChanged > plan.since.typing ||
                                      plan.since.typing > now.typing;  // restarted: resend
  if (typingNew && ef.matches("m.typing", "", roomId)) {
    json::Array ids;
    for (const auto& u : typingUsers) ids.emplace_back(u);
    ephemeral.emplace_back(json::Object{{"type", "m.typing"},
                                        {"content", json::Object{{"user_ids", std::move(ids)}}}});
  }
  if (ef.matches("m.receipt", "", roomId)) {
    PLEXUS_TRY(auto receipts,
               store_->queryReceipts(roomId, plan.initial ? 0 : plan.since.stream, now.stream));
    json::Object content;
    for (const auto& r : receipts) {
      // SPEC: receipts.md — m.read.private receipts are only sent to their own user.
      if (r.receiptType == "m.read.private" && r.userId != req.userId) continue;
      json::Value& byEvent = content[r.eventId];
      if (!byEvent.isObject()) byEvent = json::Object{};
      json::Value& byType = (*byEvent.getObject())[r.receiptType];
      if (!byType.isObject()) byType = json::Object{};
      json::Object receipt{{"ts", r.ts}};
      if (!r.threadId.empty()) receipt.set("thread_id", r.threadId);
      byType.getObject()->set(r.userId, std::move(receipt));
    }
    if (!content.empty()) {
      ephemeral.emplace_back(json::Object{{"type", "m.receipt"}, {"content", std::move(content)}});
    }
  }
  const bool ephemeralEmpty = ephemeral.empty();
  room.set("ephemeral", json::Object{{"events", std::move(ephemeral)}});

  // Unread counts.
  PLEXUS_TRY(UnreadCounts counts, unreadCounts(req.userId, roomId, now.stream));
  if (plan.filter.timeline.unreadThreadNotifications) {
    PLEXUS_TRY(auto byThread, store_->queryThreadUnreadCounts(req.userId, roomId));
    UnreadCounts main;
    json::Object threads;
    for (const auto& [thread, c] : byThread) {
      if (thread.empty()) {
        main = c;
      } else {
        threads.set(thread, json::Object{{"notification_count", c.notifications},
                                         {"highlight_count", c.highlights}});
      }
    }
    counts = main;
    room.set("unread_thread_notifications", std::move(threads));
  }
  room.set("unread_notifications", json::Object{{"notification_count", counts.notifications},
                                                {"highlight_count", counts.highlights}});

  // Summary (SPEC: sync.yaml RoomSummary).
  json::Array heroes;
  for (const auto& h : rooms_.heroes(roomId, req.userId, 5)) heroes.emplace_back(h);
  room.set("summary", json::Object{{"m.heroes", std::move(heroes)},
                                   {"m.joined_member_count", rooms_.joinedCount(roomId)},
                                   {"m.invited_member_count", rooms_.invitedCount(roomId)}});
  *empty = !hasTimeline && stateEmpty && ephemeralEmpty;
  return room;
}

Result<json::Object> SyncService::leftRoom(const SyncPlan& plan, const Membership& m, StreamToken) {
  const bool fullState = plan.initial || plan.request.fullState;
  const std::int64_t after = plan.initial ? 0 : std::min(plan.since.stream, m.pos);
  json::Object room;
  bool hasTimeline = false;
  PLEXUS_TRY_VOID(
      roomTimelineAndState(plan, m.roomId, after, m.pos, fullState, room, &hasTimeline));
  room.set("account_data", json::Object{{"events", json::Array{}}});
  return room;
}

Result<json::Object> SyncService::invitedRoom(const Membership& m, const char* stateKey) {
  PLEXUS_TRY(auto event, store_->queryEvent(m.eventId));
  json::Array events;
  if (event) {
    json::Object pdu = parseStored(event->json);
    // SPEC: sync.yaml InviteState — stripped state from the invite plus the invite itself.
    if (const json::Value* u = pdu.find("unsigned"); u && u->isObject()) {
      for (const char* key : {"invite_room_state", "knock_room_state"}) {
        if (const json::Value* s = u->getObject()->find(key); s && s->isArray()) {
          for (const auto& item : *s->getArray()) {
            if (item.isObject()) events.push_back(item);
          }
        }
      }
    }
    json::Object stripped{{"type", event->type},
                          {"sender", event->sender},
                          {"state_key", event->stateKey.value_or("")}};
    if (const json::Value* c = pdu.find("content")) stripped.set("content", *c);
    events.emplace_back(std::move(stripped));
  }
  return json::Object{{stateKey, json::Object{{"events", std::move(events)}}}};
}

Result<UnreadCounts> SyncService::unreadCounts(const std::string& userId, const std::string& roomId,
                                               std::int64_t upTo) {
  auto cached = unreadCache_.get(userId, roomId);
  UnreadCounts counts;
  // A receipt after the cached position may have marked some of them read: count afresh.
  if (cached && cached->upTo <= upTo && receiptMarks_.newest(roomId) <= cached->upTo) {
    counts = cached->counts;
    // Counting needs a query only when the room moved and a notification was stored for the
    // user since (a sender's own /sync, woken by their message, has none).
    // Those stored here since are in memory; the store is asked when they may not all be.
    if (roomEventMarks_.newest(roomId) > cached->upTo &&
        notifiedMarks_.newest(notifiedKey(userId, roomId)) > cached->upTo) {
      auto added = recentNotifications_.countBetween(userId, roomId, cached->upTo, upTo);
      if (!added) {
        PLEXUS_TRY(UnreadCounts stored,
                   store_->queryUnreadCountsBetween(userId, roomId, cached->upTo, upTo));
        added = stored;
      }
      counts.notifications += added->notifications;
      counts.highlights += added->highlights;
    }
  } else {
    PLEXUS_TRY(counts, store_->queryUnreadCountsBetween(userId, roomId, 0, upTo));
  }
  unreadCache_.put(userId, roomId, UnreadCountsCache::Entry{counts, upTo});
  recentNotifications_.trim(userId, roomId, upTo);
  return counts;
}

}  // namespace plexus::syncapi
