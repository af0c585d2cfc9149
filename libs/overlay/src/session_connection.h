// Private to the session endpoint: everything the endpoint keeps per remote node key once a
// handshake has been started or accepted — the session keys (current, superseded, and a pending
// rekey), packet numbering, ACK generation, loss detection and retransmission, congestion and
// session-level flow control, and the streams multiplexed over it. Streams and packet numbers
// belong to the connection, not to a key, so a rekey changes keys under running streams.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/session_config.h"
#include "plexus/overlay/session_handshake.h"
#include "plexus/overlay/session_replay_window.h"
#include "plexus/overlay/stream.h"
#include "plexus/overlay/stream_congestion.h"
#include "plexus/overlay/stream_frames.h"
#include "plexus/overlay/stream_interval_set.h"
#include "plexus/overlay/stream_rtt.h"

namespace plexus::overlay::detail {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// One set of transport keys from one handshake.
struct CryptoSession {
  std::uint32_t localIndex = 0;
  std::uint32_t remoteIndex = 0;
  SessionKeys keys;
  ReplayWindow window;
  std::int64_t createdUs = 0;
  std::uint64_t packetsSent = 0;
  bool weInitiated = false;
  std::int64_t retireAtUs = kNever;  // set once a newer session supersedes it
};

class Connection;

// What a connection needs from its endpoint.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual void sendDatagram(const crypto::PublicKey& to, std::string datagram) = 0;
  virtual std::uint32_t allocateIndex() = 0;
  virtual void registerIndex(std::uint32_t index, Connection* connection) = 0;
  virtual void releaseIndex(std::uint32_t index) = 0;
  virtual const LocalIdentity& identity() const = 0;
  virtual const SessionConfig& config() const = 0;
  virtual SessionCounters& counters() = 0;
  virtual const RandomFn& random() const = 0;
  virtual void onIncomingStream(std::shared_ptr<Stream> stream) = 0;
  virtual void wake() = 0;
};

class Connection {
 public:
  Connection(ConnectionHost& host, const crypto::PublicKey& remote, std::uint64_t localId,
             std::int64_t nowUs);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const crypto::PublicKey& remote() const { return remote_; }
  std::uint64_t localId() const { return localId_; }
  std::uint64_t remoteId() const { return remoteId_; }
  void setRemoteId(std::uint64_t id) { remoteId_ = id; }
  bool established() const { return !sessions_.empty(); }
  // An authenticated transport packet from the peer arrived on this connection: from then on
  // our state depends on the peer's, and a peer that lost its state means starting over.
  bool heardFromPeer() const { return heardFromPeer_; }
  bool dead() const { return dead_; }
  bool dirty() const { return dirty_; }
  const std::vector<CryptoSession>& sessions() const { return sessions_; }
  CryptoSession* sessionByIndex(std::uint32_t index);
  const CongestionController& congestion() const { return cc_; }
  const RttEstimator& rtt() const { return rtt_; }
  std::size_t streamCount() const { return streams_.size(); }

  std::shared_ptr<Stream> openStream();

  struct CompletedHandshake {
    CryptoSession session;
    std::uint64_t remoteConnectionId = 0;
  };
  // Message 2 for our pending handshake. On success the pending handshake is consumed and its
  // session index passes to the returned session.
  std::optional<CompletedHandshake> finishHandshake(std::string_view response, std::int64_t nowUs);
  bool awaitsResponse(std::uint32_t index) const {
    return pending_ && pending_->handshake.localIndex() == index;
  }
  void installSession(CryptoSession session, std::int64_t nowUs);

  // An authenticated, non-replayed transport packet.
  void onPacket(std::uint64_t packetNumber, std::string_view plaintext, std::int64_t nowUs);
  void onTimer(std::int64_t nowUs);
  std::int64_t nextTimerUs() const;
  // Sends what is ready: handshake, ACKs, control frames, stream data within the windows.
  void flush(std::int64_t nowUs);
  // Resets abandoned streams and forgets finished ones.
  void collectGarbage();
  // Runs stream and accept callbacks queued while processing.
  void dispatchEvents();
  // Ends the connection: streams reset with `code`, indices released.
  void die(std::uint64_t code);

  // --- used by Stream ---
  void markDirty();
  void onConsumed(std::uint64_t bytes);

 private:
  struct SentItem {
    enum class Kind : std::uint8_t { kStream, kReset, kWindow };
    Kind kind;
    bool fin = false;
    std::uint64_t streamId = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  struct SentPacket {
    std::int64_t sentUs = 0;
    std::uint64_t bytes = 0;
    std::vector<SentItem> items;
  };
  struct PendingHandshake {
    InitiatorHandshake handshake;
    int attempts = 0;
    std::int64_t nextSendUs = 0;
  };

  bool isLocalStreamId(std::uint64_t id) const { return (id & 1U) == localParity_; }
  std::shared_ptr<Stream> incomingStream(std::uint64_t id);
  std::shared_ptr<Stream> findStream(std::uint64_t id) const;
  void startHandshake(std::int64_t nowUs);
  void sendInitiation(std::int64_t nowUs);
  bool rekeyDue(std::int64_t nowUs) const;
  std::int64_t rekeyAtUs() const;
  AckFrame buildAck();
  void onAck(const AckFrame& ack, std::int64_t nowUs);
  void detectLosses(std::int64_t nowUs);
  void onAcked(std::map<std::uint64_t, SentPacket>::iterator it);
  void onLost(std::map<std::uint64_t, SentPacket>::iterator it);
  bool buildAndSendPacket(std::int64_t nowUs);
  bool blockedOnFlowControl() const;

  ConnectionHost& host_;
  crypto::PublicKey remote_;
  std::uint64_t localId_;
  std::uint64_t remoteId_ = 0;
  std::uint64_t localParity_;
  bool dead_ = false;
  bool dirty_ = true;
  bool heardFromPeer_ = false;

  std::vector<CryptoSession> sessions_;  // front: the one we send with
  std::optional<PendingHandshake> pending_;
  std::int64_t rekeyNotBeforeUs_ = 0;

  // Sending.
  std::uint64_t nextPacketNumber_ = 0;
  std::map<std::uint64_t, SentPacket> sent_;  // ack-eliciting packets awaiting a verdict
  std::uint64_t largestAcked_ = 0;
  bool anyAcked_ = false;
  RttEstimator rtt_;
  CongestionController cc_;
  std::int64_t rtoStartUs_ = 0;
  std::int64_t probeAtUs_ = kNever;
  std::int64_t lossTimeUs_ = kNever;
  bool pingPending_ = false;
  std::int64_t lastSentUs_;
  std::uint64_t peerMaxData_ = kInitialSessionWindow;
  std::uint64_t sentTotal_ = 0;

  // Receiving.
  std::uint64_t recvFloor_ = 0;  // every packet number below is received or settled
  IntervalSet received_;         // received numbers above the floor
  std::uint64_t largestReceived_ = 0;
  bool ackPending_ = false;
  bool ackNow_ = false;
  int ackElicitingSinceAck_ = 0;
  std::int64_t ackDeadlineUs_ = kNever;
  std::int64_t lastReceivedUs_;
  std::uint64_t localMaxData_ = kInitialSessionWindow;
  std::uint64_t receivedTotal_ = 0;
  std::uint64_t consumedTotal_ = 0;

  // Streams.
  std::map<std::uint64_t, std::shared_ptr<Stream>> streams_;
  std::uint64_t nextLocalStreamId_;
  std::uint64_t nextPeerStreamId_;
  std::uint64_t roundRobinNext_ = 0;
  std::vector<std::shared_ptr<Stream>> accepted_;  // waiting for onStream
  std::vector<std::shared_ptr<Stream>> aborted_;   // waiting for their onReset
};

}  // namespace plexus::overlay::detail
