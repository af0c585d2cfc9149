// SyncService::performSearch — POST /search over the room_events category, on the store's
// full-text index (SQLite FTS5 / PostgreSQL tsvector). order_by "rank" (the default) pages by
// offset into the ranked hits (next_batch "o<offset>"), "recent" by stream position
// (next_batch is a stream token). Hits the user may not see (history visibility) or the filter
// excludes are skipped after the index lookup, so `count` is the index's count (the spec calls
// it approximate).
#include <algorithm>
#include <cctype>

#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"
#include "syncapi/impl/visibility.h"

namespace plexus::syncapi {
namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> words(std::string_view term) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : term) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(lowered(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(lowered(cur));
  return out;
}

}  // namespace

Result<json::Object> SyncService::performSearch(const CallContext&, const std::string& userId,
                                                const json::Object& body,
                                                const std::string& nextBatch) {
  const json::Value* categories = body.find("search_categories");
  const json::Value* roomEvents = categories ? categories->get("room_events") : nullptr;
  const json::Object* criteria = roomEvents ? roomEvents->getObject() : nullptr;
  if (!criteria) return fail(ErrorCode::kBadJson, "search_categories.room_events is required");
  const json::Value* termValue = criteria->find("search_term");
  const std::string* term = termValue ? termValue->getString() : nullptr;
  if (!term) return fail(ErrorCode::kBadJson, "search_term must be a string");
  auto termWords = words(*term);
  if (termWords.empty()) return fail(ErrorCode::kBadJson, "search_term is empty");

  std::set<std::string> types{"m.room.message", "m.room.name", "m.room.topic"};
  if (const json::Value* keys = criteria->find("keys")) {
    const json::Array* a = keys->getArray();
    if (!a) return fail(ErrorCode::kBadJson, "keys must be an array");
    types.clear();
    for (const auto& k : *a) {
      const std::string* s = k.getString();
      if (!s) return fail(ErrorCode::kBadJson, "keys must be strings");
      if (*s == "content.body") types.insert("m.room.message");
      if (*s == "content.name") types.insert("m.room.name");
      if (*s == "content.topic") types.insert("m.room.topic");
    }
  }
  EventFilter filter;
  if (const json::Value* f = criteria->find("filter"); f && !f->isNull()) {
    if (!f->isObject()) return fail(ErrorCode::kBadJson, "filter must be an object");
    PLEXUS_TRY(filter, parseEventFilter(*f->getObject()));
  }
  const int limit = std::clamp(filter.limit.value_or(10), 1, 100);
  bool byRank = true;  // SPEC: order_by defaults to "rank"
  if (const json::Value* order = criteria->find("order_by"); order && !order->isNull()) {
    const std::string* o = order->getString();
    if (!o || (*o != "rank" && *o != "recent")) {
      return fail(ErrorCode::kBadJson, "order_by must be rank or recent");
    }
    byRank = *o == "rank";
  }
  std::int64_t before = 0;
  std::int64_t offset = 0;
  if (!nextBatch.empty()) {
    if (byRank) {
      if (nextBatch.size() < 2 || nextBatch[0] != 'o' || nextBatch.size() > 12) {
        return fail(ErrorCode::kInvalidParam, "bad next_batch");
      }
      for (std::size_t i = 1; i < nextBatch.size(); ++i) {
        if (nextBatch[i] < '0' || nextBatch[i] > '9') {
          return fail(ErrorCode::kInvalidParam, "bad next_batch");
        }
        offset = offset * 10 + (nextBatch[i] - '0');
      }
    } else {
      PLEXUS_TRY(StreamToken t, StreamToken::parse(nextBatch));
      before = t.stream;
    }
  }
  int beforeLimit = 5, afterLimit = 5;
  bool wantContext = false;
  if (const json::Value* ctx = criteria->find("event_context"); ctx && ctx->isObject()) {
    wantContext = true;
    if (auto n = ctx->get("before_limit") ? ctx->get("before_limit")->getInt() : std::nullopt) {
      beforeLimit = static_cast<int>(std::clamp<std::int64_t>(*n, 0, 20));
    }
    if (auto n = ctx->get("after_limit") ? ctx->get("after_limit")->getInt() : std::nullopt) {
      afterLimit = static_cast<int>(std::clamp<std::int64_t>(*n, 0, 20));
    }
  }

  std::vector<std::string> roomIds;
  for (const auto& r : rooms_.joinedRooms(userId)) {
    if (filter.allowsRoom(r)) roomIds.push_back(r);
  }
  SearchQuery query;
  query.roomIds = std::move(roomIds);
  query.types.assign(types.begin(), types.end());
  query.term = *term;
  query.byRank = byRank;
  query.beforePos = before;
  query.offset = offset;
  query.limit = 100;
  std::map<std::string, Visibility> visibility;
  std::vector<SearchHit> hits;
  bool more = false;
  std::int64_t nextOffset = offset;  // rank order: rows consumed so far
  for (int round = 0; round < 20 && !more; ++round) {
    PLEXUS_TRY(auto batch, store_->querySearch(query));
    for (auto& hit : batch) {
      const StoredEvent& e = hit.event;
      if (static_cast<int>(hits.size()) == limit) {
        more = true;
        break;
      }
      ++nextOffset;
      query.beforePos = e.pos;
      if (!filter.matches(e.type, e.sender)) continue;
      auto vis = visibility.find(e.roomId);
      if (vis == visibility.end()) {
        PLEXUS_TRY(Visibility v, Visibility::load(*store_, e.roomId, userId));
        vis = visibility.emplace(e.roomId, std::move(v)).first;
      }
      if (!vis->second.canSee(e)) continue;
      hits.push_back(std::move(hit));
    }
    if (batch.size() < static_cast<std::size_t>(query.limit)) break;
    query.offset = nextOffset;
  }
  PLEXUS_TRY(std::int64_t count, store_->querySearchCount(query));

  ClientEventOptions opts;
  opts.userId = userId;
  opts.nowMs = now();
  json::Array results;
  for (const auto& hit : hits) {
    const StoredEvent& e = hit.event;
    json::Object result{{"rank", hit.rank}, {"result", toClientEvent(e, opts)}};
    if (wantContext) {
      ContextRequest creq;
      creq.userId = userId;
      creq.roomId = e.roomId;
      creq.eventId = e.eventId;
      creq.limit = beforeLimit + afterLimit;
      auto ctx = queryContext(CallContext{}, creq);
      if (ctx.ok()) {
        json::Object context;
        context.set("events_before", ctx->find("events_before") ? *ctx->find("events_before") : json::Array{});
        context.set("events_after", ctx->find("events_after") ? *ctx->find("events_after") : json::Array{});
        if (const json::Value* s = ctx->find("start")) context.set("start", *s);
        if (const json::Value* s = ctx->find("end")) context.set("end", *s);
        result.set("context", std::move(context));
      }
    }
    results.emplace_back(std::move(result));
  }
  json::Array highlights;
  for (const auto& w : termWords) highlights.emplace_back(w);
  json::Object roomEventsOut{{"results", std::move(results)},
                             {"count", count},
                             {"highlights", std::move(highlights)}};
  if (more && !hits.empty()) {
    roomEventsOut.set("next_batch", byRank ? "o" + std::to_string(nextOffset)
                                           : StreamToken{hits.back().event.pos, 0}.toString());
  }
  return json::Object{{"search_categories", json::Object{{"room_events", std::move(roomEventsOut)}}}};
}

}  // namespace plexus::syncapi
