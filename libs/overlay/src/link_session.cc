// LinkSession (link_session.h).
#include "plexus/overlay/link_session.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace plexus::overlay {
namespace {

constexpr std::size_t kRecordOverhead = kFrameLengthSize + 1 + kFrameTagSize;

}  // namespace

const char* toString(LinkEndReason reason) {
  switch (reason) {
    case LinkEndReason::kLocalClose:
      return "local_close";
    case LinkEndReason::kPeerClosed:
      return "peer_closed";
    case LinkEndReason::kHandshakeFailed:
      return "handshake_failed";
    case LinkEndReason::kHandshakeTimeout:
      return "handshake_timeout";
    case LinkEndReason::kProtocolError:
      return "protocol_error";
    case LinkEndReason::kMisbehaviour:
      return "misbehaviour";
    case LinkEndReason::kPeerDead:
      return "peer_dead";
    case LinkEndReason::kTransportClosed:
      return "transport_closed";
  }
  return "unknown";
}

LinkSession::LinkSession(LinkRole role, const crypto::SigningKey& identity,
                         std::optional<crypto::PublicKey> expected, LinkOptions options,
                         std::int64_t nowUs)
    : role_(role),
      options_(std::move(options)),
      handshake_(std::make_unique<LinkHandshake>(role, identity, std::move(expected))),
      queue_(options_.queue),
      limits_(options_.limits, nowUs),
      startedUs_(nowUs),
      lastSendUs_(nowUs),
      lastReceiveUs_(nowUs) {
  options_.maxFramePayload = std::min(options_.maxFramePayload, kMaxFramePayloadLimit);
  output_ = handshake_->takeOutput();
}

std::vector<OpenedFrame> LinkSession::receive(std::string_view bytes, std::int64_t nowUs) {
  std::vector<OpenedFrame> user;
  if (closed()) return user;
  counters_.wireBytesIn += bytes.size();
  if (state_ == State::kHandshaking) {
    const std::size_t taken = handshake_->consume(bytes);
    output_ += handshake_->takeOutput();
    if (handshake_->failed()) {
      end(LinkEndReason::kHandshakeFailed, handshake_->failureReason(), std::nullopt);
      return user;
    }
    if (!handshake_->done()) return user;
    onHandshakeDone(nowUs);
    bytes.remove_prefix(taken);
  }
  if (bytes.empty()) return user;
  auto frames = opener_->consume(bytes);
  if (!frames.ok()) {
    end(LinkEndReason::kProtocolError, frames.error().message, LinkCloseCode::kProtocolError);
    return user;
  }
  for (auto& frame : *frames) {
    handleFrame(std::move(frame), nowUs, user);
    if (closed()) break;
  }
  return user;
}

void LinkSession::onHandshakeDone(std::int64_t nowUs) {
  const LinkKeys& keys = handshake_->keys();
  sealer_ = std::make_unique<FrameSealer>(keys.send, options_.maxFramePayload);
  opener_ = std::make_unique<FrameOpener>(keys.receive, options_.maxFramePayload);
  remoteKey_ = handshake_->remoteKey();
  handshake_.reset();
  state_ = State::kOpen;
  lastReceiveUs_ = nowUs;
}

void LinkSession::handleFrame(OpenedFrame&& frame, std::int64_t nowUs,
                              std::vector<OpenedFrame>& user) {
  lastReceiveUs_ = nowUs;
  switch (limits_.onFrame(frame.payload.size() + kRecordOverhead, nowUs)) {
    case LimitDecision::kAccept:
      break;
    case LimitDecision::kDrop:
      ++counters_.droppedByLimits;
      return;
    case LimitDecision::kDisconnect:
      ++counters_.droppedByLimits;
      end(LinkEndReason::kMisbehaviour, "peer exceeded the receive limits",
          LinkCloseCode::kMisbehaviour);
      return;
  }
  ++counters_.framesIn[frame.type];
  counters_.payloadBytesIn[frame.type] += frame.payload.size();
  if (frame.type == kFrameClose) {
    const auto code =
        frame.payload.empty() ? std::uint8_t{0} : static_cast<std::uint8_t>(frame.payload[0]);
    peerCloseCode_ = static_cast<LinkCloseCode>(code);
    end(LinkEndReason::kPeerClosed, "peer closed the link (code " + std::to_string(code) + ")",
        std::nullopt);
    return;
  }
  // Keepalives only refresh liveness; other link types are reserved and ignored.
  if (frame.type < kFirstUserFrameType) return;
  user.push_back(std::move(frame));
}

bool LinkSession::send(std::uint8_t type, std::string payload, TrafficClass trafficClass,
                       std::uint32_t flow) {
  if (closed() || type < kFirstUserFrameType || payload.size() > options_.maxFramePayload) {
    ++counters_.rejectedSends;
    return false;
  }
  return queue_.push(QueuedFrame{type, std::move(payload), trafficClass, flow});
}

void LinkSession::sealUrgent(std::uint8_t type, std::string_view payload) {
  auto sealed = sealer_->seal(type, payload, output_);
  if (!sealed.ok()) return;  // counter exhausted: the link is ending anyway
  ++counters_.framesOut[type];
  counters_.payloadBytesOut[type] += payload.size();
}

std::string LinkSession::takeOutput(std::int64_t nowUs, std::size_t maxBytes) {
  std::string out = std::exchange(output_, std::string());
  while (open() && out.size() < maxBytes) {
    auto frame = queue_.pop();
    if (!frame) break;
    auto sealed = sealer_->seal(frame->type, frame->payload, out);
    if (!sealed.ok()) {
      end(LinkEndReason::kProtocolError, sealed.error().message, std::nullopt);
      break;
    }
    ++counters_.framesOut[frame->type];
    counters_.payloadBytesOut[frame->type] += frame->payload.size();
  }
  if (!out.empty()) {
    lastSendUs_ = nowUs;
    counters_.wireBytesOut += out.size();
  }
  return out;
}

bool LinkSession::hasOutput() const { return !output_.empty() || (open() && !queue_.empty()); }

void LinkSession::tick(std::int64_t nowUs) {
  if (state_ == State::kHandshaking) {
    if (nowUs - startedUs_ >= options_.handshakeTimeoutUs) {
      end(LinkEndReason::kHandshakeTimeout, "no handshake within the deadline", std::nullopt);
    }
    return;
  }
  if (!open()) return;
  if (nowUs - lastReceiveUs_ >= options_.deadAfterUs) {
    end(LinkEndReason::kPeerDead, "nothing received from the peer", LinkCloseCode::kTimeout);
    return;
  }
  if (nowUs - lastSendUs_ >= options_.keepaliveIntervalUs && !hasOutput()) {
    sealUrgent(kFrameKeepalive, {});
  }
}

std::int64_t LinkSession::nextDeadlineUs() const {
  switch (state_) {
    case State::kHandshaking:
      return startedUs_ + options_.handshakeTimeoutUs;
    case State::kOpen: {
      std::int64_t next = lastReceiveUs_ + options_.deadAfterUs;
      // With output pending the adapter is writing; a keepalive would add nothing.
      if (!hasOutput()) next = std::min(next, lastSendUs_ + options_.keepaliveIntervalUs);
      return next;
    }
    case State::kClosed:
      break;
  }
  return std::numeric_limits<std::int64_t>::max();
}

void LinkSession::close(LinkCloseCode code) {
  end(LinkEndReason::kLocalClose, "closed locally", code);
}

void LinkSession::transportClosed(std::string detail) {
  end(LinkEndReason::kTransportClosed, std::move(detail), std::nullopt);
}

LimitDecision LinkSession::penalise(double points, std::int64_t nowUs) {
  if (closed()) return LimitDecision::kDisconnect;
  const LimitDecision decision = limits_.penalise(points, nowUs);
  if (decision == LimitDecision::kDisconnect) {
    end(LinkEndReason::kMisbehaviour, "misbehaviour score reached the threshold",
        LinkCloseCode::kMisbehaviour);
  }
  return decision;
}

void LinkSession::end(LinkEndReason reason, std::string detail,
                      std::optional<LinkCloseCode> sendCode) {
  if (closed()) return;
  const bool wasOpen = open();
  // A local close is graceful: what the owner queued still goes out, ahead of the close frame
  // (bounded by the queue caps). Any other end discards the queue.
  if (wasOpen && reason == LinkEndReason::kLocalClose) {
    while (auto frame = queue_.pop()) {
      if (!sealer_->seal(frame->type, frame->payload, output_).ok()) break;
      ++counters_.framesOut[frame->type];
      counters_.payloadBytesOut[frame->type] += frame->payload.size();
    }
  }
  state_ = State::kClosed;
  endReason_ = reason;
  endDetail_ = std::move(detail);
  queue_.clear();
  handshake_.reset();
  if (wasOpen && sendCode) {
    const char code = static_cast<char>(*sendCode);
    sealUrgent(kFrameClose, std::string_view(&code, 1));
  } else {
    output_.clear();
  }
}

}  // namespace plexus::overlay
