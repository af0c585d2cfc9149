// stateToJson: a state as {"<type>": {"<state_key>": "<event_id>"}}, keys in canonical order.
#include <algorithm>

#include "plexus/json/canonical.h"
#include "plexus/stateres/replay.h"

namespace plexus::stateres {

std::string stateToJson(const EventGraph& graph, const StateSet& state) {
  std::vector<KeyIdx> keys;
  for (std::size_t k = 0; k < state.keyBound(); ++k) {
    if (state.get(static_cast<KeyIdx>(k)) != kNoEvent) keys.push_back(static_cast<KeyIdx>(k));
  }
  std::sort(keys.begin(), keys.end(), [&](KeyIdx a, KeyIdx b) {
    if (graph.keyType(a) != graph.keyType(b)) return graph.keyType(a) < graph.keyType(b);
    return graph.keyStateKey(a) < graph.keyStateKey(b);
  });
  std::string out = "{";
  std::string_view type;
  bool first = true;
  for (KeyIdx k : keys) {
    if (first || graph.keyType(k) != type) {
      if (!first) out += "},";
      type = graph.keyType(k);
      json::writeString(type, out);
      out += ":{";
    } else {
      out += ',';
    }
    first = false;
    json::writeString(graph.keyStateKey(k), out);
    out += ':';
    json::writeString(graph.eventId(state.get(k)), out);
  }
  if (!first) out += '}';
  out += '}';
  return out;
}

}  // namespace plexus::stateres
