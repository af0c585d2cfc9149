// Stream send/receive buffers, retransmission bookkeeping and flow control (stream.h).
#include "plexus/overlay/stream.h"

#include <algorithm>
#include <vector>

#include "session_connection.h"

namespace plexus::overlay {

Stream::Stream(detail::Connection* owner, std::uint64_t id, const crypto::PublicKey& remote,
               std::uint64_t initialSendLimit, std::uint64_t receiveWindow,
               std::uint64_t initialReceiveLimit, std::size_t sendBufferLimit)
    : owner_(owner),
      id_(id),
      remote_(remote),
      sendBufferLimit_(sendBufferLimit),
      peerMaxData_(initialSendLimit),
      receiveWindow_(receiveWindow),
      advertisedMax_(initialReceiveLimit) {
  // Grow the peer's allowance to our configured window right away.
  if (receiveWindow_ > advertisedMax_) {
    advertisedMax_ = receiveWindow_;
    windowUpdatePending_ = true;
  }
}

std::size_t Stream::writableBytes() const {
  if (owner_ == nullptr || isReset() || finRequested_) return 0;
  const std::uint64_t used = writeEnd_ - sendBase_;
  return used >= sendBufferLimit_ ? 0 : static_cast<std::size_t>(sendBufferLimit_ - used);
}

std::size_t Stream::write(std::string_view data) {
  const std::size_t n = std::min(data.size(), writableBytes());
  if (n < data.size()) writeBlocked_ = true;
  if (n == 0) return 0;
  sendBuf_.append(data.substr(0, n));
  writeEnd_ += n;
  owner_->markDirty();
  return n;
}

void Stream::finish() {
  if (owner_ == nullptr || isReset() || finRequested_) return;
  finRequested_ = true;
  owner_->markDirty();
}

std::string Stream::read(std::size_t maxBytes) {
  const std::size_t n = std::min(maxBytes, recvBuf_.size());
  std::string out = recvBuf_.substr(0, n);
  recvBuf_.erase(0, n);
  readOffset_ += n;
  if (n > 0 && owner_ != nullptr) {
    owner_->onConsumed(n);
    const std::uint64_t target = readOffset_ + receiveWindow_;
    if (!finalSize_ && !isReset() && target > advertisedMax_ &&
        target - advertisedMax_ >= receiveWindow_ / 2) {
      advertisedMax_ = target;
      windowUpdatePending_ = true;
      owner_->markDirty();
    }
  }
  return out;
}

void Stream::reset(std::uint64_t code) {
  if (isReset()) return;
  resetLocal_ = true;
  resetCode_ = code;
  if (owner_ != nullptr) {
    // What the peer sent us and we will never read still counts as consumed for the session.
    owner_->onConsumed(highestReceived_ - readOffset_);
    readOffset_ = highestReceived_;
    resetFramePending_ = true;
    owner_->markDirty();
  }
  discardBuffers();
}

void Stream::discardBuffers() {
  sendBuf_.clear();
  sendBuf_.shrink_to_fit();
  bufStart_ = sendBase_ = writeEnd_;
  lost_.clear();
  acked_.clear();
  recvBuf_.clear();
  recvBuf_.shrink_to_fit();
  ooo_.clear();
  oooBytes_ = 0;
  windowUpdatePending_ = false;
}

bool Stream::wantsToSend(std::uint64_t sessionCredit) const {
  if (isReset()) return false;
  if (!lost_.empty()) return true;
  if (nextNew_ < writeEnd_ && nextNew_ < peerMaxData_ && sessionCredit > 0) return true;
  return finRequested_ && nextNew_ == writeEnd_ && (!finSent_ || finLost_);
}

std::optional<Stream::Chunk> Stream::nextChunk(std::size_t maxData, std::uint64_t sessionCredit) {
  if (isReset()) return std::nullopt;
  const std::string_view buf(sendBuf_);
  if (!lost_.empty()) {
    const auto [start, end] = *lost_.ranges().begin();
    const std::uint64_t len = std::min<std::uint64_t>(end - start, maxData);
    if (len == 0) return std::nullopt;
    lost_.remove(start, start + len);
    const bool fin = finRequested_ && start + len == writeEnd_;
    if (fin) {
      finSent_ = true;
      finLost_ = false;
    }
    return Chunk{start, buf.substr(start - bufStart_, len), fin, 0};
  }
  const std::uint64_t limit = std::min(
      {writeEnd_, peerMaxData_, nextNew_ + std::min<std::uint64_t>(sessionCredit, maxData)});
  if (nextNew_ < limit) {
    const std::uint64_t start = nextNew_;
    const std::uint64_t len = limit - start;
    nextNew_ = limit;
    const bool fin = finRequested_ && nextNew_ == writeEnd_;
    if (fin) {
      finSent_ = true;
      finLost_ = false;
    }
    return Chunk{start, buf.substr(start - bufStart_, len), fin, len};
  }
  if (finRequested_ && nextNew_ == writeEnd_ && (!finSent_ || finLost_)) {
    finSent_ = true;
    finLost_ = false;
    return Chunk{writeEnd_, {}, true, 0};
  }
  return std::nullopt;
}

void Stream::onChunkAcked(std::uint64_t offset, std::uint64_t length, bool fin) {
  if (isReset()) return;
  if (length > 0) {
    acked_.add(offset, offset + length);
    lost_.remove(offset, offset + length);
    const auto first = acked_.ranges().begin();
    if (first->first <= sendBase_) {
      sendBase_ = std::max(sendBase_, first->second);
      acked_.eraseBelow(sendBase_);
    }
  }
  if (fin) {
    finAcked_ = true;
    finLost_ = false;
  }
  trimSendBuffer();
  if (writeBlocked_ && writableBytes() > 0) {
    writeBlocked_ = false;
    eventWritable_ = true;
  }
}

void Stream::trimSendBuffer() {
  // Erase in steps, not per ACK, so a long buffer is not shifted for every small ACK.
  const std::uint64_t acked = sendBase_ - bufStart_;
  if (acked >= 16 * 1024 || (acked > 0 && sendBase_ == writeEnd_)) {
    sendBuf_.erase(0, acked);
    bufStart_ = sendBase_;
  }
}

void Stream::onChunkLost(std::uint64_t offset, std::uint64_t length, bool fin) {
  if (isReset()) return;
  const std::uint64_t start = std::max(offset, sendBase_);
  const std::uint64_t end = offset + length;
  if (start < end) {
    lost_.add(start, end);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> alreadyAcked;
    for (const auto& [a, b] : acked_.ranges()) {
      if (a >= end) break;
      if (b > start) alreadyAcked.emplace_back(a, b);
    }
    for (const auto& [a, b] : alreadyAcked) lost_.remove(a, b);
  }
  if (fin && !finAcked_) finLost_ = true;
}

std::optional<std::uint64_t> Stream::onData(std::uint64_t offset, std::string_view data, bool fin,
                                            std::uint64_t sessionRoom) {
  if (isReset()) return 0;
  const std::uint64_t end = offset + data.size();
  if (end > advertisedMax_) return std::nullopt;
  if (finalSize_ && (end > *finalSize_ || (fin && end != *finalSize_))) return std::nullopt;
  if (fin && end < highestReceived_) return std::nullopt;
  const std::uint64_t newBytes = end > highestReceived_ ? end - highestReceived_ : 0;
  if (newBytes > sessionRoom) return std::nullopt;
  highestReceived_ += newBytes;
  const bool finNew = fin && !finalSize_;
  if (fin) finalSize_ = end;

  const std::size_t before = recvBuf_.size();
  const std::uint64_t contiguous = readOffset_ + recvBuf_.size();
  if (end > contiguous) {
    if (offset <= contiguous) {
      recvBuf_.append(data.substr(contiguous - offset));
      // Pull in buffered segments that now continue the in-order data.
      while (!ooo_.empty()) {
        auto it = ooo_.begin();
        const std::uint64_t c = readOffset_ + recvBuf_.size();
        if (it->first > c) break;
        const std::uint64_t segEnd = it->first + it->second.size();
        if (segEnd > c) recvBuf_.append(std::string_view(it->second).substr(c - it->first));
        oooBytes_ -= it->second.size();
        ooo_.erase(it);
      }
    } else {
      // Store the parts not yet held, so overlapping retransmissions never duplicate bytes.
      std::uint64_t pos = offset;
      while (pos < end) {
        auto it = ooo_.upper_bound(pos);
        if (it != ooo_.begin()) {
          auto prev = std::prev(it);
          const std::uint64_t prevEnd = prev->first + prev->second.size();
          if (prevEnd > pos) {
            pos = prevEnd;
            continue;
          }
        }
        const std::uint64_t pieceEnd = it == ooo_.end() ? end : std::min(end, it->first);
        ooo_.emplace(pos, std::string(data.substr(pos - offset, pieceEnd - pos)));
        oooBytes_ += pieceEnd - pos;
        pos = pieceEnd;
      }
    }
  }
  if (recvBuf_.size() > before || (finNew && readOffset_ + recvBuf_.size() == *finalSize_)) {
    eventReadable_ = true;
  }
  return newBytes;
}

Stream::Settled Stream::onRemoteReset(std::uint64_t code, std::uint64_t finalSize) {
  Settled settled;
  if (resetRemote_) return settled;
  const std::uint64_t final = std::max(finalSize, highestReceived_);
  settled.received = final - highestReceived_;
  highestReceived_ = final;
  settled.consumed = final - readOffset_;
  readOffset_ = final;
  if (!resetLocal_) {
    resetCode_ = code;
    eventReset_ = true;
    // Answer with our own RESET so the peer learns our final size too.
    resetFramePending_ = owner_ != nullptr;
  }
  resetRemote_ = true;
  discardBuffers();
  return settled;
}

void Stream::onMaxStreamData(std::uint64_t maxOffset) {
  if (maxOffset > peerMaxData_) peerMaxData_ = maxOffset;
}

std::optional<std::uint64_t> Stream::takeWindowUpdate() {
  const bool pending = windowUpdatePending_;
  windowUpdatePending_ = false;
  if (!pending || isReset() || finalSize_) return std::nullopt;
  return advertisedMax_;
}

void Stream::onWindowUpdateLost() {
  if (!isReset() && !finalSize_) windowUpdatePending_ = true;
}

void Stream::abort(std::uint64_t code) {
  owner_ = nullptr;
  if (isReset()) return;
  resetLocal_ = resetRemote_ = resetAcked_ = true;
  resetFramePending_ = false;
  resetCode_ = code;
  eventReset_ = true;
  discardBuffers();
}

bool Stream::done() const {
  if (isReset()) return resetRemote_ && (resetAcked_ || owner_ == nullptr);
  return writeFinished() && readFinished();
}

void Stream::dispatchEvents() {
  if (eventReset_) {
    eventReset_ = eventReadable_ = eventWritable_ = false;
    if (!resetReported_) {
      resetReported_ = true;
      if (handler_.onReset) {
        auto onReset = handler_.onReset;
        onReset(resetCode_);
      }
    }
    return;
  }
  if (eventReadable_) {
    eventReadable_ = false;
    if (handler_.onReadable) {
      auto onReadable = handler_.onReadable;
      onReadable();
    }
  }
  if (eventWritable_) {
    eventWritable_ = false;
    if (handler_.onWritable) {
      auto onWritable = handler_.onWritable;
      onWritable();
    }
  }
}

}  // namespace plexus::overlay
