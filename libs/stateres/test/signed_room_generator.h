// Test-only generator of a small, realistic room whose events are really hashed and signed:
// computed event IDs, prev_events / auth_events naming computed IDs, each event signed by its
// sender's server. It drives the replay tests that check signatures (no trusted event IDs) and
// the fixture dumper behind replay_keys_cli.sh.
//
// The room (labels in brackets), all on a.example except the events of @bob:b.example:
//   create, alice's join, power levels (bob 50), join rules public, bob's join (b.example),
//   carol's join, a topic, bob's message, then a fork off the message:
//     branch A: alice sets the topic [topic_a]
//     branch B: bob sets the name [name_b], then the topic [topic_b] (later timestamp)
//   and carol's message [merge] citing both branches.
// Room versions 3-12 (v1-v2 use another event shape and are not generated).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/events/room_version.h"
#include "plexus/json/value.h"

namespace plexus::stateres::testing {

struct SignedRoomServer {
  std::string name;
  std::string keyId;
  crypto::SigningKey key;
};

struct SignedRoomEvent {
  std::string label;
  json::Object json;  // hashed and signed, no event_id field
  std::string eventId;
};

// (type, state_key) -> label of the event holding it.
using LabelState = std::map<std::pair<std::string, std::string>, std::string>;

struct SignedRoom {
  const events::RoomVersion* version = nullptr;
  std::string roomId;
  std::vector<SignedRoomEvent> events;  // in creation order (a topological order)
  // The resolved state of the room as generated.
  LabelState expectedState;
  // The resolved state when every b.example event is rejected (its key unknown or bad).
  LabelState expectedStateWithoutB;

  const SignedRoomEvent& event(std::string_view label) const;
  SignedRoomEvent& event(std::string_view label);
  const std::string& idOf(std::string_view label) const { return event(label).eventId; }
  // A state as {"<type>": {"<state_key>": "<event_id>"}} (canonical JSON), as stateToJson writes.
  std::string stateJson(const LabelState& state) const;
};

// a.example and b.example with key ID ed25519:1; the keys come from fixed seeds, so the
// generated room is the same on every run.
std::vector<SignedRoomServer> defaultServers();

// Builds the room described above. `servers` must hold a.example and b.example.
SignedRoom generateSignedRoom(const events::RoomVersion& version,
                              const std::vector<SignedRoomServer>& servers);

// The events as a JSON array (canonical JSON of each event).
std::string roomToJson(const std::vector<SignedRoomEvent>& events);

// A keys file for `plexus state replay --keys`: {"server": {"key id": "base64"}}.
std::string keysToJson(const std::vector<SignedRoomServer>& servers);

// A key lookup over `servers`.
crypto::KeyLookup keyLookup(const std::vector<SignedRoomServer>& servers);

// Re-adds the content hash and the sender server's signature after a test changed the event,
// and recomputes its ID.
void resign(SignedRoomEvent& event, const SignedRoomServer& server, const events::RoomVersion& version);

}  // namespace plexus::stateres::testing
