// StateResolver::Impl: the working memory of state resolution (marks over event indices reused
// between calls, power-level caches) and the steps of the algorithms, split over
// auth_chains.cc (auth chains, auth difference, conflicted subgraph), resolve_v2.cc and
// resolve_v1.cc.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "plexus/eventauth/event_auth.h"
#include "plexus/eventauth/power_levels.h"
#include "plexus/stateres/resolver.h"

namespace plexus::stateres {

class StateResolver::Impl {
 public:
  explicit Impl(const EventGraph& graph) : graph_(graph) {}

  Result<StateSet> resolve(std::span<const StateSet* const> states);
  std::vector<EventIdx> authChain(EventIdx event);

  ResolveStats stats;

 private:
  // Splits the states (SPEC v2 "Unconflicted state map and conflicted state set"): a key with
  // the same event in every state is unconflicted; otherwise each of its events is conflicted.
  void partition(std::span<const StateSet* const> states, StateSet& unconflicted,
                 std::vector<EventIdx>& conflicted);
  // SPEC v2 "Auth difference", appended to `out`.
  Status authDifference(std::span<const StateSet* const> states, const StateSet& unconflicted,
                        std::vector<EventIdx>& out);
  // SPEC v12 "Conflicted state subgraph" (minus the conflicted events), appended to `out`.
  Status conflictedSubgraph(std::span<const EventIdx> conflicted, std::vector<EventIdx>& out);

  Result<StateSet> resolveV2(std::span<const StateSet* const> states);
  Result<StateSet> resolveV1(std::span<const StateSet* const> states);

  // SPEC v2 "Reverse topological power ordering" of `events` (edges: auth events in the set).
  std::vector<EventIdx> reverseTopologicalPowerOrder(std::span<const EventIdx> events);
  // SPEC v2 "Mainline ordering" of `events` based on the power levels event `powerLevels`.
  std::vector<EventIdx> mainlineOrder(std::span<const EventIdx> events, EventIdx powerLevels);
  // SPEC v2 "Iterative auth checks".
  Status iterativeAuthChecks(std::span<const EventIdx> events, StateSet& state);

  // The power level of the event's sender according to its own auth events.
  std::int64_t senderPowerLevel(EventIdx event);

  // Fresh mark epoch over every event index; marks_[e] == epoch means "marked".
  std::uint32_t newEpoch();
  bool marked(EventIdx e, std::uint32_t epoch) const { return marks_[e] == epoch; }
  void mark(EventIdx e, std::uint32_t epoch) { marks_[e] = epoch; }

  const EventGraph& graph_;
  std::vector<std::uint32_t> marks_;
  std::uint32_t epoch_ = 0;
  std::vector<std::uint32_t> counts_;  // per event, scratch
  std::vector<EventIdx> stack_;        // scratch
  eventauth::PowerLevelsCache authCache_;
  std::unordered_map<EventIdx, std::optional<eventauth::PowerLevels>> powerLevels_;
};

}  // namespace plexus::stateres
