// A reliable, ordered, flow-controlled byte stream inside an overlay session
// (docs/overlay.md §Streams). Either side opens streams (SessionEndpoint::openStream / onStream);
// each direction ends with finish() (FIN, a half-close) and either side may abort both
// directions with reset() (RST). Federation runs one HTTP/1.1 request per stream: the client
// writes the request and finishes, the server reads to readFinished(), answers and finishes.
//
// Threading: a Stream belongs to its SessionEndpoint's thread; calls only buffer and mark work,
// the endpoint sends on its next call (see SessionEndpoint::nextTimerUs). The handle stays valid
// after the session dies (the stream is then reset). Dropping the last handle of a stream
// resets it, unless finish() was called: then the written data and FIN are still delivered,
// incoming data is discarded, and the stream is reset once our side is acknowledged if the
// peer is still sending. Handlers may capture the stream's shared_ptr; the cycle is broken when
// the stream closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/stream_interval_set.h"

namespace plexus::overlay {

namespace detail {
class Connection;
}

// Reset codes the session layer itself uses; application codes should stay below 2^32.
inline constexpr std::uint64_t kResetConnectionLost = 0x1'0000'0001;
inline constexpr std::uint64_t kResetHandshakeFailed = 0x1'0000'0002;
inline constexpr std::uint64_t kResetStreamLimit = 0x1'0000'0003;
inline constexpr std::uint64_t kResetAbandoned = 0x1'0000'0004;

struct StreamHandler {
  std::function<void()> onReadable;                 // data or the end of the stream can be read
  std::function<void()> onWritable;                 // send-buffer space freed after a short write()
  std::function<void(std::uint64_t code)> onReset;  // aborted by the peer or by session loss
};

class Stream {
 public:
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  std::uint64_t id() const { return id_; }
  // The authenticated key of the node at the other end.
  const crypto::PublicKey& remoteKey() const { return remote_; }

  // Queues bytes; returns how many were accepted (less than asked when the send buffer is full,
  // 0 after finish() or a reset). onWritable fires when space frees up after a short write.
  std::size_t write(std::string_view data);
  std::size_t writableBytes() const;
  // Sends FIN after everything written so far.
  void finish();
  // Takes up to maxBytes of in-order data.
  std::string read(std::size_t maxBytes = std::numeric_limits<std::size_t>::max());
  std::size_t readableBytes() const { return recvBuf_.size(); }
  // The peer finished and every byte has been read.
  bool readFinished() const { return finalSize_ && readOffset_ == *finalSize_; }
  // Our FIN and all our data were acknowledged.
  bool writeFinished() const { return finAcked_ && sendBase_ == writeEnd_; }
  // Aborts both directions and tells the peer (RESET frame, retransmitted until acknowledged).
  void reset(std::uint64_t code);
  bool isReset() const { return resetLocal_ || resetRemote_; }
  std::uint64_t resetCode() const { return resetCode_; }

  void setHandler(StreamHandler handler) { handler_ = std::move(handler); }

  // Bytes held in memory on each side of the stream (for flow-control tests and metrics).
  std::size_t bufferedSendBytes() const { return sendBuf_.size(); }
  std::size_t bufferedReceiveBytes() const { return recvBuf_.size() + oooBytes_; }

 private:
  friend class detail::Connection;

  struct Chunk {
    std::uint64_t offset = 0;
    std::string_view data;
    bool fin = false;
    std::uint64_t newBytes = 0;  // bytes never sent before (session credit spent)
  };

  Stream(detail::Connection* owner, std::uint64_t id, const crypto::PublicKey& remote,
         std::uint64_t initialSendLimit, std::uint64_t receiveWindow,
         std::uint64_t initialReceiveLimit, std::size_t sendBufferLimit);

  // --- used by detail::Connection ---
  bool wantsToSend(std::uint64_t sessionCredit) const;
  // The next piece to send with at most maxData payload bytes; nullopt when nothing is ready.
  std::optional<Chunk> nextChunk(std::size_t maxData, std::uint64_t sessionCredit);
  void onChunkAcked(std::uint64_t offset, std::uint64_t length, bool fin);
  void onChunkLost(std::uint64_t offset, std::uint64_t length, bool fin);
  // Incoming STREAM frame. Returns the bytes it adds to the session's received total, or
  // nullopt when it breaks flow control or the final size (then it is ignored).
  std::optional<std::uint64_t> onData(std::uint64_t offset, std::string_view data, bool fin,
                                      std::uint64_t sessionRoom);
  struct Settled {
    std::uint64_t received = 0;  // added to the session's received total
    std::uint64_t consumed = 0;  // added to the session's consumed total
  };
  Settled onRemoteReset(std::uint64_t code, std::uint64_t finalSize);
  void onMaxStreamData(std::uint64_t maxOffset);
  std::optional<std::uint64_t> takeWindowUpdate();
  void onWindowUpdateLost();
  bool resetFramePending() const { return resetFramePending_; }
  std::uint64_t sentFinalSize() const { return nextNew_; }
  void onResetSent() { resetFramePending_ = false; }
  void onResetLost() {
    if (!resetAcked_) resetFramePending_ = true;
  }
  void onResetAcked() { resetAcked_ = true; }
  // Session gone: buffers dropped, onReset(code) queued.
  void abort(std::uint64_t code);
  // Nothing more will be sent or delivered; the connection may forget the stream.
  bool done() const;
  bool hasEvents() const { return eventReadable_ || eventWritable_ || eventReset_; }
  void dispatchEvents();
  void detach() { owner_ = nullptr; }

  void discardBuffers();
  void trimSendBuffer();

  detail::Connection* owner_;
  std::uint64_t id_;
  crypto::PublicKey remote_;
  StreamHandler handler_;

  // Send side: sendBuf_[0] is the byte at offset bufStart_; bytes below sendBase_ are acked.
  std::string sendBuf_;
  std::uint64_t bufStart_ = 0;
  std::uint64_t writeEnd_ = 0;
  std::uint64_t sendBase_ = 0;
  std::uint64_t nextNew_ = 0;
  IntervalSet lost_;
  IntervalSet acked_;
  std::size_t sendBufferLimit_;
  std::uint64_t peerMaxData_;
  bool finRequested_ = false;
  bool finSent_ = false;
  bool finLost_ = false;
  bool finAcked_ = false;
  bool writeBlocked_ = false;

  // Receive side: recvBuf_ holds [readOffset_, readOffset_ + size) in order.
  std::string recvBuf_;
  std::uint64_t readOffset_ = 0;
  std::map<std::uint64_t, std::string> ooo_;
  std::size_t oooBytes_ = 0;
  std::uint64_t highestReceived_ = 0;
  std::optional<std::uint64_t> finalSize_;
  std::uint64_t receiveWindow_;
  std::uint64_t advertisedMax_;
  bool windowUpdatePending_ = false;

  // Reset: either side's RESET ends both directions; both sides send one (it carries the
  // sender's final size so the session's flow-control credit stays exact).
  bool resetLocal_ = false;
  bool resetRemote_ = false;
  bool resetFramePending_ = false;
  bool resetAcked_ = false;
  std::uint64_t resetCode_ = 0;

  bool eventReadable_ = false;
  bool eventWritable_ = false;
  bool eventReset_ = false;
  bool resetReported_ = false;
};

}  // namespace plexus::overlay
