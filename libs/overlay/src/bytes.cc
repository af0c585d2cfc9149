// ByteWriter / ByteReader (bytes.h).
#include "plexus/overlay/bytes.h"

namespace plexus::overlay {

void ByteWriter::u16(std::uint16_t v) {
  u8(static_cast<std::uint8_t>(v >> 8));
  u8(static_cast<std::uint8_t>(v));
}

void ByteWriter::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  u16(static_cast<std::uint16_t>(v));
}

void ByteWriter::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  u32(static_cast<std::uint32_t>(v));
}

void ByteWriter::varint(std::uint64_t v) {
  while (v >= 0x80) {
    u8(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  u8(static_cast<std::uint8_t>(v));
}

void ByteWriter::blob(std::string_view bytes) {
  varint(bytes.size());
  raw(bytes);
}

std::optional<std::uint8_t> ByteReader::u8() {
  if (failed_ || pos_ >= in_.size()) {
    failed_ = true;
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(in_[pos_++]);
}

std::optional<std::uint16_t> ByteReader::u16() {
  auto b = raw(2);
  if (!b) return std::nullopt;
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>((*b)[0]) << 8) |
                                    static_cast<std::uint8_t>((*b)[1]));
}

std::optional<std::uint32_t> ByteReader::u32() {
  auto hi = u16();
  auto lo = u16();
  if (!hi || !lo) return std::nullopt;
  return (static_cast<std::uint32_t>(*hi) << 16) | *lo;
}

std::optional<std::uint64_t> ByteReader::u64() {
  auto hi = u32();
  auto lo = u32();
  if (!hi || !lo) return std::nullopt;
  return (static_cast<std::uint64_t>(*hi) << 32) | *lo;
}

std::optional<std::uint64_t> ByteReader::varint() {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    auto byte = u8();
    if (!byte) return std::nullopt;
    const std::uint64_t group = *byte & 0x7f;
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (i == kMaxVarintBytes - 1 && group > 1) break;
    value |= group << (7 * i);
    if ((*byte & 0x80) == 0) {
      // Minimal encoding: a trailing zero group (other than a lone zero) is a second spelling.
      if (i > 0 && group == 0) break;
      return value;
    }
  }
  failed_ = true;
  return std::nullopt;
}

std::optional<std::string_view> ByteReader::raw(std::size_t n) {
  if (failed_ || in_.size() - pos_ < n) {
    failed_ = true;
    return std::nullopt;
  }
  auto out = in_.substr(pos_, n);
  pos_ += n;
  return out;
}

std::optional<std::string_view> ByteReader::blob(std::size_t maxLength) {
  auto length = varint();
  if (!length) return std::nullopt;
  if (*length > maxLength) {
    failed_ = true;
    return std::nullopt;
  }
  return raw(static_cast<std::size_t>(*length));
}

}  // namespace plexus::overlay
