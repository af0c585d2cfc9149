// NodeId: a node's 32-byte ed25519 public key as the overlay addresses it — the server name of
// a key-named Matrix server is its lowercase hex. Ordered bytewise; key-space distance compares
// the top 128 bits, which separates any two real keys (collisions need ~2^64 nodes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace plexus::overlay {

// Position in key space: the top 128 bits of a key (a GCC/Clang extension type).
__extension__ typedef unsigned __int128 KeyPosition;

struct NodeId {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};

  static std::optional<NodeId> fromBytes(std::string_view raw);
  static std::optional<NodeId> fromHex(std::string_view hex);
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::string toHex() const;
  // The top 128 bits as an integer: the key-space position.
  KeyPosition position() const;

  friend bool operator==(const NodeId&, const NodeId&) = default;
  friend auto operator<=>(const NodeId&, const NodeId&) = default;
};

// |a - b| in key space (top 128 bits).
inline KeyPosition keyDistance(const NodeId& a, const NodeId& b) {
  const auto pa = a.position();
  const auto pb = b.position();
  return pa > pb ? pa - pb : pb - pa;
}

struct NodeIdHash {
  std::size_t operator()(const NodeId& id) const {
    std::size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);  // keys are uniformly random
    return h;
  }
};

}  // namespace plexus::overlay
