// Visibility: per-event history_visibility checks.
#include "syncapi/impl/visibility.h"

#include <limits>
#include <map>

#include "syncapi/impl/client_event.h"

namespace plexus::syncapi {
namespace {

std::string contentString(const StoredEvent& e, std::string_view key) {
  json::Object pdu = parseStored(e.json);
  const json::Value* content = pdu.find("content");
  auto v = content ? content->getStringAt(key) : std::nullopt;
  return v ? std::string(*v) : std::string{};
}

}  // namespace

Result<Visibility> Visibility::load(SyncStore& store, const std::string& roomId,
                                    const std::string& userId) {
  Visibility v;
  v.userId_ = userId;
  PLEXUS_TRY(auto deltas, store.queryStateDeltas(roomId, std::numeric_limits<std::int64_t>::max()));
  std::vector<std::string> ids;
  for (const auto& d : deltas) {
    bool hv = d.key.type == "m.room.history_visibility" && d.key.stateKey.empty();
    bool mine = d.key.type == "m.room.member" && d.key.stateKey == userId;
    if ((hv || mine) && d.eventId) ids.push_back(*d.eventId);
  }
  PLEXUS_TRY(auto events, store.queryEvents(ids));
  std::map<std::string, const StoredEvent*> byId;
  for (const auto& e : events) byId[e.eventId] = &e;
  for (const auto& d : deltas) {
    bool hv = d.key.type == "m.room.history_visibility" && d.key.stateKey.empty();
    bool mine = d.key.type == "m.room.member" && d.key.stateKey == userId;
    if (!hv && !mine) continue;
    std::string value;
    if (d.eventId) {
      auto it = byId.find(*d.eventId);
      if (it != byId.end()) value = contentString(*it->second, hv ? "history_visibility" : "membership");
    }
    if (hv) {
      v.visibility_.push_back({d.pos, value.empty() ? "shared" : value});
    } else {
      if (value.empty()) value = "leave";
      v.membership_.push_back({d.pos, value});
      if (value == "join") v.lastJoinPos_ = d.pos;
      v.currentMembership_ = value;
    }
  }
  return v;
}

std::string Visibility::valueBefore(const std::vector<Step>& steps, std::int64_t pos,
                                    const std::string& fallback) {
  std::string value = fallback;
  for (const auto& s : steps) {
    if (s.pos >= pos) break;
    value = s.value;
  }
  return value;
}

bool Visibility::canSee(const StoredEvent& event) const {
  // The user's own membership events are always visible to them.
  if (event.type == "m.room.member" && event.stateKey && *event.stateKey == userId_) return true;
  std::string hv = valueBefore(visibility_, event.pos, "shared");
  if (hv == "world_readable") return true;
  std::string membership = valueBefore(membership_, event.pos, "leave");
  if (membership == "join") return true;
  if (hv == "shared" && (currentMembership_ == "join" || lastJoinPos_ >= event.pos)) return true;
  if (hv == "invited" && (membership == "invite")) return true;
  return false;
}

bool Visibility::mayReadRoom() const {
  if (!membership_.empty()) return true;
  return !visibility_.empty() && visibility_.back().value == "world_readable";
}

}  // namespace plexus::syncapi
