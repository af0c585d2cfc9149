// State resolution: the resolution of a set of room states, with the algorithm of the room
// version (v1 for room version 1, v2 for 2-11, v2.1 for 12; spec: "State resolution" of each
// room version).
//
// Two entry points:
//  - StateResolver works on an EventGraph and StateSets (interned integers); it is what state
//    replay and servers resolving large rooms use.
//  - resolveState works on string maps and fetches events through an EventSource; it builds a
//    temporary graph of the events it needs.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/events/room_version.h"
#include "plexus/stateres/event_graph.h"
#include "plexus/stateres/state_set.h"

namespace plexus::stateres {

// Counters of the last resolution, for tests and benchmarks.
struct ResolveStats {
  std::size_t conflictedEvents = 0;
  std::size_t fullConflictedSet = 0;
  std::size_t powerEventsSorted = 0;
  std::size_t mainlineSorted = 0;
};

class StateResolver {
 public:
  // The graph must outlive the resolver and hold every event of the states and their auth
  // chains. Rejected flags in the graph are honoured (rejected auth events are not used).
  explicit StateResolver(const EventGraph& graph);
  ~StateResolver();
  StateResolver(const StateResolver&) = delete;
  StateResolver& operator=(const StateResolver&) = delete;

  // Resolves the states. One state resolves to itself; none to the empty state.
  // Errors: kNotFound when an event of a state or of an auth chain is missing from the graph.
  Result<StateSet> resolve(std::span<const StateSet* const> states);

  // The auth chain of one event (every event reachable by auth_events edges, not the event
  // itself), in no particular order.
  std::vector<EventIdx> authChain(EventIdx event);

  const ResolveStats& lastStats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// --- String interface ---------------------------------------------------------------------

// (type, state_key) -> event ID.
using StateKey = std::pair<std::string, std::string>;
using StateMap = std::map<StateKey, std::string>;

// Finds events by ID for resolveState.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // The event, or nullptr when unknown. The event must stay valid during resolveState.
  virtual const events::Pdu* find(std::string_view eventId) const = 0;
  // True when the event was rejected (it is then not used as an auth event).
  virtual bool isRejected(std::string_view eventId) const {
    (void)eventId;
    return false;
  }
};

// Resolves string state maps. Errors: kNotFound when an event (of a state or an auth chain) is
// unknown to `source`.
Result<StateMap> resolveState(const events::RoomVersion& version, std::span<const StateMap> stateSets,
                              const EventSource& source);

}  // namespace plexus::stateres
