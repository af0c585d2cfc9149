// RoomserverObserver: what the roomserver reports for metrics (DESIGN.md §7) — events stored
// by outcome and the time each state resolution took. The composition root implements it over
// Prometheus; the roomserver calls it on its request threads, so it must be thread-safe and
// cheap. Optional: a null observer reports nothing.
#pragma once

#include <cstdint>

namespace plexus::roomserver {

class RoomserverObserver {
 public:
  enum class Stored : std::uint8_t { kAccepted, kRejected, kSoftFailed };
  virtual ~RoomserverObserver() = default;
  // `count` events stored with this outcome (local sends and federation input alike).
  virtual void eventsStored(Stored outcome, std::uint64_t count) = 0;
  // One state resolution over forked state (not the trivial "all sets equal" case).
  virtual void stateResolved(double seconds) = 0;
};

}  // namespace plexus::roomserver
