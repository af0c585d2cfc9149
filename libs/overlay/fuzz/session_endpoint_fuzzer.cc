// Fuzzes a SessionEndpoint that already has an authenticated session with a peer, so fuzz
// bytes reach the code behind the AEAD too: frame parsing, ACK and loss handling, stream
// reassembly, flow control and resets. Input: a list of records
//   u8 op | u8 length | length bytes
//   op % 4 == 0: the bytes as a raw datagram (handshake, transport or junk)
//   op % 4 == 1: the bytes as a frame payload, sealed by the peer with the next packet number
//   op % 4 == 2: the bytes as a frame payload, sealed with packet number bytes[0] (replays,
//                reordering, old numbers)
//   op % 4 == 3: time passes (length * 7 ms) and the application reads, writes or resets
//                accepted streams depending on the first byte
// The endpoint must never crash and never buffer more than its windows allow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/session_crypto.h"
#include "plexus/overlay/session_endpoint.h"
#include "plexus/overlay/session_wire.h"

namespace {

using plexus::crypto::PublicKey;
using plexus::crypto::SigningKey;
using namespace plexus::overlay;

struct Pair {
  std::vector<std::pair<bool, std::string>> toA;  // (to B?, bytes) queue
  std::unique_ptr<SessionEndpoint> a;
  std::unique_ptr<SessionEndpoint> b;
  std::vector<std::shared_ptr<Stream>> accepted;
  std::vector<std::pair<bool, std::string>> wire;  // true: to B
};

RandomFn seeded(std::uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng](void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>((*rng)());
  };
}

// Delivers queued datagrams both ways until quiet (bounded).
void pump(Pair& p, const PublicKey& ka, const PublicKey& kb, std::int64_t now) {
  for (int i = 0; i < 64 && !p.wire.empty(); ++i) {
    auto batch = std::move(p.wire);
    p.wire.clear();
    for (auto& [toB, bytes] : batch) {
      if (toB) {
        p.b->onDatagram(ka, bytes, now);
      } else {
        p.a->onDatagram(kb, bytes, now);
      }
    }
    p.a->onTimer(now);
    p.b->onTimer(now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SigningKey alice = *SigningKey::fromSeed(std::string(32, '\x01'));
  static const SigningKey bob = *SigningKey::fromSeed(std::string(32, '\x02'));
  const PublicKey ka = alice.publicKey();
  const PublicKey kb = bob.publicKey();
  SessionConfig cfg;
  cfg.streamReceiveWindow = 4096;
  cfg.sessionReceiveWindow = 8192;
  cfg.maxIncomingStreams = 8;

  Pair p;
  std::int64_t now = 1'000'000;
  SessionEndpoint::Callbacks ca;
  ca.sendDatagram = [&p](const PublicKey&, std::string d) { p.wire.emplace_back(true, d); };
  SessionEndpoint::Callbacks cb;
  cb.sendDatagram = [&p](const PublicKey&, std::string d) { p.wire.emplace_back(false, d); };
  cb.onStream = [&p](std::shared_ptr<Stream> s) { p.accepted.push_back(std::move(s)); };
  p.a = std::make_unique<SessionEndpoint>(alice, cfg, ca, seeded(1));
  p.b = std::make_unique<SessionEndpoint>(bob, cfg, cb, seeded(2));
  auto opened = p.a->openStream(kb);
  if (!opened.ok()) std::abort();
  (*opened)->write("hello");
  p.a->onTimer(now);
  pump(p, ka, kb, now);
  auto info = p.a->peerInfo(kb);
  if (!info || !p.b->hasSession(ka)) std::abort();
  p.wire.clear();

  std::uint64_t nextNumber = 1'000;
  std::size_t pos = 0;
  for (int records = 0; records < 256 && pos + 2 <= size; ++records) {
    const std::uint8_t op = data[pos];
    const std::size_t len = std::min<std::size_t>(data[pos + 1], size - pos - 2);
    const std::string bytes(reinterpret_cast<const char*>(data + pos + 2), len);
    pos += 2 + len;
    switch (op % 4) {
      case 0:
        p.b->onDatagram(ka, bytes, now);
        break;
      case 1:
      case 2: {
        const std::uint64_t number =
            op % 4 == 1 ? nextNumber++ : (bytes.empty() ? 0 : static_cast<std::uint8_t>(bytes[0]));
        const std::string header =
            encodeTransportHeader(TransportHeader{info->remoteIndex, number});
        p.b->onDatagram(ka, header + aeadSeal(info->sendKey, number, header, bytes), now);
        break;
      }
      default: {
        now += static_cast<std::int64_t>(len) * 7'000;
        const std::uint8_t action = bytes.empty() ? 0 : static_cast<std::uint8_t>(bytes[0]);
        for (auto& s : p.accepted) {
          if (action % 3 == 0) s->read();
          if (action % 3 == 1) s->write(bytes);
          if (action % 5 == 2) s->reset(action);
          if (action % 7 == 3) s->finish();
        }
        p.b->onTimer(now);
        break;
      }
    }
    for (auto& s : p.accepted) {
      if (s->bufferedReceiveBytes() > cfg.streamReceiveWindow) std::abort();
    }
    p.wire.clear();  // Bob's answers go nowhere: Alice is only a key holder here
  }
  return 0;
}
