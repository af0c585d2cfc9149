// Per-peer connection, the lifecycle side: streams, handshakes and rekeys, timers, and tearing
// down (session_connection.h; the packet side is in session_connection_packets.cc).
#include "session_connection.h"

#include <algorithm>

namespace plexus::overlay::detail {

Connection::Connection(ConnectionHost& host, const crypto::PublicKey& remote, std::uint64_t localId,
                       std::int64_t nowUs)
    : host_(host),
      remote_(remote),
      localId_(localId),
      // Stream ids never collide: the side with the smaller key uses even ids.
      localParity_(host.identity().edPublic.bytes() < remote.bytes() ? 0 : 1),
      rtt_(host.config().initialRtoUs, host.config().minRtoUs, host.config().maxRtoUs),
      lastSentUs_(nowUs),
      lastReceivedUs_(nowUs),
      nextLocalStreamId_(localParity_),
      nextPeerStreamId_(1 - localParity_) {}

Connection::~Connection() { die(kResetConnectionLost); }

CryptoSession* Connection::sessionByIndex(std::uint32_t index) {
  for (auto& s : sessions_) {
    if (s.localIndex == index) return &s;
  }
  return nullptr;
}

void Connection::markDirty() {
  if (dirty_ || dead_) return;
  dirty_ = true;
  host_.wake();
}

void Connection::onConsumed(std::uint64_t bytes) {
  consumedTotal_ += bytes;
  const std::uint64_t window = host_.config().sessionReceiveWindow;
  // Tell the peer at once when the reader has freed half a session window.
  if (consumedTotal_ + window >= localMaxData_ + window / 2) {
    ackPending_ = true;
    ackNow_ = true;
    markDirty();
  }
}

std::shared_ptr<Stream> Connection::openStream() {
  const auto& cfg = host_.config();
  const std::uint64_t id = nextLocalStreamId_;
  nextLocalStreamId_ += 2;
  std::shared_ptr<Stream> s(new Stream(this, id, remote_, kInitialStreamWindow,
                                       cfg.streamReceiveWindow, kInitialStreamWindow,
                                       cfg.streamSendBuffer));
  streams_.emplace(id, s);
  ++host_.counters().streamsOpened;
  markDirty();
  return s;
}

std::shared_ptr<Stream> Connection::findStream(std::uint64_t id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

std::shared_ptr<Stream> Connection::incomingStream(std::uint64_t id) {
  if (auto s = findStream(id)) return s;
  // Our own ids that are gone, and peer ids below the next unseen one, are closed streams.
  if (isLocalStreamId(id) || id < nextPeerStreamId_) return nullptr;
  const auto& cfg = host_.config();
  if ((id - nextPeerStreamId_) / 2 + 1 > cfg.maxIncomingStreams) {
    ++host_.counters().dropsMalformed;
    return nullptr;
  }
  std::size_t open = 0;
  for (const auto& [sid, st] : streams_) {
    if (!isLocalStreamId(sid) && !st->isReset()) ++open;
  }
  // Opening stream n opens every lower unseen peer stream too (their first frames may have been
  // reordered behind this one).
  for (std::uint64_t nid = nextPeerStreamId_; nid <= id; nid += 2) {
    std::shared_ptr<Stream> s(new Stream(this, nid, remote_, kInitialStreamWindow,
                                         cfg.streamReceiveWindow, kInitialStreamWindow,
                                         cfg.streamSendBuffer));
    streams_.emplace(nid, s);
    if (open >= cfg.maxIncomingStreams) {
      s->reset(kResetStreamLimit);
      ++host_.counters().streamsReset;
    } else {
      ++open;
      accepted_.push_back(s);
      ++host_.counters().streamsAccepted;
    }
  }
  nextPeerStreamId_ = id + 2;
  return findStream(id);
}

// --- handshake -----------------------------------------------------------------------------

void Connection::startHandshake(std::int64_t nowUs) {
  if (!established()) {
    // Liveness counts from the first attempt, not from when the connection object was made.
    lastReceivedUs_ = lastSentUs_ = nowUs;
  }
  const std::uint32_t index = host_.allocateIndex();
  auto hs = InitiatorHandshake::start(host_.identity(), remote_, index, localId_, host_.random());
  if (!hs) {
    ++host_.counters().handshakeFailures;
    die(kResetHandshakeFailed);
    return;
  }
  host_.registerIndex(index, this);
  pending_.emplace(PendingHandshake{std::move(*hs), 0, nowUs});
  ++host_.counters().handshakesInitiated;
  sendInitiation(nowUs);
}

void Connection::sendInitiation(std::int64_t nowUs) {
  const auto& cfg = host_.config();
  if (pending_->attempts >= cfg.handshakeAttempts) {
    host_.releaseIndex(pending_->handshake.localIndex());
    pending_.reset();
    ++host_.counters().handshakeFailures;
    if (!established()) {
      die(kResetHandshakeFailed);
    } else {
      rekeyNotBeforeUs_ = nowUs + cfg.rekeyRetryUs;  // keep the old keys; try again later
    }
    return;
  }
  if (pending_->attempts > 0) ++host_.counters().handshakeRetransmits;
  std::int64_t delay = cfg.handshakeRetryUs;
  for (int i = 0; i < pending_->attempts && delay < cfg.handshakeRetryMaxUs; ++i) delay *= 2;
  ++pending_->attempts;
  pending_->nextSendUs = nowUs + std::min(delay, cfg.handshakeRetryMaxUs);
  host_.sendDatagram(remote_, pending_->handshake.message());
}

std::optional<Connection::CompletedHandshake> Connection::finishHandshake(std::string_view response,
                                                                          std::int64_t nowUs) {
  if (!pending_) return std::nullopt;
  auto result = pending_->handshake.finish(response);
  if (!result) {
    ++host_.counters().dropsHandshakeInvalid;
    return std::nullopt;
  }
  CompletedHandshake out;
  out.session.localIndex = pending_->handshake.localIndex();
  out.session.remoteIndex = result->remoteIndex;
  out.session.keys = result->keys;
  out.session.createdUs = nowUs;
  out.session.weInitiated = true;
  out.remoteConnectionId = result->remoteConnectionId;
  pending_.reset();
  ++host_.counters().handshakesCompleted;
  return out;
}

void Connection::installSession(CryptoSession session, std::int64_t nowUs) {
  if (!sessions_.empty()) {
    sessions_.front().retireAtUs = nowUs + host_.config().previousSessionGraceUs;
    ++host_.counters().rekeys;
  }
  // A fresh session from the peer makes our own rekey attempt redundant.
  if (!session.weInitiated && pending_ && !sessions_.empty()) {
    host_.releaseIndex(pending_->handshake.localIndex());
    pending_.reset();
  }
  // The initiator speaks first on a new session: the responder trusts it only after that.
  if (session.weInitiated) pingPending_ = true;
  host_.registerIndex(session.localIndex, this);
  sessions_.insert(sessions_.begin(), std::move(session));
  while (sessions_.size() > 3) {
    host_.releaseIndex(sessions_.back().localIndex);
    sessions_.pop_back();
  }
  rekeyNotBeforeUs_ = 0;
  markDirty();
}

std::int64_t Connection::rekeyAtUs() const {
  if (sessions_.empty()) return kNever;
  const auto& cfg = host_.config();
  const auto& s = sessions_.front();
  // The responder waits a little longer, so usually only the initiator rekeys.
  const std::int64_t after =
      s.weInitiated ? cfg.rekeyAfterUs : cfg.rekeyAfterUs + cfg.rekeyAfterUs / 10;
  return std::max(s.createdUs + after, rekeyNotBeforeUs_);
}

bool Connection::rekeyDue(std::int64_t nowUs) const {
  if (!established() || pending_) return false;
  if (nowUs >= rekeyAtUs()) return true;
  return sessions_.front().packetsSent >= host_.config().rekeyAfterPackets &&
         nowUs >= rekeyNotBeforeUs_;
}

// --- timers --------------------------------------------------------------------------------

void Connection::onTimer(std::int64_t nowUs) {
  if (dead_) return;
  const auto& cfg = host_.config();
  if (!established() && !pending_) return;  // nothing started yet; flush() starts it
  if (nowUs - lastReceivedUs_ >= cfg.idleTimeoutUs) {
    ++host_.counters().sessionsExpired;
    die(kResetConnectionLost);
    return;
  }
  if (pending_ && nowUs >= pending_->nextSendUs) sendInitiation(nowUs);
  if (dead_ || !established()) return;
  for (auto it = sessions_.begin() + 1; it != sessions_.end();) {
    if (it->retireAtUs <= nowUs) {
      host_.releaseIndex(it->localIndex);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  if (nowUs >= lossTimeUs_) detectLosses(nowUs);
  if (!sent_.empty() && nowUs >= rtoStartUs_ + rtt_.rtoUs()) {
    ++host_.counters().retransmissionTimeouts;
    while (!sent_.empty()) onLost(sent_.begin());
    // A single expiry is often a lost ACK on a small window: the losses above already halved
    // the window. Only a second expiry in a row (persistent congestion, RFC 9002 §7.6 in
    // spirit) collapses it to the minimum.
    if (rtt_.backoffCount() >= 1) cc_.onRetransmissionTimeout();
    rtt_.backoff();
    rtoStartUs_ = nowUs;
    // Repeated silence may mean the peer restarted and lost our keys: a fresh handshake finds
    // out (its response carries a new connection id) instead of waiting for the idle timeout.
    if (rtt_.backoffCount() >= 2 && !pending_) startHandshake(nowUs);
    if (dead_) return;
  }
  if (nowUs >= probeAtUs_) {
    pingPending_ = true;
    probeAtUs_ = kNever;
  }
  if (ackPending_ && nowUs >= ackDeadlineUs_) ackNow_ = true;
  if (!streams_.empty() && nowUs - lastSentUs_ >= cfg.keepaliveUs) pingPending_ = true;
  flush(nowUs);
}

std::int64_t Connection::nextTimerUs() const {
  if (dead_ || (!established() && !pending_)) return kNever;
  const auto& cfg = host_.config();
  std::int64_t t = lastReceivedUs_ + cfg.idleTimeoutUs;
  if (pending_) t = std::min(t, pending_->nextSendUs);
  if (!established()) return t;
  for (std::size_t i = 1; i < sessions_.size(); ++i) t = std::min(t, sessions_[i].retireAtUs);
  if (!sent_.empty()) t = std::min({t, rtoStartUs_ + rtt_.rtoUs(), lossTimeUs_});
  t = std::min(t, probeAtUs_);
  if (ackPending_) t = std::min(t, ackDeadlineUs_);
  if (!streams_.empty()) t = std::min(t, lastSentUs_ + cfg.keepaliveUs);
  if (!pending_) t = std::min(t, rekeyAtUs());
  return t;
}

// --- lifetime ------------------------------------------------------------------------------

void Connection::collectGarbage() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    Stream& s = *it->second;
    // Only the connection holds it: the application dropped its last handle. A stream it had
    // finished still delivers what was written (a request sent and forgotten); what arrives is
    // discarded, and once our side is acknowledged the peer is told nobody reads any more.
    if (it->second.use_count() == 1 && !s.isReset() && !s.done()) {
      if (s.finRequested_) {
        if (s.readableBytes() > 0) s.read();
        if (s.writeFinished() && !s.readFinished()) {
          s.reset(kResetAbandoned);
          ++host_.counters().streamsReset;
        }
      } else {
        s.reset(kResetAbandoned);
        ++host_.counters().streamsReset;
      }
    }
    if (s.done() && !s.hasEvents()) {
      s.setHandler({});  // handlers often capture the stream; break the cycle
      s.detach();
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

void Connection::dispatchEvents() {
  auto accepted = std::move(accepted_);
  accepted_.clear();
  for (auto& s : accepted) {
    if (!dead_) host_.onIncomingStream(s);
  }
  std::vector<std::shared_ptr<Stream>> ready;
  for (const auto& [id, s] : streams_) {
    if (s->hasEvents()) ready.push_back(s);
  }
  for (auto& s : ready) s->dispatchEvents();
  auto aborted = std::move(aborted_);
  aborted_.clear();
  for (auto& s : aborted) {
    s->dispatchEvents();
    s->setHandler({});
  }
}

void Connection::die(std::uint64_t code) {
  if (dead_) return;
  dead_ = true;
  for (auto& [id, s] : streams_) {
    if (!s->isReset()) ++host_.counters().streamsReset;
    s->abort(code);
    aborted_.push_back(s);
  }
  streams_.clear();
  accepted_.clear();
  for (const auto& s : sessions_) host_.releaseIndex(s.localIndex);
  sessions_.clear();
  if (pending_) host_.releaseIndex(pending_->handshake.localIndex());
  pending_.reset();
  for (const auto& [n, p] : sent_) cc_.onDiscarded(p.bytes);
  sent_.clear();
}

}  // namespace plexus::overlay::detail
