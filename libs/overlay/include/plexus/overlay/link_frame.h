// Sealed records of an open peer link (docs/overlay.md §Link). Every record on the TCP stream is
// `u16 BE length || ChaCha20-Poly1305-IETF ciphertext`, the length bytes being the associated
// data and the nonce 4 zero bytes || u64 BE record counter (per direction, from 0). The
// plaintext is `u8 frame type || payload`. Counters are implicit, so a replayed, reordered,
// dropped or injected record fails authentication, and any failure is fatal to the link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/overlay/link_handshake.h"

namespace plexus::overlay {

// Frame types 0-15 belong to the link layer; 16-255 go to the user (the router) untouched.
inline constexpr std::uint8_t kFrameKeepalive = 0;
inline constexpr std::uint8_t kFrameClose = 1;  // payload: u8 LinkCloseCode
inline constexpr std::uint8_t kFirstUserFrameType = 16;

inline constexpr std::size_t kFrameLengthSize = 2;
inline constexpr std::size_t kFrameTagSize = 16;
inline constexpr std::size_t kDefaultMaxFramePayload = 16 * 1024;
// The largest payload a u16 record length can carry (type byte and tag included in the length).
inline constexpr std::size_t kMaxFramePayloadLimit = 0xFFFF - 1 - kFrameTagSize;

struct OpenedFrame {
  std::uint8_t type = 0;
  std::string payload;
};

class FrameSealer {
 public:
  // `maxPayload` is clamped to kMaxFramePayloadLimit. `firstCounter` is 0 on a real link.
  explicit FrameSealer(const LinkKey& key, std::size_t maxPayload = kDefaultMaxFramePayload,
                       std::uint64_t firstCounter = 0);
  ~FrameSealer();
  FrameSealer(const FrameSealer&) = delete;
  FrameSealer& operator=(const FrameSealer&) = delete;

  // Appends one record to `out`. kTooLarge when the payload exceeds the maximum; kUnavailable
  // once the counter is exhausted (the link must be replaced).
  Status seal(std::uint8_t type, std::string_view payload, std::string& out);
  std::uint64_t counter() const { return counter_; }
  std::size_t maxPayload() const { return maxPayload_; }

 private:
  LinkKey key_;
  std::size_t maxPayload_;
  std::uint64_t counter_;
  bool exhausted_ = false;
};

// Opens records from bytes that arrive in arbitrary chunks. Holds at most one partial record.
class FrameOpener {
 public:
  explicit FrameOpener(const LinkKey& key, std::size_t maxPayload = kDefaultMaxFramePayload,
                       std::uint64_t firstCounter = 0);
  ~FrameOpener();
  FrameOpener(const FrameOpener&) = delete;
  FrameOpener& operator=(const FrameOpener&) = delete;

  // Takes `bytes` and returns every record they complete, in order. An error (kInvalidSignature
  // on authentication failure, kTooLarge on an oversize or undersize length, kUnavailable on
  // counter exhaustion) is final: later calls fail the same way. Frames completed before the
  // bad record in the same call are lost with the link.
  Result<std::vector<OpenedFrame>> consume(std::string_view bytes);

  bool failed() const { return failure_.has_value(); }
  std::uint64_t counter() const { return counter_; }
  // Bytes held of an incomplete record.
  std::size_t buffered() const { return buffer_.size(); }

 private:
  Error failWith(Error error);

  LinkKey key_;
  std::size_t maxPayload_;
  std::uint64_t counter_;
  bool exhausted_ = false;
  std::string buffer_;
  std::optional<Error> failure_;
};

}  // namespace plexus::overlay
