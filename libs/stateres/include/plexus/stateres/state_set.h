// StateSet: a room state as a dense array indexed by interned state key (see EventGraph). A
// lookup is one array read and a copy is one memcpy, which is what replaying a large room needs:
// the state after every event, moved along linear chains and copied only at forks.
#pragma once

#include <cstddef>
#include <vector>

#include "plexus/stateres/event_graph.h"

namespace plexus::stateres {

class StateSet {
 public:
  // The event for `key`, or kNoEvent.
  EventIdx get(KeyIdx key) const { return key < byKey_.size() ? byKey_[key] : kNoEvent; }
  void set(KeyIdx key, EventIdx event) {
    if (key >= byKey_.size()) byKey_.resize(key + 1, kNoEvent);
    byKey_[key] = event;
  }
  void erase(KeyIdx key) {
    if (key < byKey_.size()) byKey_[key] = kNoEvent;
  }
  // One past the largest key that may be set; iterate keys below it and skip kNoEvent.
  std::size_t keyBound() const { return byKey_.size(); }
  // Number of keys that have an event (linear).
  std::size_t count() const;

  friend bool operator==(const StateSet& a, const StateSet& b);

 private:
  std::vector<EventIdx> byKey_;
};

}  // namespace plexus::stateres
