// PeerManager (peer_manager.h).
#include "peer_manager.h"

#include <algorithm>
#include <limits>

namespace plexus::overlay {

PeerManager::PeerManager(std::size_t peers, std::int64_t initialUs, std::int64_t maxUs,
                         double jitter, std::uint64_t seed)
    : peers_(peers),
      initialUs_(std::max<std::int64_t>(initialUs, 1)),
      maxUs_(std::max(maxUs, initialUs)),
      jitter_(std::clamp(jitter, 0.0, 0.9)),
      rng_(seed) {}

std::int64_t PeerManager::delay(int failures) {
  double base = static_cast<double>(initialUs_);
  for (int i = 1; i < failures && base < static_cast<double>(maxUs_); ++i) base *= 2;
  base = std::min(base, static_cast<double>(maxUs_));
  std::uniform_real_distribution<double> spread(1.0 - jitter_, 1.0 + jitter_);
  return static_cast<std::int64_t>(base * spread(rng_));
}

std::vector<std::size_t> PeerManager::due(std::int64_t nowUs, const HaveLink& haveLink) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    Peer& peer = peers_[i];
    if (peer.state != State::kWaiting || peer.dueUs > nowUs) continue;
    if (peer.key && haveLink && haveLink(*peer.key)) {
      peer.state = State::kParked;  // linked the other way round
      continue;
    }
    peer.state = State::kDialling;
    out.push_back(i);
  }
  return out;
}

std::int64_t PeerManager::nextDueUs() const {
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  for (const Peer& peer : peers_) {
    if (peer.state == State::kWaiting) next = std::min(next, peer.dueUs);
  }
  return next;
}

void PeerManager::attemptFailed(std::size_t index, std::int64_t nowUs) {
  Peer& peer = peers_[index];
  ++peer.failures;
  peer.state = State::kWaiting;
  peer.dueUs = nowUs + delay(peer.failures);
}

void PeerManager::opened(std::size_t index, const crypto::PublicKey& key) {
  Peer& peer = peers_[index];
  peer.failures = 0;
  peer.key = key;
  peer.state = State::kLinked;
}

void PeerManager::closed(std::size_t index, std::int64_t nowUs) {
  Peer& peer = peers_[index];
  peer.state = State::kWaiting;
  peer.dueUs = nowUs + delay(1);
}

void PeerManager::keyUnlinked(const crypto::PublicKey& key, std::int64_t nowUs) {
  for (Peer& peer : peers_) {
    if (peer.state == State::kParked && peer.key == key) {
      peer.state = State::kWaiting;
      peer.dueUs = nowUs + delay(1);
    }
  }
}

}  // namespace plexus::overlay
