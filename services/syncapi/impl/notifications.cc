// SyncService: GET /notifications (the rows stored while counting unread events) and
// timestamp_to_event.
#include <algorithm>
#include <limits>

#include "plexus/json/parse.h"
#include "syncapi/impl/client_event.h"
#include "syncapi/impl/sync_service.h"
#include "syncapi/impl/visibility.h"

namespace plexus::syncapi {

Result<json::Object> SyncService::queryNotifications(const CallContext&, const std::string& userId,
                                                     const std::string& from, int limit,
                                                     const std::string& only) {
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  if (!from.empty()) {
    PLEXUS_TRY(StreamToken t, StreamToken::parse(from));
    before = t.stream;
  }
  limit = std::clamp(limit, 1, 100);
  PLEXUS_TRY(auto rows, store_->queryNotificationEvents(userId, before, only == "highlight",
                                                        limit + 1));
  bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.resize(static_cast<std::size_t>(limit));
  ClientEventOptions opts;
  opts.userId = userId;
  opts.nowMs = now();
  json::Array list;
  for (const auto& row : rows) {
    // SPEC: notifications.yaml — actions are those of the push rule that matched when the
    // event arrived; read says whether a read receipt has covered it since; ts is when the
    // notification was made.
    auto actions = json::parse(row.actions);
    list.emplace_back(json::Object{
        {"actions", actions.ok() && actions->isArray() ? std::move(*actions) : json::Array{}},
        {"event", toClientEvent(row.event, opts)},
        {"read", row.read},
        {"room_id", row.event.roomId},
        {"ts", row.ts > 0 ? row.ts : row.event.originTs}});
  }
  json::Object out{{"notifications", std::move(list)}};
  if (more && !rows.empty()) out.set("next_token", StreamToken{rows.back().event.pos, 0}.toString());
  return out;
}

Result<json::Object> SyncService::queryTimestampToEvent(const CallContext&,
                                                        const std::string& userId,
                                                        const std::string& roomId,
                                                        std::int64_t ts, char dir) {
  if (dir != 'f' && dir != 'b') return fail(ErrorCode::kInvalidParam, "dir must be f or b");
  PLEXUS_TRY(Visibility vis, Visibility::load(*store_, roomId, userId));
  if (!vis.mayReadRoom()) return fail(ErrorCode::kForbidden, "you cannot read this room");
  PLEXUS_TRY(auto events, store_->queryEventsByTimestamp(roomId, ts, dir == 'f', 50));
  for (const auto& e : events) {
    if (!vis.canSee(e)) continue;
    return json::Object{{"event_id", e.eventId}, {"origin_server_ts", e.originTs}};
  }
  return fail(ErrorCode::kNotFound, "no event found");
}

}  // namespace plexus::syncapi
