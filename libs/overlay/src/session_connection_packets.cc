// Per-peer connection, the packet side: receiving (frames, ACK generation), loss detection and
// recovery from ACKs, and packetising ACKs, control frames and stream data (session_connection.h).
#include <algorithm>

#include "plexus/overlay/bytes.h"
#include "plexus/overlay/session_wire.h"
#include "session_connection.h"

namespace plexus::overlay::detail {
namespace {

// A packet is lost once a packet sent this many numbers later is acknowledged (the TCP
// three-duplicate-ACK rule, in packet numbers as RFC 9002 §6.1.1 does).
constexpr std::uint64_t kPacketThreshold = 3;
// A stream frame header's worst case: type, two 10-byte varints, flags, 2-byte length.
constexpr std::size_t kStreamFrameOverhead = 24;
constexpr std::size_t kMaxReceivedRanges = 256;
constexpr int kMaxPacketsPerFlush = 512;

}  // namespace

// --- receiving -----------------------------------------------------------------------------

void Connection::onPacket(std::uint64_t packetNumber, std::string_view plaintext,
                          std::int64_t nowUs) {
  lastReceivedUs_ = nowUs;
  heardFromPeer_ = true;
  auto decoded = decodePayload(plaintext);
  if (!decoded) {
    ++host_.counters().dropsMalformed;
    return;
  }
  if (decoded->leastUnackedDelta <= packetNumber) {
    const std::uint64_t least = packetNumber - decoded->leastUnackedDelta;
    if (least > recvFloor_) {
      recvFloor_ = least;
      received_.eraseBelow(least);
    }
  }
  const bool outOfOrder = packetNumber != largestReceived_ + 1;
  if (packetNumber >= recvFloor_) received_.add(packetNumber, packetNumber + 1);
  if (!received_.empty()) {
    const auto first = *received_.ranges().begin();
    if (first.first <= recvFloor_) {
      recvFloor_ = std::max(recvFloor_, first.second);
      received_.eraseBelow(recvFloor_);
    }
  }
  while (received_.rangeCount() > kMaxReceivedRanges) {
    const auto first = *received_.ranges().begin();
    received_.remove(first.first, first.second);
  }
  largestReceived_ = std::max(largestReceived_, packetNumber);

  bool ackEliciting = false;
  auto& counters = host_.counters();
  for (const Frame& frame : decoded->frames) {
    if (std::holds_alternative<AckFrame>(frame)) {
      onAck(std::get<AckFrame>(frame), nowUs);
      continue;
    }
    ackEliciting = true;
    if (const auto* f = std::get_if<StreamFrame>(&frame)) {
      auto s = incomingStream(f->streamId);
      if (!s) continue;
      const std::uint64_t room =
          localMaxData_ > receivedTotal_ ? localMaxData_ - receivedTotal_ : 0;
      auto added = s->onData(f->offset, f->data, f->fin, room);
      if (!added) {
        ++counters.dropsFlowControl;
      } else {
        receivedTotal_ += *added;
        counters.streamBytesReceived += *added;
      }
    } else if (const auto* r = std::get_if<ResetFrame>(&frame)) {
      auto s = incomingStream(r->streamId);
      if (!s) continue;
      const bool wasReset = s->isReset();
      const auto settled = s->onRemoteReset(r->errorCode, r->finalSize);
      receivedTotal_ += settled.received;
      consumedTotal_ += settled.consumed;
      if (!wasReset) ++counters.streamsReset;
      markDirty();
    } else if (const auto* m = std::get_if<MaxStreamDataFrame>(&frame)) {
      // May come before the stream's first data (same packet, earlier frame).
      if (auto s = incomingStream(m->streamId)) s->onMaxStreamData(m->maxOffset);
      markDirty();
    }
  }
  if (ackEliciting) {
    ackPending_ = true;
    ++ackElicitingSinceAck_;
    // ACK at once on every second packet or when packets arrive out of order (gaps make the
    // sender's fast retransmit work); otherwise within ackDelayUs.
    if (ackElicitingSinceAck_ >= 2 || outOfOrder || !received_.empty()) {
      ackNow_ = true;
    } else if (ackDeadlineUs_ == kNever) {
      ackDeadlineUs_ = nowUs + host_.config().ackDelayUs;
    }
    markDirty();
  }
}

void Connection::onAck(const AckFrame& ack, std::int64_t nowUs) {
  const std::uint64_t top = ack.ranges.empty() ? ack.floor : ack.ranges.back().second;
  if (top > nextPacketNumber_) {
    ++host_.counters().dropsMalformed;  // acknowledges packets never sent
    return;
  }
  if (ack.maxData > peerMaxData_) {
    peerMaxData_ = ack.maxData;
    markDirty();
  }
  bool newlyAcked = false;
  std::uint64_t largestNew = 0;
  std::int64_t largestNewSentUs = 0;
  auto take = [&](std::map<std::uint64_t, SentPacket>::iterator it) {
    if (!newlyAcked || it->first > largestNew) {
      largestNew = it->first;
      largestNewSentUs = it->second.sentUs;
    }
    newlyAcked = true;
    onAcked(it);
  };
  while (!sent_.empty() && sent_.begin()->first < ack.floor) take(sent_.begin());
  for (const auto& [start, end] : ack.ranges) {
    auto it = sent_.lower_bound(start);
    while (it != sent_.end() && it->first < end) {
      auto next = std::next(it);
      take(it);
      it = next;
    }
  }
  if (top == 0) return;
  const std::uint64_t largestInAck = top - 1;
  if (!anyAcked_ || largestInAck > largestAcked_) largestAcked_ = largestInAck;
  anyAcked_ = true;
  if (newlyAcked) {
    // RFC 9002 §5.1: sample only when the ACK's largest number is newly acknowledged. Packet
    // numbers are never reused, so Karn's ambiguity does not arise.
    if (largestNew == largestInAck) rtt_.sample(nowUs - largestNewSentUs);
    rtt_.resetBackoff();
    rtoStartUs_ = nowUs;
  }
  detectLosses(nowUs);
}

void Connection::detectLosses(std::int64_t nowUs) {
  lossTimeUs_ = kNever;
  if (!anyAcked_) return;
  while (!sent_.empty() && sent_.begin()->first + kPacketThreshold <= largestAcked_) {
    ++host_.counters().fastRetransmits;
    onLost(sent_.begin());
  }
  // Time threshold (RFC 9002 §6.1.2): a packet sent 9/8 RTT before now and older than one
  // acknowledged is lost too; this catches losses near the end of a burst, with too few later
  // packets for the packet threshold. A timer covers the ones not old enough yet.
  if (!rtt_.hasSample()) return;
  const std::int64_t lossDelay = std::max<std::int64_t>(1000, rtt_.srttUs() * 9 / 8);
  while (!sent_.empty() && sent_.begin()->first < largestAcked_) {
    if (sent_.begin()->second.sentUs > nowUs - lossDelay) {
      lossTimeUs_ = sent_.begin()->second.sentUs + lossDelay;
      return;
    }
    ++host_.counters().fastRetransmits;
    onLost(sent_.begin());
  }
}

void Connection::onAcked(std::map<std::uint64_t, SentPacket>::iterator it) {
  cc_.onAcked(it->first, it->second.bytes);
  for (const SentItem& item : it->second.items) {
    auto s = findStream(item.streamId);
    if (!s) continue;
    switch (item.kind) {
      case SentItem::Kind::kStream:
        s->onChunkAcked(item.offset, item.length, item.fin);
        break;
      case SentItem::Kind::kReset:
        s->onResetAcked();
        break;
      case SentItem::Kind::kWindow:
        break;
    }
  }
  sent_.erase(it);
  markDirty();
}

void Connection::onLost(std::map<std::uint64_t, SentPacket>::iterator it) {
  cc_.onLost(it->first, it->second.bytes, nextPacketNumber_);
  for (const SentItem& item : it->second.items) {
    auto s = findStream(item.streamId);
    if (!s) continue;
    switch (item.kind) {
      case SentItem::Kind::kStream:
        s->onChunkLost(item.offset, item.length, item.fin);
        break;
      case SentItem::Kind::kReset:
        s->onResetLost();
        break;
      case SentItem::Kind::kWindow:
        s->onWindowUpdateLost();
        break;
    }
  }
  ++host_.counters().retransmissions;
  sent_.erase(it);
  markDirty();
}

// --- sending -------------------------------------------------------------------------------

AckFrame Connection::buildAck() {
  localMaxData_ = std::max(localMaxData_, consumedTotal_ + host_.config().sessionReceiveWindow);
  AckFrame ack;
  ack.floor = recvFloor_;
  ack.maxData = localMaxData_;
  // The newest ranges matter most (they drive loss detection); older holes are covered by the
  // sender's own timeout.
  const auto& ranges = received_.ranges();
  const std::size_t skip = ranges.size() > kMaxAckRanges ? ranges.size() - kMaxAckRanges : 0;
  std::size_t i = 0;
  for (const auto& [start, end] : ranges) {
    if (i++ >= skip) ack.ranges.emplace_back(start, end);
  }
  return ack;
}

bool Connection::blockedOnFlowControl() const {
  for (const auto& [id, s] : streams_) {
    if (s->isReset() || s->nextNew_ >= s->writeEnd_) continue;
    if (s->nextNew_ >= s->peerMaxData_ || sentTotal_ >= peerMaxData_) return true;
  }
  return false;
}

bool Connection::buildAndSendPacket(std::int64_t nowUs) {
  CryptoSession& session = sessions_.front();
  const std::uint64_t number = nextPacketNumber_;
  const std::uint64_t least = sent_.empty() ? number : sent_.begin()->first;
  ByteWriter lead;
  lead.varint(number - least);
  std::string plain = lead.take();
  std::vector<SentItem> items;
  bool eliciting = false;
  const bool ackDue = ackPending_ && (ackNow_ || nowUs >= ackDeadlineUs_);
  const bool hasAck = ackPending_;
  if (hasAck) encodeAck(plain, buildAck());
  if (pingPending_) {
    encodePing(plain);
    pingPending_ = false;
    eliciting = true;
  }
  for (const auto& [id, s] : streams_) {
    if (plain.size() + 48 > kMaxTransportPlaintext) break;
    if (s->resetFramePending()) {
      encodeReset(plain, ResetFrame{id, s->resetCode(), s->sentFinalSize()});
      s->onResetSent();
      items.push_back(SentItem{SentItem::Kind::kReset, false, id, 0, 0});
      eliciting = true;
    }
    if (auto max = s->takeWindowUpdate()) {
      encodeMaxStreamData(plain, MaxStreamDataFrame{id, *max});
      items.push_back(SentItem{SentItem::Kind::kWindow, false, id, 0, 0});
      eliciting = true;
    }
  }
  if (!streams_.empty() && cc_.canSend(kMaxSessionDatagram)) {
    std::uint64_t credit = peerMaxData_ > sentTotal_ ? peerMaxData_ - sentTotal_ : 0;
    auto it = streams_.lower_bound(roundRobinNext_);
    bool advanced = false;
    for (std::size_t visited = 0; visited < streams_.size(); ++visited, ++it) {
      if (it == streams_.end()) it = streams_.begin();
      if (plain.size() + kStreamFrameOverhead + 32 > kMaxTransportPlaintext) break;
      Stream& s = *it->second;
      while (plain.size() + kStreamFrameOverhead + 16 <= kMaxTransportPlaintext) {
        const std::size_t room = kMaxTransportPlaintext - plain.size() - kStreamFrameOverhead;
        auto chunk = s.nextChunk(room, credit);
        if (!chunk) break;
        encodeStream(plain, it->first, chunk->offset, chunk->fin, chunk->data);
        items.push_back(SentItem{SentItem::Kind::kStream, chunk->fin, it->first, chunk->offset,
                                 chunk->data.size()});
        credit -= chunk->newBytes;
        sentTotal_ += chunk->newBytes;
        host_.counters().streamBytesSent += chunk->newBytes;
        eliciting = true;
        if (!advanced) {
          // The next packet starts with the stream after the first one served here.
          roundRobinNext_ = it->first + 1;
          advanced = true;
        }
      }
    }
  }
  if (!eliciting && !(hasAck && ackDue)) return false;

  const std::string header = encodeTransportHeader(TransportHeader{session.remoteIndex, number});
  std::string datagram = header + aeadSeal(session.keys.send, number, header, plain);
  ++nextPacketNumber_;
  ++session.packetsSent;
  lastSentUs_ = nowUs;
  if (hasAck) {
    ackPending_ = false;
    ackNow_ = false;
    ackElicitingSinceAck_ = 0;
    ackDeadlineUs_ = kNever;
  }
  if (eliciting) {
    if (sent_.empty()) rtoStartUs_ = nowUs;
    cc_.onSent(datagram.size());
    sent_.emplace(number, SentPacket{nowUs, datagram.size(), std::move(items)});
  }
  host_.sendDatagram(remote_, std::move(datagram));
  return true;
}

void Connection::flush(std::int64_t nowUs) {
  dirty_ = false;
  if (dead_) return;
  if (!established()) {
    if (!pending_) startHandshake(nowUs);
    return;
  }
  if (rekeyDue(nowUs)) startHandshake(nowUs);
  if (dead_) return;
  int sentCount = 0;
  while (sentCount < kMaxPacketsPerFlush && buildAndSendPacket(nowUs)) ++sentCount;
  if (sentCount == kMaxPacketsPerFlush) markDirty();  // more to send; come back at once
  // A sender stopped by the peer's windows with nothing in flight probes with a PING, whose
  // ACK carries the current session window (and lost window updates get resent).
  if (sent_.empty() && blockedOnFlowControl()) {
    if (probeAtUs_ == kNever) probeAtUs_ = nowUs + rtt_.rtoUs();
  } else {
    probeAtUs_ = kNever;
  }
}

}  // namespace plexus::overlay::detail
