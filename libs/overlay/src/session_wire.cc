// Transport header codec (session_wire.h).
#include "plexus/overlay/session_wire.h"

#include "plexus/overlay/bytes.h"

namespace plexus::overlay {

std::string encodeTransportHeader(const TransportHeader& header) {
  ByteWriter w(kTransportHeaderSize);
  w.u8(static_cast<std::uint8_t>(SessionMessageType::kTransport));
  w.u32(header.receiverIndex);
  w.u64(header.packetNumber);
  return w.take();
}

std::optional<TransportHeader> decodeTransportHeader(std::string_view datagram) {
  // The smallest valid datagram is a header and an AEAD tag around an empty plaintext.
  if (datagram.size() < kTransportHeaderSize + 16 || datagram.size() > kMaxSessionDatagram) {
    return std::nullopt;
  }
  ByteReader r(datagram.substr(0, kTransportHeaderSize));
  auto type = r.u8();
  auto index = r.u32();
  auto number = r.u64();
  if (!r.done() || *type != static_cast<std::uint8_t>(SessionMessageType::kTransport)) {
    return std::nullopt;
  }
  return TransportHeader{*index, *number};
}

}  // namespace plexus::overlay
