// State replay: takes every PDU of a room (a JSON array in any order), builds the DAG, computes
// the state before every event by resolving the states after its prev_events, authorizes each
// event against its auth_events and against that state, and resolves the state of the forward
// extremities. This is the engine of `plexus state replay`.
//
// Decisions where the spec leaves the input's gaps to the server:
//  - A missing prev event is an error (kNotFound) unless `allowMissingPrevEvents`; then it is
//    ignored and the state before the event is resolved from the prev events that are present.
//  - A missing auth event rejects the event (spec: an event whose auth events cannot be
//    retrieved is rejected); it is counted, not an error.
//  - An event whose signatures or event ID do not verify is rejected likewise.
//  - A duplicate event ID is an error; so is a cycle in prev_events.
//  - Rejected events never enter state; the state "after" a rejected event is the state before
//    it, so its children still see a state. Forward extremities are the events nothing cites as
//    a prev event.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/events/room_version.h"
#include "plexus/events/pdu.h"
#include "plexus/stateres/event_graph.h"
#include "plexus/stateres/state_set.h"

namespace plexus::stateres {

struct ReplayOptions {
  // Take `event_id` fields as the IDs and skip hash and signature checks.
  bool trustEventIds = false;
  // Keys for signature checks (required unless trustEventIds).
  crypto::KeyLookup keys;
  bool allowMissingPrevEvents = false;
  // Threads used to parse (and check) PDUs; 0 = hardware concurrency.
  unsigned threads = 0;
  // Called every `progressEvery` replayed events (and at the end) with (done, total).
  std::function<void(std::size_t, std::size_t)> progress;
  std::size_t progressEvery = 0;
  // Keep the state after these events (for tools and benchmarks); see ReplayResult::kept.
  std::vector<std::string> keepStateAfter;
};

struct ReplayStats {
  std::size_t events = 0;
  std::size_t rejected = 0;
  std::size_t resolutions = 0;  // merges that needed a resolution
  double parseMs = 0, graphMs = 0, replayMs = 0, finalMs = 0;
};

struct RejectedEvent {
  EventIdx event;
  std::string reason;
};

struct ReplayResult {
  EventGraph graph;
  StateSet state;  // the resolved state of the forward extremities
  std::vector<EventIdx> forwardExtremities;
  std::vector<RejectedEvent> rejected;
  std::vector<std::pair<EventIdx, StateSet>> kept;  // for ReplayOptions::keepStateAfter
  ReplayStats stats;
};

// PDUs parsed from the input with the outcome of their receipt checks.
struct LoadedPdus {
  std::vector<events::Pdu> pdus;
  // Per PDU: empty, or why its signatures / event ID did not verify (it is then rejected).
  std::vector<std::string> failures;
};

// Parses a JSON array of PDUs on `options.threads` threads; each thread also verifies its events
// (unless trustEventIds), replaces events with a bad content hash by their redacted form, and
// drops verification fields. Errors: kNotJson / kBadJson / kTooLarge naming the element.
Result<LoadedPdus> loadPdus(std::string_view text, const events::RoomVersion& version,
                            const ReplayOptions& options);

// Replays loaded PDUs. Errors: see the header comment.
Result<ReplayResult> replayRoom(LoadedPdus pdus, const events::RoomVersion& version,
                                const ReplayOptions& options);

// loadPdus then replayRoom.
Result<ReplayResult> replayRoomJson(std::string_view text, const events::RoomVersion& version,
                                    const ReplayOptions& options);

// Writes a state as {"<type>": {"<state_key>": "<event_id>"}} (canonical JSON).
std::string stateToJson(const EventGraph& graph, const StateSet& state);

}  // namespace plexus::stateres
