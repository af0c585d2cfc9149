// EventGraph: interning of event IDs and state keys, and the per-event facts the resolution
// algorithms read (kind, power event, auth and prev edges).
#include "plexus/stateres/event_graph.h"

#include "parallel.h"
#include "plexus/stateres/state_set.h"

namespace plexus::stateres {

namespace {

EventKind kindOf(std::string_view type) {
  if (type == "m.room.member") return EventKind::kMember;
  if (type == "m.room.power_levels") return EventKind::kPowerLevels;
  if (type == "m.room.join_rules") return EventKind::kJoinRules;
  if (type == "m.room.create") return EventKind::kCreate;
  return EventKind::kOther;
}

}  // namespace

EventGraph::EventGraph(const events::RoomVersion& version) : version_(&version) {}

EventIdx EventGraph::find(std::string_view eventId) const {
  auto it = index_.find(eventId);
  return it == index_.end() ? kNoEvent : it->second;
}

EventIdx EventGraph::intern(std::string_view eventId) {
  auto it = index_.find(eventId);
  if (it != index_.end()) return it->second;
  auto idx = static_cast<EventIdx>(nodes_.size());
  const std::string& stored = ids_.emplace_back(eventId);
  nodes_.emplace_back();
  index_.emplace(std::string_view(stored), idx);
  return idx;
}

Result<EventIdx> EventGraph::add(events::Pdu pdu) {
  EventIdx existing = find(pdu.eventId());
  if (existing != kNoEvent && nodes_[existing].pdu) {
    return fail(ErrorCode::kBadJson, "duplicate event " + pdu.eventId());
  }
  const events::Pdu* stored = &owned_.emplace_back(std::move(pdu));
  return attach(stored, prepare(*stored));
}

Result<EventIdx> EventGraph::addBorrowed(const events::Pdu& pdu) {
  EventIdx existing = find(pdu.eventId());
  if (existing != kNoEvent && nodes_[existing].pdu) {
    return fail(ErrorCode::kBadJson, "duplicate event " + pdu.eventId());
  }
  return attach(&pdu, prepare(pdu));
}

Result<std::vector<EventIdx>> EventGraph::addAll(std::vector<events::Pdu> pdus, unsigned threads) {
  const std::vector<events::Pdu>& stored = ownedBlocks_.emplace_back(std::move(pdus));
  std::vector<Prepared> prepared(stored.size());
  detail::parallelFor(stored.size(), detail::threadCount(threads, stored.size()),
                      [&](std::size_t begin, std::size_t end) {
                        for (std::size_t i = begin; i < end; ++i) prepared[i] = prepare(stored[i]);
                      });
  std::vector<EventIdx> out;
  out.reserve(stored.size());
  index_.reserve(index_.size() + stored.size() * 2);
  nodes_.reserve(nodes_.size() + stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EventIdx existing = find(stored[i].eventId());
    if (existing != kNoEvent && nodes_[existing].pdu) {
      return fail(ErrorCode::kBadJson, "duplicate event " + stored[i].eventId());
    }
    PLEXUS_TRY(EventIdx e, attach(&stored[i], std::move(prepared[i])));
    out.push_back(e);
  }
  return out;
}

EventGraph::Prepared EventGraph::prepare(const events::Pdu& pdu) {
  Prepared p;
  p.auth = pdu.authEvents();
  p.prev = pdu.prevEvents();
  p.ts = pdu.originServerTs();
  p.type = pdu.type();
  p.stateKey = pdu.stateKey();
  if (!p.stateKey) return p;
  p.kind = kindOf(p.type);
  if (p.kind == EventKind::kPowerLevels || p.kind == EventKind::kJoinRules) {
    p.powerEvent = true;
  } else if (p.kind == EventKind::kMember) {
    // SPEC (v2 "Power events"): a leave or ban whose sender is not the target.
    auto membership = pdu.membership();
    p.powerEvent = membership && (*membership == "leave" || *membership == "ban") && pdu.sender() != *p.stateKey;
  }
  return p;
}

Result<EventIdx> EventGraph::attach(const events::Pdu* pdu, Prepared p) {
  if (pdu->roomVersion().id != version_->id) {
    return fail(ErrorCode::kBadJson, "event " + pdu->eventId() + " has another room version");
  }
  if (p.auth.size() > 0xffff || p.prev.size() > 0xffff) {
    return fail(ErrorCode::kBadJson, "event " + pdu->eventId() + " has too many edges");
  }
  EventIdx idx = intern(pdu->eventId());
  auto authBegin = static_cast<std::uint32_t>(authEdges_.size());
  for (std::string_view a : p.auth) authEdges_.push_back(intern(a));
  auto prevBegin = static_cast<std::uint32_t>(prevEdges_.size());
  for (std::string_view v : p.prev) prevEdges_.push_back(intern(v));

  Node& n = nodes_[idx];
  n.pdu = pdu;
  n.authBegin = authBegin;
  n.authCount = static_cast<std::uint16_t>(p.auth.size());
  n.prevBegin = prevBegin;
  n.prevCount = static_cast<std::uint16_t>(p.prev.size());
  n.ts = p.ts;
  if (p.stateKey) {
    n.key = internKey(p.type, *p.stateKey);
    n.kind = p.kind;
    n.powerEvent = p.powerEvent;
    if (n.kind == EventKind::kCreate && p.stateKey->empty() && create_ == kNoEvent) create_ = idx;
  }
  return idx;
}

EventIdx EventGraph::powerLevelsAuthEvent(EventIdx e) const {
  for (EventIdx a : authEvents(e)) {
    if (nodes_[a].kind == EventKind::kPowerLevels && pdu(a) && pdu(a)->stateKey() == "") return a;
  }
  return kNoEvent;
}

KeyIdx EventGraph::findKey(std::string_view type, std::string_view stateKey) const {
  auto it = keyIndex_.find(KeyRef{type, stateKey});
  return it == keyIndex_.end() ? kNoKey : it->second;
}

KeyIdx EventGraph::internKey(std::string_view type, std::string_view stateKey) {
  auto it = keyIndex_.find(KeyRef{type, stateKey});
  if (it != keyIndex_.end()) return it->second;
  auto idx = static_cast<KeyIdx>(keyTypes_.size());
  std::string name;
  name.reserve(type.size() + 1 + stateKey.size());
  name.append(type).push_back('\0');
  name.append(stateKey);
  const std::string& stored = keyNames_.emplace_back(std::move(name));
  keyTypes_.push_back(static_cast<std::uint32_t>(type.size()));
  std::string_view view(stored);
  keyIndex_.emplace(KeyRef{view.substr(0, type.size()), view.substr(type.size() + 1)}, idx);
  return idx;
}

std::size_t StateSet::count() const {
  std::size_t n = 0;
  for (EventIdx e : byKey_) n += e != kNoEvent;
  return n;
}

bool operator==(const StateSet& a, const StateSet& b) {
  std::size_t common = std::min(a.byKey_.size(), b.byKey_.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (a.byKey_[i] != b.byKey_[i]) return false;
  }
  for (std::size_t i = common; i < a.byKey_.size(); ++i) {
    if (a.byKey_[i] != kNoEvent) return false;
  }
  for (std::size_t i = common; i < b.byKey_.size(); ++i) {
    if (b.byKey_[i] != kNoEvent) return false;
  }
  return true;
}

}  // namespace plexus::stateres
