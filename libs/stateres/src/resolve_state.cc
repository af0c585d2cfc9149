// resolveState: the string-map interface. Builds a graph of the states' events and their auth
// chains from the EventSource (borrowing the events), resolves, and maps the result back.
#include "plexus/stateres/resolver.h"

namespace plexus::stateres {

Result<StateMap> resolveState(const events::RoomVersion& version, std::span<const StateMap> stateSets,
                              const EventSource& source) {
  EventGraph graph(version);
  std::vector<std::string_view> pending;
  auto need = [&](std::string_view id) -> Status {
    if (graph.find(id) != kNoEvent && graph.pdu(graph.find(id))) return {};
    const events::Pdu* pdu = source.find(id);
    if (!pdu) return fail(ErrorCode::kNotFound, "missing event " + std::string(id));
    PLEXUS_TRY(EventIdx e, graph.addBorrowed(*pdu));
    graph.setRejected(e, source.isRejected(id));
    for (EventIdx a : graph.authEvents(e)) pending.push_back(graph.eventId(a));
    return {};
  };
  // The states' events, then their auth chains (which bring in the create event).
  for (const StateMap& s : stateSets) {
    for (const auto& [key, id] : s) PLEXUS_TRY_VOID(need(id));
  }
  while (!pending.empty()) {
    std::string_view id = pending.back();
    pending.pop_back();
    PLEXUS_TRY_VOID(need(id));
  }

  std::vector<StateSet> sets(stateSets.size());
  for (std::size_t i = 0; i < stateSets.size(); ++i) {
    for (const auto& [key, id] : stateSets[i]) {
      sets[i].set(graph.internKey(key.first, key.second), graph.find(id));
    }
  }
  std::vector<const StateSet*> pointers;
  for (const StateSet& s : sets) pointers.push_back(&s);
  StateResolver resolver(graph);
  PLEXUS_TRY(StateSet resolved, resolver.resolve(pointers));

  StateMap out;
  for (std::size_t k = 0; k < resolved.keyBound(); ++k) {
    EventIdx e = resolved.get(static_cast<KeyIdx>(k));
    if (e == kNoEvent) continue;
    auto key = static_cast<KeyIdx>(k);
    out.emplace(StateKey{std::string(graph.keyType(key)), std::string(graph.keyStateKey(key))},
                std::string(graph.eventId(e)));
  }
  return out;
}

}  // namespace plexus::stateres
