// Outer wire layout of session datagrams (docs/overlay.md §Sessions): the first byte says which
// of the three messages a datagram is; transport datagrams carry a clear header that is also the
// AEAD's associated data. Every datagram fits the router's 1,200-byte payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plexus::overlay {

inline constexpr std::size_t kMaxSessionDatagram = 1200;

enum class SessionMessageType : std::uint8_t {
  kInitiation = 0x01,  // handshake message 1 (session_handshake.h)
  kResponse = 0x02,    // handshake message 2
  kTransport = 0x03,   // encrypted frames (stream_frames.h)
};

// type(1) | receiver session id u32 | packet number u64 | ciphertext (frames + 16-byte tag)
inline constexpr std::size_t kTransportHeaderSize = 13;
inline constexpr std::size_t kMaxTransportPlaintext =
    kMaxSessionDatagram - kTransportHeaderSize - 16;

struct TransportHeader {
  std::uint32_t receiverIndex = 0;
  std::uint64_t packetNumber = 0;
};

std::string encodeTransportHeader(const TransportHeader& header);
// Parses the clear header of a transport datagram; nullopt when too short or of another type.
std::optional<TransportHeader> decodeTransportHeader(std::string_view datagram);

}  // namespace plexus::overlay
