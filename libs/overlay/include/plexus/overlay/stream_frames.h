// Frames inside a transport datagram's plaintext (docs/overlay.md §Streams). The plaintext is
// `varint leastUnackedDelta` followed by frames, each starting with a type byte:
//
//   0x01 PING             (nothing)                                   ack-eliciting
//   0x02 ACK              varint floor | varint maxData | varint n
//                         | n x (varint gap, varint length-1)         not ack-eliciting
//   0x03 STREAM           varint streamId | varint offset | u8 flags(bit0 FIN) | blob data
//   0x04 RESET            varint streamId | varint errorCode | varint finalSize
//   0x05 MAX_STREAM_DATA  varint streamId | varint maxOffset
//
// leastUnackedDelta: packet number minus the sender's oldest packet it still waits an ACK for;
// the receiver treats every number below that as settled, which keeps the ACK cumulative even
// though pure ACK packets are never retransmitted (the idea of gQUIC's STOP_WAITING).
// ACK: every packet number below `floor` is received or settled (the cumulative part); the SACK
// ranges above it ascend: the first starts `gap` after floor, each next one `gap` after the end
// of the previous (gap >= 1). maxData is the session-wide receive limit in stream bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace plexus::overlay {

inline constexpr std::size_t kMaxAckRanges = 32;

struct PingFrame {};
struct AckFrame {
  std::uint64_t floor = 0;
  std::uint64_t maxData = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // [start, end), ascending
};
struct StreamFrame {
  std::uint64_t streamId = 0;
  std::uint64_t offset = 0;
  bool fin = false;
  std::string_view data;  // points into the decrypted plaintext
};
struct ResetFrame {
  std::uint64_t streamId = 0;
  std::uint64_t errorCode = 0;
  std::uint64_t finalSize = 0;
};
struct MaxStreamDataFrame {
  std::uint64_t streamId = 0;
  std::uint64_t maxOffset = 0;
};

using Frame = std::variant<PingFrame, AckFrame, StreamFrame, ResetFrame, MaxStreamDataFrame>;

struct DecodedPayload {
  std::uint64_t leastUnackedDelta = 0;
  std::vector<Frame> frames;
};

void encodePing(std::string& out);
void encodeAck(std::string& out, const AckFrame& ack);
void encodeStream(std::string& out, std::uint64_t streamId, std::uint64_t offset, bool fin,
                  std::string_view data);
void encodeReset(std::string& out, const ResetFrame& reset);
void encodeMaxStreamData(std::string& out, const MaxStreamDataFrame& frame);
// Bytes a STREAM frame header takes for these fields and a data length below 2^14.
std::size_t streamFrameOverhead(std::uint64_t streamId, std::uint64_t offset);
std::size_t varintSize(std::uint64_t v);

// Parses a whole plaintext; nullopt when any frame is malformed or an ACK's ranges are not
// ascending and disjoint.
std::optional<DecodedPayload> decodePayload(std::string_view plaintext);

}  // namespace plexus::overlay
