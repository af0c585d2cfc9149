// SyncService::performSearch — POST /search over the room_events category.
// NOTSPEC: matching is a case-insensitive substring match of every word of the term (SQL
// LIKE on a body column, the same on SQLite and PostgreSQL) and results are ordered by recency
// for both order_by values (rank is reported as 1.0); full-text indexes (FTS5, tsvector) can
// replace SyncStore::querySearch without changing this code.
#include <algorithm>
#include <cctype>
#include <limits>

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
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  if (!nextBatch.empty()) {
    PLEXUS_TRY(StreamToken t, StreamToken::parse(nextBatch));
    before = t.stream;
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
  // Query on the longest word, then require every word.
  const std::string& probe = *std::max_element(
      termWords.begin(), termWords.end(),
      [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  std::map<std::string, Visibility> visibility;
  std::vector<StoredEvent> hits;
  bool more = false;
  std::int64_t cursor = before;
  for (int round = 0; round < 20 && !more; ++round) {
    PLEXUS_TRY(auto batch, store_->querySearch(roomIds, probe, cursor, 100));
    for (auto& e : batch) {
      cursor = e.pos;
      if (!types.count(e.type) || !filter.matches(e.type, e.sender)) continue;
      std::string text = lowered(e.body.value_or(""));
      bool all = std::all_of(termWords.begin(), termWords.end(),
                             [&](const std::string& w) { return text.find(w) != std::string::npos; });
      if (!all) continue;
      auto vis = visibility.find(e.roomId);
      if (vis == visibility.end()) {
        PLEXUS_TRY(Visibility v, Visibility::load(*store_, e.roomId, userId));
        vis = visibility.emplace(e.roomId, std::move(v)).first;
      }
      if (!vis->second.canSee(e)) continue;
      if (static_cast<int>(hits.size()) == limit) {
        more = true;
        break;
      }
      hits.push_back(std::move(e));
    }
    if (batch.size() < 100) break;
  }

  ClientEventOptions opts;
  opts.userId = userId;
  opts.nowMs = now();
  json::Array results;
  for (const auto& e : hits) {
    json::Object result{{"rank", 1.0}, {"result", toClientEvent(e, opts)}};
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
                             {"count", static_cast<std::int64_t>(hits.size())},
                             {"highlights", std::move(highlights)}};
  if (more && !hits.empty()) {
    roomEventsOut.set("next_batch", StreamToken{hits.back().pos, 0}.toString());
  }
  return json::Object{{"search_categories", json::Object{{"room_events", std::move(roomEventsOut)}}}};
}

}  // namespace plexus::syncapi
