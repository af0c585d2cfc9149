// NodeId (node_id.h).
#include "plexus/overlay/node_id.h"

namespace plexus::overlay {

std::optional<NodeId> NodeId::fromBytes(std::string_view raw) {
  if (raw.size() != kSize) return std::nullopt;
  NodeId id;
  std::memcpy(id.bytes.data(), raw.data(), kSize);
  return id;
}

std::optional<NodeId> NodeId::fromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // server names are lowercase hex only
  };
  NodeId id;
  for (std::size_t i = 0; i < kSize; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string NodeId::toHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * kSize, '0');
  for (std::size_t i = 0; i < kSize; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

KeyPosition NodeId::position() const {
  KeyPosition v = 0;
  for (std::size_t i = 0; i < 16; ++i) v = v << 8 | bytes[i];
  return v;
}

}  // namespace plexus::overlay
