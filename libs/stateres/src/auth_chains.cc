// Auth chains over the interned graph: one event's chain, the auth difference of a set of states
// and the v12 conflicted state subgraph. All walks are iterative (chains can be 100,000 deep)
// and use epoch marks, so no per-call clearing of arrays sized to the room.
#include <algorithm>

#include "resolver_impl.h"

namespace plexus::stateres {

std::uint32_t StateResolver::Impl::newEpoch() {
  if (marks_.size() < graph_.size()) marks_.resize(graph_.size(), 0);
  if (counts_.size() < graph_.size()) counts_.resize(graph_.size(), 0);
  if (++epoch_ == 0) {  // wrapped: clear once every 2^32 walks
    std::fill(marks_.begin(), marks_.end(), 0);
    epoch_ = 1;
  }
  return epoch_;
}

std::vector<EventIdx> StateResolver::Impl::authChain(EventIdx event) {
  std::uint32_t epoch = newEpoch();
  std::vector<EventIdx> out;
  stack_.assign(graph_.authEvents(event).begin(), graph_.authEvents(event).end());
  while (!stack_.empty()) {
    EventIdx e = stack_.back();
    stack_.pop_back();
    if (marked(e, epoch)) continue;
    mark(e, epoch);
    out.push_back(e);
    for (EventIdx a : graph_.authEvents(e)) {
      if (!marked(a, epoch)) stack_.push_back(a);
    }
  }
  return out;
}

Status StateResolver::Impl::authDifference(std::span<const StateSet* const> states,
                                           const StateSet& unconflicted,
                                           std::vector<EventIdx>& out) {
  // Every unconflicted event is in every state, so it and its auth chain are in every full auth
  // chain: mark that common region first, then walk each state's other events only until they
  // reach it. An event reached from some but not all states is in the difference.
  // SPEC v2 "Auth difference": the full auth chain of a state is taken to include the state's
  // own events (as the reference implementation computes it); this only matters for an
  // unconflicted event that some state's events cite and another's do not.
  std::uint32_t common = newEpoch();
  stack_.clear();
  for (std::size_t k = 0; k < unconflicted.keyBound(); ++k) {
    EventIdx e = unconflicted.get(static_cast<KeyIdx>(k));
    if (e != kNoEvent) stack_.push_back(e);
  }
  while (!stack_.empty()) {
    EventIdx e = stack_.back();
    stack_.pop_back();
    if (marked(e, common)) continue;
    mark(e, common);
    if (!graph_.pdu(e)) return fail(ErrorCode::kNotFound, "missing event " + std::string(graph_.eventId(e)));
    for (EventIdx a : graph_.authEvents(e)) {
      if (!marked(a, common)) stack_.push_back(a);
    }
  }
  // Each walk gets its own epoch; nodes of the common region keep the `common` mark because a
  // walk stops before marking them. counts_[e] = number of states whose walk reached e.
  std::vector<EventIdx> reached;
  std::vector<EventIdx> local;
  for (const StateSet* s : states) {
    local.clear();
    for (std::size_t k = 0; k < s->keyBound(); ++k) {
      EventIdx e = s->get(static_cast<KeyIdx>(k));
      if (e != kNoEvent && unconflicted.get(static_cast<KeyIdx>(k)) != e) local.push_back(e);
    }
    std::uint32_t walk = newEpoch();
    while (!local.empty()) {
      EventIdx e = local.back();
      local.pop_back();
      if (marked(e, walk) || marked(e, common)) continue;
      mark(e, walk);
      if (!graph_.pdu(e)) return fail(ErrorCode::kNotFound, "missing event " + std::string(graph_.eventId(e)));
      if (counts_[e]++ == 0) reached.push_back(e);
      for (EventIdx a : graph_.authEvents(e)) local.push_back(a);
    }
  }
  for (EventIdx e : reached) {
    if (counts_[e] < states.size()) out.push_back(e);
    counts_[e] = 0;
  }
  return {};
}

}  // namespace plexus::stateres

namespace plexus::stateres {

Status StateResolver::Impl::conflictedSubgraph(std::span<const EventIdx> conflicted,
                                               std::vector<EventIdx>& out) {
  // An event is on a path between two conflicted events when a conflicted event reaches it by
  // at least one auth edge and it reaches a conflicted event (itself included). Post-order DFS
  // from the conflicted events computes "reaches a conflicted event" for every event below them.
  std::uint32_t isConflicted = newEpoch();
  for (EventIdx c : conflicted) mark(c, isConflicted);
  // counts_: 0 unvisited, 1 on stack, 2 done and does not reach, 3 done and reaches.
  std::vector<EventIdx> visited;
  struct Frame {
    EventIdx event;
    std::uint32_t next;
  };
  std::vector<Frame> dfs;
  for (EventIdx root : conflicted) {
    if (counts_[root] != 0) continue;
    dfs.push_back({root, 0});
    counts_[root] = 1;
    visited.push_back(root);
    while (!dfs.empty()) {
      Frame& f = dfs.back();
      auto auth = graph_.authEvents(f.event);
      if (f.next < auth.size()) {
        EventIdx a = auth[f.next++];
        if (counts_[a] == 0) {
          if (!graph_.pdu(a)) return fail(ErrorCode::kNotFound, "missing event " + std::string(graph_.eventId(a)));
          counts_[a] = 1;
          visited.push_back(a);
          dfs.push_back({a, 0});
        }
        continue;
      }
      bool reaches = marked(f.event, isConflicted);
      for (EventIdx a : auth) reaches = reaches || counts_[a] == 3;
      counts_[f.event] = reaches ? 3 : 2;
      dfs.pop_back();
    }
  }
  // Below a conflicted event means: reached as someone's auth event during the walks, which is
  // every visited event except roots that nothing visited cites. A conflicted root is already in
  // the full conflicted set, so only non-conflicted visited events that reach one are added.
  for (EventIdx e : visited) {
    if (counts_[e] == 3 && !marked(e, isConflicted)) out.push_back(e);
    counts_[e] = 0;
  }
  return {};
}

}  // namespace plexus::stateres
