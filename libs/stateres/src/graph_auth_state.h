// GraphAuthState: the eventauth::AuthState the algorithms hand to checkAuth. It looks a key up
// in a StateSet first and then, if allowed, among one event's own auth events (SPEC: v2
// "Iterative auth checks": a key missing from the state is taken from the event's auth_events
// unless that auth event was rejected). Rejected events are never returned.
#pragma once

#include <span>
#include <string_view>

#include "plexus/eventauth/event_auth.h"
#include "plexus/stateres/event_graph.h"
#include "plexus/stateres/state_set.h"

namespace plexus::stateres::detail {

class GraphAuthState final : public eventauth::AuthState {
 public:
  // `state` may be null (auth events only); `fallback` may be empty (state only). From room
  // version 12 the create event is not an auth event, so `addCreate` supplies the room's.
  // `hints` are keys the caller expects to be asked for (the event's auth tuples): they are
  // compared by string before the hash lookup.
  GraphAuthState(const EventGraph& graph, const StateSet* state, std::span<const EventIdx> fallback,
                 bool addCreate, std::span<const KeyIdx> hints = {})
      : graph_(graph), state_(state), fallback_(fallback), hints_(hints), addCreate_(addCreate) {}

  const events::Pdu* find(std::string_view type, std::string_view stateKey) const override {
    KeyIdx key = kNoKey;
    for (KeyIdx h : hints_) {
      if (h != kNoKey && graph_.keyStateKey(h) == stateKey && graph_.keyType(h) == type) {
        key = h;
        break;
      }
    }
    if (key == kNoKey) key = graph_.findKey(type, stateKey);
    if (key != kNoKey) {
      if (state_) {
        EventIdx e = state_->get(key);
        if (e != kNoEvent && !graph_.rejected(e) && graph_.pdu(e)) return graph_.pdu(e);
      }
      for (EventIdx a : fallback_) {
        if (graph_.stateKey(a) == key && !graph_.rejected(a) && graph_.pdu(a)) return graph_.pdu(a);
      }
    }
    if (addCreate_ && type == "m.room.create" && stateKey.empty() && graph_.createEvent() != kNoEvent) {
      return graph_.pdu(graph_.createEvent());
    }
    return nullptr;
  }

 private:
  const EventGraph& graph_;
  const StateSet* state_;
  std::span<const EventIdx> fallback_;
  std::span<const KeyIdx> hints_;
  bool addCreate_;
};

}  // namespace plexus::stateres::detail
