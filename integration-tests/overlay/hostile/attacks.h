// The attacks of the hostile-peer tool (hostile_peer_main.cc): each one connects to a running
// overlay node, misbehaves in one way, and records what the node did (hung up or not, how fast,
// with which close code). The verdict belongs to the test script (../hostile_test.py); an attack
// only fails when it could not be run at all (the node unreachable, our handshake refused).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"

namespace plexus::hostile {

struct Target {
  std::string host;
  std::uint16_t port = 0;
  crypto::PublicKey key;
};

struct Observation {
  std::string attack;
  bool handshake = false;     // our link handshake completed (attacks after a valid handshake)
  bool disconnected = false;  // the node closed the connection within the attack's window
  std::int64_t afterMs = -1;  // from the offending bytes to the node closing
  int closeCode = -1;         // the node's close frame (link_session.h LinkCloseCode), if seen
  std::uint64_t framesSent = 0;
  int rounds = 0;           // links opened in turn (flood repeats until its window ends)
  std::string attackerKey;  // hex of our key on the first link, to find it in the node's log
  std::string note;
};

// Names accepted by runAttack, in the order the test runs them.
const std::vector<std::string>& attackNames();

// Runs one attack. `slowlorisWaitMs` bounds the wait for the node's handshake timeout.
Result<Observation> runAttack(const std::string& name, const Target& target, int slowlorisWaitMs);

}  // namespace plexus::hostile
