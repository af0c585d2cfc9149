// State resolution v1 (room version 1, spec rooms/v1 "State resolution"): keys with one event
// across the states pass through; conflicts are settled by type in the order power levels, join
// rules, members, then everything else, each checked against the state resolved so far.
#include <algorithm>

#include "graph_auth_state.h"
#include "resolver_impl.h"
#include "sha1.h"

namespace plexus::stateres {

namespace {

struct Ranked {
  std::int64_t depth;
  std::array<std::uint8_t, 20> hash;
  EventIdx event;
};

}  // namespace

Result<StateSet> StateResolver::Impl::resolveV1(std::span<const StateSet* const> states) {
  std::size_t bound = 0;
  for (const StateSet* s : states) bound = std::max(bound, s->keyBound());
  // R starts as the union of the states without the conflicting keys. SPEC: a conflict is
  // different event IDs for one key; a key missing from some states does not conflict.
  StateSet resolved;
  std::vector<std::pair<KeyIdx, std::vector<EventIdx>>> conflicts;
  for (std::size_t k = 0; k < bound; ++k) {
    auto key = static_cast<KeyIdx>(k);
    std::vector<EventIdx> values;
    for (const StateSet* s : states) {
      EventIdx e = s->get(key);
      if (e != kNoEvent && std::find(values.begin(), values.end(), e) == values.end()) values.push_back(e);
    }
    if (values.size() == 1) resolved.set(key, values[0]);
    if (values.size() > 1) conflicts.emplace_back(key, std::move(values));
  }
  stats.conflictedEvents = 0;
  for (auto& c : conflicts) stats.conflictedEvents += c.second.size();
  if (conflicts.empty()) return resolved;

  auto rank = [&](EventIdx e) -> Result<Ranked> {
    const events::Pdu* pdu = graph_.pdu(e);
    if (!pdu) return fail(ErrorCode::kNotFound, "missing event " + std::string(graph_.eventId(e)));
    return Ranked{pdu->depth(), detail::sha1(graph_.eventId(e)), e};
  };
  auto allowed = [&](EventIdx e) {
    detail::GraphAuthState authState(graph_, &resolved, {}, false);
    return eventauth::checkAuth(*graph_.pdu(e), authState, authCache_).ok();
  };
  auto order = [&](KeyIdx key) {
    std::string_view type = graph_.keyType(key);
    if (type == "m.room.power_levels") return 0;
    if (type == "m.room.join_rules") return 1;
    if (type == "m.room.member") return 2;
    return 3;
  };
  std::stable_sort(conflicts.begin(), conflicts.end(), [&](const auto& a, const auto& b) {
    int oa = order(a.first), ob = order(b.first);
    if (oa != ob) return oa < ob;
    return graph_.keyStateKey(a.first) < graph_.keyStateKey(b.first);
  });

  for (auto& [key, values] : conflicts) {
    std::vector<Ranked> ranked;
    for (EventIdx e : values) {
      PLEXUS_TRY(Ranked r, rank(e));
      ranked.push_back(r);
    }
    if (order(key) < 3) {
      // Ascending depth, then descending sha1(event_id); the first is taken, each next one
      // replaces it while it passes auth against R, and the first failure ends the key.
      std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
        if (a.depth != b.depth) return a.depth < b.depth;
        return a.hash > b.hash;
      });
      resolved.set(key, ranked[0].event);
      for (std::size_t i = 1; i < ranked.size(); ++i) {
        if (!allowed(ranked[i].event)) break;
        resolved.set(key, ranked[i].event);
      }
    } else {
      // Highest depth, then lowest sha1(event_id), that passes auth in R. NOTSPEC: the spec
      // does not say what happens when none passes; like the reference server, take the last
      // candidate tried so that the key keeps a value.
      std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
        if (a.depth != b.depth) return a.depth > b.depth;
        return a.hash < b.hash;
      });
      EventIdx chosen = ranked.back().event;
      for (const Ranked& r : ranked) {
        if (allowed(r.event)) {
          chosen = r.event;
          break;
        }
      }
      resolved.set(key, chosen);
    }
  }
  return resolved;
}

}  // namespace plexus::stateres
