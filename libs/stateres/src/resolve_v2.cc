// State resolution v2 (room versions 2-11) and v2.1 (room version 12, MSC4297): the resolver's
// entry point, the partition into unconflicted and conflicted state, the two orderings and the
// iterative auth checks.
#include <algorithm>
#include <queue>
#include <tuple>

#include "graph_auth_state.h"
#include "resolver_impl.h"

namespace plexus::stateres {

StateResolver::StateResolver(const EventGraph& graph) : impl_(std::make_unique<Impl>(graph)) {}
StateResolver::~StateResolver() = default;

Result<StateSet> StateResolver::resolve(std::span<const StateSet* const> states) {
  return impl_->resolve(states);
}
std::vector<EventIdx> StateResolver::authChain(EventIdx event) { return impl_->authChain(event); }
const ResolveStats& StateResolver::lastStats() const { return impl_->stats; }

Result<StateSet> StateResolver::Impl::resolve(std::span<const StateSet* const> states) {
  stats = {};
  if (states.empty()) return StateSet{};
  if (states.size() == 1) return *states[0];
  if (graph_.roomVersion().stateRes == events::StateResAlgorithm::kV1) return resolveV1(states);
  return resolveV2(states);
}

void StateResolver::Impl::partition(std::span<const StateSet* const> states, StateSet& unconflicted,
                                    std::vector<EventIdx>& conflicted) {
  std::size_t bound = 0;
  for (const StateSet* s : states) bound = std::max(bound, s->keyBound());
  std::uint32_t seen = newEpoch();
  for (std::size_t k = 0; k < bound; ++k) {
    auto key = static_cast<KeyIdx>(k);
    EventIdx first = states[0]->get(key);
    bool same = true;
    for (std::size_t i = 1; i < states.size() && same; ++i) same = states[i]->get(key) == first;
    if (same) {
      if (first != kNoEvent) unconflicted.set(key, first);
      continue;
    }
    for (const StateSet* s : states) {
      EventIdx e = s->get(key);
      if (e != kNoEvent && !marked(e, seen)) {
        mark(e, seen);
        conflicted.push_back(e);
      }
    }
  }
}

Result<StateSet> StateResolver::Impl::resolveV2(std::span<const StateSet* const> states) {
  const bool v21 = graph_.roomVersion().stateRes == events::StateResAlgorithm::kV2_1;
  StateSet unconflicted;
  std::vector<EventIdx> conflicted;
  partition(states, unconflicted, conflicted);
  stats.conflictedEvents = conflicted.size();
  if (conflicted.empty()) return unconflicted;

  // Full conflicted set: conflicted state, auth difference and (v2.1) the conflicted subgraph.
  std::vector<EventIdx> full = conflicted;
  PLEXUS_TRY_VOID(authDifference(states, unconflicted, full));
  if (v21) PLEXUS_TRY_VOID(conflictedSubgraph(conflicted, full));
  std::vector<bool> inFull(graph_.size(), false);
  std::vector<EventIdx> unique;
  unique.reserve(full.size());
  for (EventIdx e : full) {
    if (inFull[e]) continue;
    if (!graph_.pdu(e)) return fail(ErrorCode::kNotFound, "missing event " + std::string(graph_.eventId(e)));
    inFull[e] = true;
    unique.push_back(e);
  }
  full = std::move(unique);
  stats.fullConflictedSet = full.size();

  // Step 1: the power events and the part of their auth chains inside the full conflicted set.
  // SPEC (v12 wording of step 1; v2 says "the union of their auth chains"): the walk follows
  // auth edges between events of the full conflicted set, as the reference implementation does.
  std::uint32_t inPower = newEpoch();
  std::vector<EventIdx> power;
  for (EventIdx e : full) {
    if (!graph_.isPowerEvent(e) || marked(e, inPower)) continue;
    stack_.assign(1, e);
    while (!stack_.empty()) {
      EventIdx x = stack_.back();
      stack_.pop_back();
      if (marked(x, inPower)) continue;
      mark(x, inPower);
      power.push_back(x);
      for (EventIdx a : graph_.authEvents(x)) {
        if (inFull[a] && !marked(a, inPower)) stack_.push_back(a);
      }
    }
  }
  std::vector<EventIdx> sortedPower = reverseTopologicalPowerOrder(power);
  stats.powerEventsSorted = sortedPower.size();

  // Step 2: iterative auth checks from the unconflicted state (v2) or from nothing (v2.1).
  StateSet partial = v21 ? StateSet{} : unconflicted;
  PLEXUS_TRY_VOID(iterativeAuthChecks(sortedPower, partial));

  // Steps 3-4: the other events by mainline order, then auth checks again.
  std::vector<EventIdx> others;
  std::vector<bool> picked(graph_.size(), false);
  for (EventIdx e : power) picked[e] = true;
  for (EventIdx e : full) {
    if (!picked[e]) others.push_back(e);
  }
  KeyIdx plKey = graph_.findKey("m.room.power_levels", "");
  EventIdx resolvedPl = plKey == kNoKey ? kNoEvent : partial.get(plKey);
  std::vector<EventIdx> sortedOthers = mainlineOrder(others, resolvedPl);
  stats.mainlineSorted = sortedOthers.size();
  PLEXUS_TRY_VOID(iterativeAuthChecks(sortedOthers, partial));

  // Step 5: the unconflicted state wins.
  for (std::size_t k = 0; k < unconflicted.keyBound(); ++k) {
    EventIdx e = unconflicted.get(static_cast<KeyIdx>(k));
    if (e != kNoEvent) partial.set(static_cast<KeyIdx>(k), e);
  }
  return partial;
}

std::int64_t StateResolver::Impl::senderPowerLevel(EventIdx event) {
  EventIdx create = graph_.createEvent();
  if (create == kNoEvent) return 0;
  EventIdx pl = graph_.powerLevelsAuthEvent(event);
  auto it = powerLevels_.find(pl);
  if (it == powerLevels_.end()) {
    auto levels = eventauth::PowerLevels::fromState(*graph_.pdu(create), pl == kNoEvent ? nullptr : graph_.pdu(pl));
    std::optional<eventauth::PowerLevels> value;
    if (levels.ok()) value = std::move(levels).value();
    it = powerLevels_.emplace(pl, std::move(value)).first;
  }
  if (!it->second) return 0;
  return it->second->userLevel(graph_.pdu(event)->sender());
}

std::vector<EventIdx> StateResolver::Impl::reverseTopologicalPowerOrder(std::span<const EventIdx> events) {
  // Kahn's algorithm from the events without auth events in the set, always taking the
  // smallest candidate: higher sender power first, then older origin_server_ts, then event ID.
  std::uint32_t inSet = newEpoch();
  for (EventIdx e : events) mark(e, inSet);
  struct Candidate {
    std::int64_t negPower;
    std::int64_t ts;
    std::string_view id;
    EventIdx event;
    bool operator>(const Candidate& o) const {
      return std::tie(negPower, ts, id) > std::tie(o.negPower, o.ts, o.id);
    }
  };
  std::unordered_map<EventIdx, std::vector<EventIdx>> citedBy;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> ready;
  auto candidate = [&](EventIdx e) {
    return Candidate{-senderPowerLevel(e), graph_.originServerTs(e), graph_.eventId(e), e};
  };
  for (EventIdx e : events) {
    std::uint32_t pending = 0;
    for (EventIdx a : graph_.authEvents(e)) {
      if (marked(a, inSet)) {
        ++pending;
        citedBy[a].push_back(e);
      }
    }
    counts_[e] = pending;
    if (pending == 0) ready.push(candidate(e));
  }
  std::vector<EventIdx> out;
  out.reserve(events.size());
  while (!ready.empty()) {
    EventIdx e = ready.top().event;
    ready.pop();
    out.push_back(e);
    auto it = citedBy.find(e);
    if (it == citedBy.end()) continue;
    for (EventIdx c : it->second) {
      if (--counts_[c] == 0) ready.push(candidate(c));
    }
  }
  for (EventIdx e : events) counts_[e] = 0;
  return out;  // shorter than `events` only if the auth edges had a cycle
}

std::vector<EventIdx> StateResolver::Impl::mainlineOrder(std::span<const EventIdx> events,
                                                         EventIdx powerLevels) {
  // rank: mainline length minus position, so that a later mainline event has a larger rank;
  // -1 for events whose PL chain never meets the mainline (position infinity sorts first).
  std::unordered_map<EventIdx, std::int64_t> rank;
  std::vector<EventIdx> mainline;
  for (EventIdx p = powerLevels; p != kNoEvent && !rank.count(p); p = graph_.powerLevelsAuthEvent(p)) {
    rank.emplace(p, 0);
    mainline.push_back(p);
  }
  for (std::size_t i = 0; i < mainline.size(); ++i) {
    rank[mainline[i]] = static_cast<std::int64_t>(mainline.size() - i);
  }
  // Closest mainline event: walk the PL auth events (not the event itself) until one is on the
  // mainline; remember the answer for every PL event passed on the way.
  std::unordered_map<EventIdx, std::int64_t> closest;
  std::vector<EventIdx> path;
  auto closestRank = [&](EventIdx e) -> std::int64_t {
    path.clear();
    std::int64_t found = -1;
    for (EventIdx p = graph_.powerLevelsAuthEvent(e); p != kNoEvent; p = graph_.powerLevelsAuthEvent(p)) {
      if (auto m = rank.find(p); m != rank.end()) {
        found = m->second;
        break;
      }
      if (auto c = closest.find(p); c != closest.end()) {
        found = c->second;
        break;
      }
      path.push_back(p);
      if (path.size() > graph_.size()) break;  // cycle guard
    }
    // A PL event's own closest mainline event is found from its auth events, like any event's,
    // so the answer for p is the answer for the walk below it.
    for (EventIdx p : path) closest.emplace(p, found);
    return found;
  };
  struct Keyed {
    std::int64_t rank;
    std::int64_t ts;
    std::string_view id;
    EventIdx event;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(events.size());
  for (EventIdx e : events) keyed.push_back({closestRank(e), graph_.originServerTs(e), graph_.eventId(e), e});
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.rank, a.ts, a.id) < std::tie(b.rank, b.ts, b.id);
  });
  std::vector<EventIdx> out;
  out.reserve(keyed.size());
  for (const Keyed& k : keyed) out.push_back(k.event);
  return out;
}

Status StateResolver::Impl::iterativeAuthChecks(std::span<const EventIdx> events, StateSet& state) {
  const bool addCreate = graph_.roomVersion().roomIdFromCreateEvent;
  for (EventIdx e : events) {
    const events::Pdu* pdu = graph_.pdu(e);
    if (!pdu) return fail(ErrorCode::kNotFound, "missing event " + std::string(graph_.eventId(e)));
    KeyIdx key = graph_.stateKey(e);
    if (key == kNoKey) continue;
    detail::GraphAuthState authState(graph_, &state, graph_.authEvents(e), addCreate);
    if (eventauth::checkAuth(*pdu, authState, authCache_).ok()) state.set(key, e);
  }
  return {};
}

}  // namespace plexus::stateres
