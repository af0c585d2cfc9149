// SyncService: room history — /messages, /context, single events, relations and threads —
// always through the history-visibility rules.
#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "plexus/json/parse.h"
#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"
#include "syncapi/impl/visibility.h"

namespace plexus::syncapi {
namespace {

constexpr std::int64_t kMaxPos = std::numeric_limits<std::int64_t>::max();

struct Page {
  std::vector<StoredEvent> events;
  std::int64_t cursor = 0;  // where the next page starts
  bool exhausted = false;
};

template <typename Pred>
Result<Page> paginate(SyncStore& store, const std::string& roomId, std::int64_t lower,
                      std::int64_t upper, bool backwards, int limit, Pred keep) {
  Page page;
  page.cursor = backwards ? upper : lower;
  const int batch = std::max(limit, 50);
  for (int round = 0; round < 40; ++round) {
    std::int64_t after = backwards ? lower : page.cursor;
    std::int64_t upTo = backwards ? page.cursor : upper;
    if (upTo <= after) {
      page.exhausted = true;
      return page;
    }
    PLEXUS_TRY(auto events, store.queryRoomEvents(roomId, after, upTo, batch, backwards));
    for (auto& e : events) {
      if (static_cast<int>(page.events.size()) == limit) return page;
      page.cursor = backwards ? e.pos - 1 : e.pos;
      if (keep(e)) page.events.push_back(std::move(e));
    }
    if (static_cast<int>(events.size()) < batch) {
      page.exhausted = true;
      return page;
    }
    if (static_cast<int>(page.events.size()) == limit) return page;
  }
  return page;
}

ClientEventOptions clientOptions(const std::string& userId, std::int64_t nowMs) {
  ClientEventOptions o;
  o.userId = userId;
  o.nowMs = nowMs;
  return o;
}

}  // namespace

Result<json::Object> SyncService::queryMessages(const CallContext&, const MessagesRequest& req) {
  if (req.dir != 'b' && req.dir != 'f') return fail(ErrorCode::kInvalidParam, "dir must be b or f");
  const int limit = std::clamp(req.limit, 1, 1000);
  EventFilter filter;
  if (req.filter) {
    PLEXUS_TRY(filter, parseEventFilter(*req.filter));
  }
  PLEXUS_TRY(Visibility vis, Visibility::load(*store_, req.roomId, req.userId));
  if (!vis.mayReadRoom()) return fail(ErrorCode::kForbidden, "you cannot read this room");
  const StreamToken nowToken = currentToken();
  const bool backwards = req.dir == 'b';
  StreamToken from = backwards ? nowToken : StreamToken{kTimelineFloor, nowToken.typing};
  if (!req.from.empty()) {
    PLEXUS_TRY(from, StreamToken::parseHistory(req.from));
  }
  std::optional<StreamToken> to;
  if (!req.to.empty()) {
    PLEXUS_TRY(to, StreamToken::parseHistory(req.to));
  }
  std::int64_t lower = backwards ? (to ? to->stream : kTimelineFloor) : from.stream;
  std::int64_t upper = backwards ? std::min(from.stream, nowToken.stream)
                                 : (to ? std::min(to->stream, nowToken.stream) : nowToken.stream);
  auto keep = [&](const StoredEvent& e) {
    return vis.canSee(e) && filter.matches(e.type, e.sender);
  };
  PLEXUS_TRY(Page page, paginate(*store_, req.roomId, lower, upper, backwards, limit, keep));
  // Scrolled back past everything here in a room whose start is not here: fetch older history
  // from the room's other servers (once per request) and page again; while that finds
  // something, the answer keeps an `end` so the client asks for more.
  bool olderElsewhere = false;
  if (backwards && !to && page.exhausted) {
    PLEXUS_TRY(olderElsewhere, historyMayContinue(req.roomId));
    if (olderElsewhere && static_cast<int>(page.events.size()) < limit) {
      PLEXUS_TRY(olderElsewhere, backfillRoom(req.roomId, limit));
      if (olderElsewhere) {
        PLEXUS_TRY(page, paginate(*store_, req.roomId, lower, upper, backwards, limit, keep));
      }
    }
  }
  json::Object out;
  auto opts = clientOptions(req.userId, now());
  out.set("chunk", toClientEvents(page.events, opts));
  out.set("start", (req.from.empty() ? from : StreamToken{from.stream, from.typing}).toString());
  if (!page.exhausted || !backwards || olderElsewhere) {
    out.set("end", StreamToken{page.cursor, nowToken.typing}.toString());
  }
  if (filter.lazyLoadMembers) {
    std::set<std::string> senders;
    for (const auto& e : page.events) senders.insert(e.sender);
    PLEXUS_TRY(auto state, store_->queryCurrentState(req.roomId));
    std::vector<std::string> ids;
    for (const auto& s : senders) {
      auto it = state.find(StateKeyRef{"m.room.member", s});
      if (it != state.end()) ids.push_back(it->second);
    }
    PLEXUS_TRY(auto members, store_->queryEvents(ids));
    out.set("state", toClientEvents(members, opts));
  }
  return out;
}

Result<bool> SyncService::historyMayContinue(const std::string& roomId) {
  if (!roomEvents_) return false;
  // A room whose create event is in the timeline here has no older history anywhere.
  PLEXUS_TRY(auto state, store_->queryCurrentState(roomId));
  auto create = state.find(StateKeyRef{"m.room.create", ""});
  if (create == state.end()) return false;
  PLEXUS_TRY(auto event, store_->queryEvent(create->second));
  return event && event->pos < kTimelineFloor;
}

Result<bool> SyncService::backfillRoom(const std::string& roomId, int limit) {
  // Ask for what leads up to the oldest timeline event here: its prev events that are not in
  // the timeline (they may be stored as state-only outliers).
  PLEXUS_TRY(auto oldest, store_->queryRoomEvents(roomId, kTimelineFloor, kMaxPos, 1, false));
  if (oldest.empty()) return false;
  auto pdu = json::parseObject(oldest.front().json, json::ParseOptions{false, 64});
  if (!pdu.ok()) return false;
  std::vector<std::string> prevs;
  if (const json::Value* list = pdu->find("prev_events"); list && list->isArray()) {
    for (const auto& p : *list->getArray()) {
      // v1-v2: [event_id, hashes] pairs; later versions: event IDs.
      if (const std::string* id = p.getString()) {
        prevs.push_back(*id);
      } else if (p.isArray() && !p.getArray()->empty() && p.getArray()->front().getString()) {
        prevs.push_back(*p.getArray()->front().getString());
      }
    }
  }
  PLEXUS_TRY(auto known, store_->queryEvents(prevs));
  std::set<std::string> inTimeline;
  for (const auto& e : known) {
    if (e.pos > kTimelineFloor) inTimeline.insert(e.eventId);
  }
  std::vector<std::string> from;
  for (auto& id : prevs) {
    if (!inTimeline.contains(id)) from.push_back(std::move(id));
  }
  if (from.empty()) return false;
  auto fetched = roomEvents_->backfill(CallContext::withTimeout(std::chrono::seconds(20)), roomId,
                                       from, std::max(limit, 20));
  if (!fetched.ok() || fetched->empty()) return false;
  std::vector<StoredEvent> events;
  events.reserve(fetched->size());
  for (const auto& e : *fetched) events.push_back(storedFromPdu(roomId, e.eventId, e.pdu));
  // Newest first: positions count down into the past.
  std::stable_sort(events.begin(), events.end(),
                   [](const StoredEvent& a, const StoredEvent& b) { return a.depth > b.depth; });
  PLEXUS_TRY_VOID(store_->storeBackfilledEvents(events));
  return true;
}

Result<json::Object> SyncService::queryContext(const CallContext&, const ContextRequest& req) {
  const int limit = std::clamp(req.limit, 0, 1000);
  EventFilter filter;
  if (req.filter) {
    PLEXUS_TRY(filter, parseEventFilter(*req.filter));
  }
  PLEXUS_TRY(auto event, store_->queryEvent(req.eventId));
  if (!event || event->roomId != req.roomId) return fail(ErrorCode::kNotFound, "unknown event");
  PLEXUS_TRY(Visibility vis, Visibility::load(*store_, req.roomId, req.userId));
  if (!vis.canSee(*event)) return fail(ErrorCode::kNotFound, "unknown event");
  auto keep = [&](const StoredEvent& e) {
    return vis.canSee(e) && filter.matches(e.type, e.sender);
  };
  const StreamToken nowToken = currentToken();
  const int beforeLimit = limit / 2;
  const int afterLimit = limit - beforeLimit;
  Page before{{}, event->pos - 1, true};
  if (beforeLimit > 0) {
    PLEXUS_TRY(before, paginate(*store_, req.roomId, 0, event->pos - 1, true, beforeLimit, keep));
  }
  Page after{{}, event->pos, true};
  if (afterLimit > 0) {
    PLEXUS_TRY(after, paginate(*store_, req.roomId, event->pos, nowToken.stream, false,
                               afterLimit, keep));
  }
  auto opts = clientOptions(req.userId, now());
  json::Object out;
  out.set("event", toClientEvent(*event, opts));
  out.set("events_before", toClientEvents(before.events, opts));
  out.set("events_after", toClientEvents(after.events, opts));
  out.set("start", StreamToken{before.cursor, nowToken.typing}.toString());
  out.set("end", StreamToken{after.cursor, nowToken.typing}.toString());
  // State at the event: lazy-loaded members of the returned senders, or the full state.
  PLEXUS_TRY(auto deltas, store_->queryStateDeltas(req.roomId, event->pos));
  std::map<StateKeyRef, std::string> state;
  for (const auto& d : deltas) {
    if (d.eventId) {
      state[d.key] = *d.eventId;
    } else {
      state.erase(d.key);
    }
  }
  std::set<std::string> senders{event->sender};
  for (const auto& e : before.events) senders.insert(e.sender);
  for (const auto& e : after.events) senders.insert(e.sender);
  std::vector<std::string> ids;
  for (const auto& [key, id] : state) {
    if (filter.lazyLoadMembers && key.type == "m.room.member" && !senders.count(key.stateKey)) {
      continue;
    }
    if (filter.lazyLoadMembers && key.type != "m.room.member") continue;
    ids.push_back(id);
  }
  PLEXUS_TRY(auto stateEvents, store_->queryEvents(ids));
  out.set("state", toClientEvents(stateEvents, opts));
  return out;
}

Result<json::Object> SyncService::queryEventForUser(const CallContext&, const std::string& userId,
                                                    const std::string& roomId,
                                                    const std::string& eventId) {
  PLEXUS_TRY(auto event, store_->queryEvent(eventId));
  if (!event || event->roomId != roomId) return fail(ErrorCode::kNotFound, "event not found");
  PLEXUS_TRY(Visibility vis, Visibility::load(*store_, roomId, userId));
  if (!vis.canSee(*event)) return fail(ErrorCode::kNotFound, "event not found");
  return toClientEvent(*event, clientOptions(userId, now()));
}

Result<json::Object> SyncService::queryRelations(const CallContext&, const RelationsRequest& req) {
  if (req.dir != 'b' && req.dir != 'f') return fail(ErrorCode::kInvalidParam, "dir must be b or f");
  const int limit = std::clamp(req.limit, 1, 1000);
  PLEXUS_TRY(Visibility vis, Visibility::load(*store_, req.roomId, req.userId));
  PLEXUS_TRY(auto parent, store_->queryEvent(req.eventId));
  if (!parent || parent->roomId != req.roomId || !vis.canSee(*parent)) {
    return fail(ErrorCode::kNotFound, "event not found");
  }
  const bool backwards = req.dir == 'b';
  std::optional<StreamToken> from, to;
  if (!req.from.empty()) {
    PLEXUS_TRY(from, StreamToken::parse(req.from));
  }
  if (!req.to.empty()) {
    PLEXUS_TRY(to, StreamToken::parse(req.to));
  }
  std::int64_t after = backwards ? (to ? to->stream : 0) : (from ? from->stream : 0);
  std::int64_t before = backwards ? (from ? from->stream + 1 : kMaxPos)
                                  : (to ? to->stream + 1 : kMaxPos);
  PLEXUS_TRY(auto events, store_->queryRelations(req.roomId, req.eventId, req.relType,
                                                 req.relType.empty() ? "" : req.eventType, after,
                                                 before, limit + 1, backwards));
  bool more = static_cast<int>(events.size()) > limit;
  if (more) events.resize(static_cast<std::size_t>(limit));
  std::vector<StoredEvent> visible;
  for (auto& e : events) {
    if (vis.canSee(e)) visible.push_back(std::move(e));
  }
  json::Object out;
  out.set("chunk", toClientEvents(visible, clientOptions(req.userId, now())));
  if (more && !events.empty()) {
    std::int64_t next = backwards ? events.back().pos - 1 : events.back().pos;
    out.set("next_batch", StreamToken{next, 0}.toString());
  }
  if (!req.from.empty()) out.set("prev_batch", req.from);
  return out;
}

Result<json::Object> SyncService::queryThreads(const CallContext&, const ThreadsRequest& req) {
  if (req.include != "all" && req.include != "participated") {
    return fail(ErrorCode::kInvalidParam, "include must be all or participated");
  }
  const int limit = std::clamp(req.limit, 1, 100);
  PLEXUS_TRY(Visibility vis, Visibility::load(*store_, req.roomId, req.userId));
  if (!vis.mayReadRoom()) return fail(ErrorCode::kForbidden, "you cannot read this room");
  std::int64_t before = kMaxPos;
  if (!req.from.empty()) {
    PLEXUS_TRY(StreamToken t, StreamToken::parse(req.from));
    before = t.stream;
  }
  PLEXUS_TRY(auto roots, store_->queryThreadRoots(req.roomId, before, limit));
  auto opts = clientOptions(req.userId, now());
  json::Array chunk;
  for (const auto& [rootId, latestPos] : roots) {
    PLEXUS_TRY(auto root, store_->queryEvent(rootId));
    if (!root || root->roomId != req.roomId || !vis.canSee(*root)) continue;
    PLEXUS_TRY(auto replies, store_->queryRelations(req.roomId, rootId, "m.thread", "", 0, kMaxPos,
                                                    1000, true));
    bool participated = root->sender == req.userId;
    for (const auto& r : replies) participated = participated || r.sender == req.userId;
    if (req.include == "participated" && !participated) continue;
    json::Object ev = toClientEvent(*root, opts);
    json::Object summary{{"count", static_cast<std::int64_t>(replies.size())},
                         {"current_user_participated", participated}};
    if (!replies.empty()) summary.set("latest_event", toClientEvent(replies.front(), opts));
    json::Value& unsignedObj = ev["unsigned"];
    if (!unsignedObj.isObject()) unsignedObj = json::Object{};
    unsignedObj.getObject()->set("m.relations", json::Object{{"m.thread", std::move(summary)}});
    chunk.emplace_back(std::move(ev));
  }
  json::Object out;
  out.set("chunk", std::move(chunk));
  if (static_cast<int>(roots.size()) == limit) {
    out.set("next_batch", StreamToken{roots.back().second, 0}.toString());
  }
  return out;
}

}  // namespace plexus::syncapi
