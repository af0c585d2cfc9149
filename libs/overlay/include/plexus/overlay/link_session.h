// The whole state of one peer link without any I/O: handshake, sealed records, the outbound fair
// queue, receive limits, keepalives and liveness. An adapter (src/tcp_link.h over TCP, the
// simulator over its network model) moves bytes in with receive(), bytes out with
// takeOutput(), and calls tick() at nextDeadlineUs(). Time is always passed in as monotonic
// microseconds; nothing here reads a clock. Not thread-safe: one owner drives it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/link_fair_queue.h"
#include "plexus/overlay/link_frame.h"
#include "plexus/overlay/link_handshake.h"
#include "plexus/overlay/link_limits.h"

namespace plexus::overlay {

// The reason byte of a close frame (on the wire).
enum class LinkCloseCode : std::uint8_t {
  kNormal = 0,         // closed by its owner
  kProtocolError = 1,  // a frame the link layer could not accept
  kMisbehaviour = 2,   // over the limits or the misbehaviour score
  kShutdown = 3,       // the node is stopping
  kTimeout = 4,        // the peer was silent for too long
};

// Why a link ended, as its owner sees it.
enum class LinkEndReason : std::uint8_t {
  kLocalClose,        // close() was called
  kPeerClosed,        // the peer sent a close frame (peerCloseCode() says why)
  kHandshakeFailed,   // bad hello or proof, wrong or own key (detail says which)
  kHandshakeTimeout,  // no complete handshake within handshakeTimeoutUs
  kProtocolError,     // a record failed to authenticate, was oversize, or counters ran out
  kMisbehaviour,      // the receive limits or the misbehaviour score
  kPeerDead,          // nothing received for deadAfterUs
  kTransportClosed,   // the adapter saw end of stream or an error
};

const char* toString(LinkEndReason reason);

struct LinkOptions {
  std::int64_t handshakeTimeoutUs = 10'000'000;
  std::int64_t keepaliveIntervalUs = 20'000'000;  // send a keepalive after this long idle
  std::int64_t deadAfterUs = 60'000'000;          // peer dead after this long silent
  std::size_t maxFramePayload = kDefaultMaxFramePayload;
  LinkFairQueueLimits queue;
  LinkLimitsConfig limits;
};

// Per frame type, for metrics. Payload bytes; wire totals separately.
struct LinkCounters {
  std::array<std::uint64_t, 256> framesIn{};
  std::array<std::uint64_t, 256> payloadBytesIn{};
  std::array<std::uint64_t, 256> framesOut{};
  std::array<std::uint64_t, 256> payloadBytesOut{};
  std::uint64_t wireBytesIn = 0;
  std::uint64_t wireBytesOut = 0;
  std::uint64_t droppedByLimits = 0;  // received frames discarded by the rate limits
  std::uint64_t rejectedSends = 0;    // send() calls refused (wrong type, oversize, closed)
};

class LinkSession {
 public:
  enum class State { kHandshaking, kOpen, kClosed };

  LinkSession(LinkRole role, const crypto::SigningKey& identity,
              std::optional<crypto::PublicKey> expected, LinkOptions options, std::int64_t nowUs);

  // Bytes from the peer. Returns the user frames (type >= 16) they completed, in order. May
  // close the link (see state()); frames after the closing one are discarded.
  std::vector<OpenedFrame> receive(std::string_view bytes, std::int64_t nowUs);
  // Queues a user frame (type >= 16) for sending; before the handshake completes it waits in
  // the queue. False when refused (link frame type, payload over the maximum, closed) or
  // dropped by the queue caps.
  bool send(std::uint8_t type, std::string payload, TrafficClass trafficClass, std::uint32_t flow);
  // Bytes to write now, whole records, about maxBytes at most (at least one record when any is
  // ready). After the link closed it still returns the final close frame once; write it, then
  // close the transport.
  std::string takeOutput(std::int64_t nowUs, std::size_t maxBytes = 64 * 1024);
  // Runs the timers: handshake deadline, keepalive, liveness.
  void tick(std::int64_t nowUs);
  // When tick() next has work; INT64_MAX when closed.
  std::int64_t nextDeadlineUs() const;
  // Closes the link: frames already queued still go out, then a close frame (when open).
  void close(LinkCloseCode code = LinkCloseCode::kNormal);
  // The transport ended (end of stream or error).
  void transportClosed(std::string detail);
  // Misbehaviour points from the user (a malformed router frame); closes the link at the
  // threshold and returns kDisconnect then.
  LimitDecision penalise(double points, std::int64_t nowUs);

  State state() const { return state_; }
  bool open() const { return state_ == State::kOpen; }
  bool closed() const { return state_ == State::kClosed; }
  // True when takeOutput() would return bytes now.
  bool hasOutput() const;
  // Valid once closed.
  LinkEndReason endReason() const { return endReason_; }
  const std::string& endDetail() const { return endDetail_; }
  std::optional<LinkCloseCode> peerCloseCode() const { return peerCloseCode_; }
  // The peer's proven key, once open (and after it closed).
  const std::optional<crypto::PublicKey>& remoteKey() const { return remoteKey_; }
  const LinkCounters& counters() const { return counters_; }
  const LinkFairQueue& queue() const { return queue_; }
  LinkRole role() const { return role_; }

 private:
  void end(LinkEndReason reason, std::string detail, std::optional<LinkCloseCode> sendCode);
  void onHandshakeDone(std::int64_t nowUs);
  // Seals a link-layer frame straight into the output, ahead of the queue.
  void sealUrgent(std::uint8_t type, std::string_view payload);
  void handleFrame(OpenedFrame&& frame, std::int64_t nowUs, std::vector<OpenedFrame>& user);

  LinkRole role_;
  LinkOptions options_;
  std::unique_ptr<LinkHandshake> handshake_;
  std::unique_ptr<FrameSealer> sealer_;
  std::unique_ptr<FrameOpener> opener_;
  LinkFairQueue queue_;
  LinkLimits limits_;
  State state_ = State::kHandshaking;
  std::string output_;  // bytes ready to go: handshake messages and urgent link records
  std::int64_t startedUs_;
  std::int64_t lastSendUs_;
  std::int64_t lastReceiveUs_;
  std::optional<crypto::PublicKey> remoteKey_;
  LinkEndReason endReason_ = LinkEndReason::kLocalClose;
  std::string endDetail_;
  std::optional<LinkCloseCode> peerCloseCode_;
  LinkCounters counters_;
};

}  // namespace plexus::overlay
