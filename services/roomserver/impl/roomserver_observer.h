// RoomserverObserver: what the roomserver reports for metrics (DESIGN.md §7) — events stored
// by outcome, the time each state resolution took and the size of each group commit of messages.
// The composition root implements it over Prometheus; the roomserver calls it on its request
// threads, so it must be thread-safe and cheap. Optional: a null observer reports nothing.
#pragma once

#include <cstddef>
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
  // One group commit of `messages` messages sent into different rooms (send_batcher.h).
  virtual void messagesBatched(std::size_t messages) { (void)messages; }
};

}  // namespace plexus::roomserver
