// Tunables and metrics of overlay sessions and streams (docs/overlay.md §Sessions). Defaults
// suit the overlay's real links; tests shrink the timers. Plain structs: the node's composition
// root fills SessionConfig from its config file and exports SessionCounters as Prometheus
// metrics (plexus_overlay_session_*).
#pragma once

#include <cstddef>
#include <cstdint>

namespace plexus::overlay {

// Windows both sides assume before the first update arrives (part of the protocol).
inline constexpr std::uint64_t kInitialStreamWindow = 16 * 1024;
inline constexpr std::uint64_t kInitialSessionWindow = 64 * 1024;

struct SessionConfig {
  // Handshake: message 1 is resent after handshakeRetryUs, doubling up to handshakeRetryMaxUs,
  // at most handshakeAttempts times in all; then the streams waiting on it are reset.
  std::int64_t handshakeRetryUs = 250'000;
  std::int64_t handshakeRetryMaxUs = 4'000'000;
  int handshakeAttempts = 6;
  // Responder flood protection: a token bucket limits how many initiations a second get the
  // expensive processing (three X25519 operations); unconfirmed (half-open) responder states are
  // capped overall and per initiator key, the oldest evicted first, and forgotten after
  // halfOpenTimeoutUs. Initiation ephemerals are remembered for ephemeralMemoryUs so a replay
  // is dropped without work.
  double handshakesPerSecond = 200;
  double handshakeBurst = 100;
  std::size_t maxHalfOpen = 256;
  std::size_t maxHalfOpenPerKey = 4;
  std::int64_t halfOpenTimeoutUs = 10'000'000;
  std::int64_t ephemeralMemoryUs = 180'000'000;
  std::size_t maxRememberedEphemerals = 8192;
  // Rekey: a fresh handshake once the sending key has been used for this many packets or is
  // this old; the superseded key still decrypts for previousSessionGraceUs.
  std::uint64_t rekeyAfterPackets = std::uint64_t{1} << 32;
  std::int64_t rekeyAfterUs = 120'000'000;
  std::int64_t rekeyRetryUs = 5'000'000;
  std::int64_t previousSessionGraceUs = 10'000'000;
  // Liveness: a connection that hears nothing for idleTimeoutUs is dropped (its streams reset);
  // while streams are open each side sends a PING after keepaliveUs of silence.
  std::int64_t idleTimeoutUs = 120'000'000;
  std::int64_t keepaliveUs = 15'000'000;
  // Reliability: ACKs go out after two ack-eliciting packets, on reordering, or after ackDelayUs.
  std::int64_t ackDelayUs = 5'000;
  std::int64_t initialRtoUs = 1'000'000;
  std::int64_t minRtoUs = 200'000;
  std::int64_t maxRtoUs = 30'000'000;
  // Flow control and memory.
  std::uint64_t streamReceiveWindow = 256 * 1024;
  std::uint64_t sessionReceiveWindow = 1024 * 1024;
  std::size_t streamSendBuffer = 256 * 1024;
  std::size_t maxIncomingStreams = 256;
};

struct SessionCounters {
  // Handshakes and sessions.
  std::uint64_t handshakesInitiated = 0;
  std::uint64_t handshakesCompleted = 0;  // as initiator (message 2 authenticated)
  std::uint64_t handshakesConfirmed = 0;  // as responder (first transport packet authenticated)
  std::uint64_t handshakeRetransmits = 0;
  std::uint64_t handshakeFailures = 0;    // gave up after handshakeAttempts
  std::uint64_t handshakeDuplicates = 0;  // repeated message 1 answered from the cache
  std::uint64_t halfOpenEvicted = 0;
  std::uint64_t rekeys = 0;
  std::uint64_t sessionsExpired = 0;
  std::uint64_t connectionRestarts = 0;  // the peer came back with a new connection id
  // Traffic.
  std::uint64_t datagramsSent = 0;
  std::uint64_t datagramsReceived = 0;
  std::uint64_t bytesSent = 0;
  std::uint64_t bytesReceived = 0;
  std::uint64_t streamBytesSent = 0;  // new stream bytes, not counting retransmissions
  std::uint64_t streamBytesReceived = 0;
  std::uint64_t retransmissions = 0;  // packets declared lost whose frames were queued again
  std::uint64_t fastRetransmits = 0;  // of those, found lost by later ACKs (packet threshold)
  std::uint64_t retransmissionTimeouts = 0;
  std::uint64_t streamsOpened = 0;
  std::uint64_t streamsAccepted = 0;
  std::uint64_t streamsReset = 0;
  // Drops by reason.
  std::uint64_t dropsMalformed = 0;
  std::uint64_t dropsUnknownSession = 0;
  std::uint64_t dropsAuth = 0;
  std::uint64_t dropsReplay = 0;
  std::uint64_t dropsHandshakeInvalid = 0;
  std::uint64_t dropsHandshakeReplay = 0;
  std::uint64_t dropsHandshakeRateLimited = 0;
  std::uint64_t dropsFlowControl = 0;
};

}  // namespace plexus::overlay
