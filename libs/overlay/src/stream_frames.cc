// Frame codec (stream_frames.h).
#include "plexus/overlay/stream_frames.h"

#include <limits>

#include "plexus/overlay/bytes.h"
#include "plexus/overlay/session_wire.h"

namespace plexus::overlay {
namespace {

enum FrameType : std::uint8_t {
  kPing = 0x01,
  kAck = 0x02,
  kStream = 0x03,
  kReset = 0x04,
  kMaxStreamData = 0x05,
};

constexpr std::uint64_t kMaxOffset = std::uint64_t{1} << 62;

void append(std::string& out, ByteWriter& w) { out.append(w.bytes()); }

}  // namespace

std::size_t varintSize(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t streamFrameOverhead(std::uint64_t streamId, std::uint64_t offset) {
  return 1 + varintSize(streamId) + varintSize(offset) + 1 + 2;
}

void encodePing(std::string& out) { out.push_back(static_cast<char>(kPing)); }

void encodeAck(std::string& out, const AckFrame& ack) {
  ByteWriter w;
  w.u8(kAck);
  w.varint(ack.floor);
  w.varint(ack.maxData);
  w.varint(ack.ranges.size());
  std::uint64_t prevEnd = ack.floor;
  for (const auto& [start, end] : ack.ranges) {
    w.varint(start - prevEnd);
    w.varint(end - start - 1);
    prevEnd = end;
  }
  append(out, w);
}

void encodeStream(std::string& out, std::uint64_t streamId, std::uint64_t offset, bool fin,
                  std::string_view data) {
  ByteWriter w;
  w.u8(kStream);
  w.varint(streamId);
  w.varint(offset);
  w.u8(fin ? 1 : 0);
  w.blob(data);
  append(out, w);
}

void encodeReset(std::string& out, const ResetFrame& reset) {
  ByteWriter w;
  w.u8(kReset);
  w.varint(reset.streamId);
  w.varint(reset.errorCode);
  w.varint(reset.finalSize);
  append(out, w);
}

void encodeMaxStreamData(std::string& out, const MaxStreamDataFrame& frame) {
  ByteWriter w;
  w.u8(kMaxStreamData);
  w.varint(frame.streamId);
  w.varint(frame.maxOffset);
  append(out, w);
}

std::optional<DecodedPayload> decodePayload(std::string_view plaintext) {
  ByteReader r(plaintext);
  DecodedPayload out;
  auto delta = r.varint();
  if (!delta) return std::nullopt;
  out.leastUnackedDelta = *delta;
  // Bounded: every frame consumes at least one byte.
  while (r.ok() && r.remaining() > 0) {
    const auto type = r.u8();
    switch (*type) {
      case kPing:
        out.frames.emplace_back(PingFrame{});
        break;
      case kAck: {
        AckFrame ack;
        auto floor = r.varint();
        auto maxData = r.varint();
        auto count = r.varint();
        if (!r.ok() || *count > kMaxAckRanges) return std::nullopt;
        ack.floor = *floor;
        ack.maxData = *maxData;
        std::uint64_t prevEnd = ack.floor;
        for (std::uint64_t i = 0; i < *count; ++i) {
          auto gap = r.varint();
          auto lengthMinus1 = r.varint();
          if (!r.ok() || *gap == 0 || *gap > kMaxOffset || *lengthMinus1 > kMaxOffset ||
              prevEnd > kMaxOffset) {
            return std::nullopt;
          }
          const std::uint64_t start = prevEnd + *gap;
          const std::uint64_t end = start + *lengthMinus1 + 1;
          ack.ranges.emplace_back(start, end);
          prevEnd = end;
        }
        out.frames.emplace_back(std::move(ack));
        break;
      }
      case kStream: {
        StreamFrame f;
        auto id = r.varint();
        auto offset = r.varint();
        auto flags = r.u8();
        auto data = r.blob(kMaxSessionDatagram);
        if (!r.ok() || *offset > kMaxOffset || (*flags & ~1U) != 0) return std::nullopt;
        f.streamId = *id;
        f.offset = *offset;
        f.fin = (*flags & 1U) != 0;
        f.data = *data;
        out.frames.emplace_back(f);
        break;
      }
      case kReset: {
        auto id = r.varint();
        auto code = r.varint();
        auto finalSize = r.varint();
        if (!r.ok() || *finalSize > kMaxOffset) return std::nullopt;
        out.frames.emplace_back(ResetFrame{*id, *code, *finalSize});
        break;
      }
      case kMaxStreamData: {
        auto id = r.varint();
        auto maxOffset = r.varint();
        if (!r.ok() || *maxOffset > kMaxOffset) return std::nullopt;
        out.frames.emplace_back(MaxStreamDataFrame{*id, *maxOffset});
        break;
      }
      default:
        return std::nullopt;
    }
  }
  if (!r.ok()) return std::nullopt;
  return out;
}

}  // namespace plexus::overlay
