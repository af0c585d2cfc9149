// The façade of end-to-end overlay sessions (docs/overlay.md §Sessions): one object per node
// that turns router datagrams into authenticated, encrypted sessions with other node keys and
// reliable streams inside them. Sans-IO: it never touches sockets or clocks; datagrams and the
// time come in as arguments and datagrams go out through a callback.
//
// Threading: single-threaded. The owner serialises every call (onDatagram, onTimer, openStream
// and the methods of the Streams it hands out) on one thread or strand. Callbacks run inside
// those calls; they may use Streams and openStream but must not call onDatagram or onTimer.
//
// Driving it: after every call, and whenever `wake` fires, read nextTimerUs() and call
// onTimer(now) once the clock reaches it. Stream writes only buffer; a value at or before the
// current time means "work is ready, call onTimer now".
//
// Security rules it keeps:
// - Transport datagrams are found by receiver session id and accepted only after AEAD and the
//   replay window; the router's claimed source key is ignored everywhere.
// - A responder answers message 1 but trusts the session only once the first transport packet
//   under its keys authenticates (key confirmation, as WireGuard does). A duplicated message 1
//   is answered from a cache; a replayed one is dropped (ephemerals of confirmed sessions are
//   remembered) or, once forgotten, yields a half-open state nobody can confirm.
// - Flood protection is a rate limit, not cookies: a token bucket on message-1 processing plus
//   caps on half-open states (overall and per initiator key, oldest evicted). A cookie reply
//   proving the initiator can receive at its key would let legitimate peers through a flood
//   sooner. TODO(#6): add it if the overlay sees such floods.
// - Each side names its per-peer connection with a random 64-bit id carried in the handshake:
//   the same id means a rekey (streams continue under new keys), a new id means the peer lost
//   its state (our streams to it are reset). Long silence (two retransmission timeouts in a
//   row) triggers a handshake so a restarted peer is noticed before the idle timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/session_config.h"
#include "plexus/overlay/session_crypto.h"
#include "plexus/overlay/session_handshake.h"
#include "plexus/overlay/stream.h"

namespace plexus::overlay {

namespace detail {
class Connection;
class EndpointHost;
}  // namespace detail

class SessionEndpoint {
 public:
  struct Callbacks {
    // Hand a datagram (at most 1,200 bytes) to the router for `destination`.
    std::function<void(const crypto::PublicKey& destination, std::string datagram)> sendDatagram;
    // A peer opened a stream to us. Without this callback incoming streams are reset.
    std::function<void(std::shared_ptr<Stream> stream)> onStream;
    // Optional: work became ready outside a call (a Stream write); schedule onTimer soon.
    std::function<void()> wake;
  };

  SessionEndpoint(const crypto::SigningKey& self, SessionConfig config, Callbacks callbacks,
                  RandomFn random = systemRandom());
  ~SessionEndpoint();
  SessionEndpoint(const SessionEndpoint&) = delete;
  SessionEndpoint& operator=(const SessionEndpoint&) = delete;

  const crypto::PublicKey& localKey() const;

  // Opens a stream to `destination`, starting a handshake if no session exists; data written
  // meanwhile is queued. kInvalidParam for our own key or a key that is not a curve point. If
  // the handshake fails the stream is reset with kResetHandshakeFailed.
  Result<std::shared_ptr<Stream>> openStream(const crypto::PublicKey& destination);

  // A datagram from the router. `claimedSource` is the router's word for the sender and is not
  // trusted: sessions are found by id and authenticated by their keys; replies to handshakes go
  // to the key the handshake proved.
  void onDatagram(const crypto::PublicKey& claimedSource, std::string_view datagram,
                  std::int64_t nowUs);

  // When onTimer wants to run next; INT64_MAX when nothing is scheduled.
  std::int64_t nextTimerUs() const;
  void onTimer(std::int64_t nowUs);

  // Sessions with a confirmed key (what the metrics call active sessions).
  std::size_t activeSessionCount() const;
  // The authenticated remote key has a confirmed session with us.
  bool hasSession(const crypto::PublicKey& remote) const;
  std::size_t halfOpenCount() const { return halfOpen_.size(); }
  const SessionCounters& counters() const { return counters_; }

  // Introspection for tests and metrics: the current sending key's id and age, the RTT and the
  // congestion window towards `remote`.
  struct PeerInfo {
    std::uint32_t localIndex = 0;
    std::uint32_t remoteIndex = 0;
    std::int64_t sessionCreatedUs = 0;
    std::size_t keyCount = 0;  // current plus superseded keys still accepted
    std::int64_t srttUs = 0;
    std::uint64_t congestionWindow = 0;
    std::size_t streams = 0;
    Key32 sendKey{};  // tests and fuzzing only (they seal packets as the peer); never log it
  };
  std::optional<PeerInfo> peerInfo(const crypto::PublicKey& remote) const;

 private:
  friend class detail::EndpointHost;

  struct HalfOpen {
    crypto::PublicKey initiator;
    std::uint32_t remoteIndex = 0;
    std::uint64_t remoteConnectionId = 0;
    std::uint64_t localConnectionId = 0;
    SessionKeys keys;
    std::string response;
    Key32 ephemeral{};
    std::int64_t createdUs = 0;
  };

  void handleInitiation(std::string_view datagram, std::int64_t nowUs);
  void handleResponse(std::string_view datagram, std::int64_t nowUs);
  void handleTransport(std::string_view datagram, std::int64_t nowUs);
  void confirmHalfOpen(std::uint32_t index, std::uint64_t packetNumber, std::int64_t nowUs,
                       std::string_view plaintext);
  detail::Connection* findConnection(const crypto::PublicKey& remote) const;
  // Replaces (or creates) the connection to `remote`: the old one's streams are reset.
  detail::Connection* replaceConnection(const crypto::PublicKey& remote, std::uint64_t localId,
                                        std::uint64_t remoteId, std::int64_t nowUs);
  std::uint64_t connectionIdFor(const crypto::PublicKey& remote);
  std::uint64_t randomU64();
  bool takeHandshakeToken(std::int64_t nowUs);
  void eraseHalfOpen(std::unordered_map<std::uint32_t, HalfOpen>::iterator it, bool evicted);
  void expireState(std::int64_t nowUs);
  // Sends what is ready, runs queued callbacks, and drops finished streams and dead connections.
  void settle(std::int64_t nowUs);

  LocalIdentity identity_;
  SessionConfig config_;
  Callbacks callbacks_;
  RandomFn random_;
  SessionCounters counters_;
  std::unique_ptr<detail::EndpointHost> host_;
  std::int64_t lastNowUs_ = 0;
  bool wakePending_ = false;
  bool settling_ = false;

  // Handshake flood protection (token bucket) and responder state.
  double tokens_;
  std::int64_t tokensAtUs_ = 0;
  std::unordered_map<std::uint32_t, HalfOpen> halfOpen_;
  std::map<Key32, std::uint32_t> halfOpenByEphemeral_;
  std::map<Key32, std::int64_t> seenEphemerals_;  // -> forget after

  // Declared last so connections die first (they release indices into indexOwners_ through the
  // host while being destroyed).
  std::unordered_map<std::uint32_t, detail::Connection*> indexOwners_;
  std::map<std::string, std::unique_ptr<detail::Connection>> connections_;  // by key bytes
  std::vector<std::unique_ptr<detail::Connection>> graveyard_;  // replaced, awaiting callbacks
};

}  // namespace plexus::overlay
