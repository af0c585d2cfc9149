// Bootstrap peers of an OverlayNode: when to dial each configured HOST:PORT. Sans-IO (time comes
// in as monotonic microseconds). A peer is dialled at start, and again whenever no link to it
// exists: after a failed attempt the delay doubles from `initialUs` up to `maxUs`, each delay
// jittered by +-`jitter`; after a link that had opened closes, the next dial comes after
// `initialUs`. While a link to the peer's key exists (even one the peer dialled), it is parked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "plexus/crypto/ed25519.h"

namespace plexus::overlay {

class PeerManager {
 public:
  using HaveLink = std::function<bool(const crypto::PublicKey&)>;

  PeerManager(std::size_t peers, std::int64_t initialUs, std::int64_t maxUs, double jitter,
              std::uint64_t seed);

  // The peers to dial now; each is then "dialling" until one of the calls below.
  std::vector<std::size_t> due(std::int64_t nowUs, const HaveLink& haveLink);
  // When due() next has something; INT64_MAX when nothing is waiting.
  std::int64_t nextDueUs() const;

  // The dial or handshake of peer `index` failed.
  void attemptFailed(std::size_t index, std::int64_t nowUs);
  // A link to peer `index` opened with `key`.
  void opened(std::size_t index, const crypto::PublicKey& key);
  // The open link to peer `index` closed.
  void closed(std::size_t index, std::int64_t nowUs);
  // The last link to `key` closed: a peer parked on that key is dialled again soon.
  void keyUnlinked(const crypto::PublicKey& key, std::int64_t nowUs);

  std::size_t size() const { return peers_.size(); }
  int failures(std::size_t index) const { return peers_[index].failures; }
  const std::optional<crypto::PublicKey>& key(std::size_t index) const { return peers_[index].key; }

 private:
  enum class State { kWaiting, kDialling, kLinked, kParked };
  struct Peer {
    State state = State::kWaiting;
    std::int64_t dueUs = 0;
    int failures = 0;
    std::optional<crypto::PublicKey> key;
  };

  std::int64_t delay(int failures);

  std::vector<Peer> peers_;
  std::int64_t initialUs_;
  std::int64_t maxUs_;
  double jitter_;
  std::mt19937_64 rng_;
};

}  // namespace plexus::overlay
