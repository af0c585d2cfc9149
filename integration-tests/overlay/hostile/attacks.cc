// The attacks (attacks.h). Every wait is bounded; the longest is slowloris, which waits for the
// node's handshake deadline (LinkOptions::handshakeTimeoutUs, 10 s) plus a margin.
#include "attacks.h"

#include <sodium.h>

#include <random>

#include "hostile_connection.h"
#include "plexus/overlay/bytes.h"
#include "plexus/overlay/link_handshake.h"

namespace plexus::hostile {
namespace {

constexpr int kConnectMs = 3000;
constexpr int kCloseWaitMs = 3000;  // how long a node may take to hang up on a bad record
constexpr std::uint8_t kTreeAnnounce = 16;
constexpr int kFloodMs = 5000;

std::int64_t msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string randomBytes(std::size_t n) {
  std::random_device device;
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(device() & 0xff);
  return out;
}

// Waits for the node to hang up after the offending bytes went out at `start`.
void observeClose(HostileConnection& connection, Clock::time_point start, int waitMs,
                  std::string& received, Observation& o) {
  o.disconnected = connection.waitClosed(received, waitMs);
  if (o.disconnected) o.afterMs = msSince(start);
}

// Completes a valid link handshake as `self` (a fresh key unless given).
Result<OpenLink> handshake(const Target& target, Observation& o,
                           const crypto::SigningKey& self = crypto::SigningKey::generate()) {
  auto link = openLink(target.host, target.port, self, target.key, kConnectMs);
  if (!link.ok()) return link.error();
  if (!o.handshake) o.attackerKey = self.publicKey().toHex();
  o.handshake = true;
  ++o.rounds;
  return link;
}

std::string seal(OpenLink& link, std::uint8_t type, std::string_view payload) {
  std::string record;
  (void)link.sealer->seal(type, payload, record);  // payloads here are far below the maximum
  return record;
}

// ---- before or during the handshake ----

Result<Observation> garbage(const Target& target) {
  Observation o;
  auto connection = HostileConnection::connect(target.host, target.port, kConnectMs);
  if (!connection.ok()) return connection.error();
  std::string bytes = randomBytes(512);
  bytes[0] = 'X';  // never the first byte of the magic
  const auto start = Clock::now();
  (*connection)->sendAll(bytes);
  std::string received;
  observeClose(**connection, start, kCloseWaitMs, received, o);
  o.note = std::to_string(received.size()) + " bytes from the node";
  return o;
}

Result<Observation> forgedHandshake(const Target& target) {
  // A hello that claims key K, then a proof over the right transcript signed by another key.
  Observation o;
  const auto claimed = crypto::SigningKey::generate();
  const auto signer = crypto::SigningKey::generate();
  auto connection = HostileConnection::connect(target.host, target.port, kConnectMs);
  if (!connection.ok()) return connection.error();
  overlay::LinkHandshake hello(overlay::LinkRole::kInitiator, claimed, target.key);
  const std::string ownHello = hello.takeOutput();
  (*connection)->sendAll(ownHello);
  std::string peerHello;
  const auto helloDeadline = Clock::now() + std::chrono::milliseconds(kConnectMs);
  while (peerHello.size() < overlay::kLinkHelloSize && !(*connection)->peerClosed() &&
         Clock::now() < helloDeadline) {
    (*connection)->readSome(peerHello, 200);
  }
  if (peerHello.size() < overlay::kLinkHelloSize) {
    return fail(ErrorCode::kUnavailable, "the node sent no hello");
  }
  const std::string both = ownHello + peerHello.substr(0, overlay::kLinkHelloSize);
  unsigned char transcript[32];
  crypto_generichash(transcript, sizeof transcript,
                     reinterpret_cast<const unsigned char*>(both.data()), both.size(), nullptr, 0);
  std::string message(overlay::kLinkProofLabel);
  message.push_back(static_cast<char>(overlay::LinkRole::kInitiator));
  message.append(reinterpret_cast<const char*>(transcript), sizeof transcript);
  const auto start = Clock::now();
  (*connection)->sendAll(signer.sign(message));
  std::string received;
  observeClose(**connection, start, kCloseWaitMs, received, o);
  o.note = "hello claimed " + claimed.publicKey().toHex().substr(0, 12) + ", proof signed by " +
           signer.publicKey().toHex().substr(0, 12);
  return o;
}

Result<Observation> slowloris(const Target& target, int waitMs) {
  Observation o;
  auto connection = HostileConnection::connect(target.host, target.port, kConnectMs);
  if (!connection.ok()) return connection.error();
  const auto start = Clock::now();
  (*connection)->sendAll("P");  // the first byte of a hello, then silence
  std::string received;
  observeClose(**connection, start, waitMs, received, o);
  o.note = "waited up to " + std::to_string(waitMs) + " ms";
  return o;
}

// ---- after a valid handshake ----

Result<Observation> oversized(const Target& target) {
  // A record header announcing 65,535 bytes (the node's limit is 16 KiB + 17), and no body: a
  // node that waited for (or allocated) the body would not hang up.
  Observation o;
  auto link = handshake(target, o);
  if (!link.ok()) return link.error();
  std::string received = link->received;
  const auto start = Clock::now();
  link->connection->sendAll(std::string("\xff\xff", 2));
  observeClose(*link->connection, start, kCloseWaitMs, received, o);
  o.closeCode = findCloseCode(*link->opener, received);
  return o;
}

Result<Observation> replay(const Target& target) {
  Observation o;
  auto link = handshake(target, o);
  if (!link.ok()) return link.error();
  std::string received = link->received;
  const std::string record = seal(*link, overlay::kFrameKeepalive, {});
  link->connection->sendAll(record);
  ++o.framesSent;
  // Let the node take the genuine record first: the link must still be up after it.
  link->connection->readSome(received, 300);
  if (link->connection->peerClosed()) {
    o.note = "the node closed after the genuine record";
    o.disconnected = true;
    return o;
  }
  const auto start = Clock::now();
  link->connection->sendAll(record);
  ++o.framesSent;
  observeClose(*link->connection, start, kCloseWaitMs, received, o);
  o.closeCode = findCloseCode(*link->opener, received);
  return o;
}

Result<Observation> tamper(const Target& target) {
  Observation o;
  auto link = handshake(target, o);
  if (!link.ok()) return link.error();
  std::string received = link->received;
  std::string record = seal(*link, overlay::kFrameKeepalive, {});
  record[overlay::kFrameLengthSize] ^= 0x01;  // first ciphertext byte
  const auto start = Clock::now();
  link->connection->sendAll(record);
  ++o.framesSent;
  observeClose(*link->connection, start, kCloseWaitMs, received, o);
  o.closeCode = findCloseCode(*link->opener, received);
  return o;
}

std::string announceSigningInput(std::uint8_t tree, std::uint64_t sequence,
                                 const std::vector<std::pair<std::string, std::uint32_t>>& hops,
                                 std::string_view nextHop) {
  overlay::ByteWriter w;
  w.raw("plexus-tree-v1");
  w.u8(tree);
  w.u64(sequence);
  for (const auto& [key, port] : hops) {
    w.raw(key);
    w.u32(port);
  }
  w.raw(nextHop);
  return w.take();
}

Result<Observation> forgedAnnouncement(const Target& target) {
  // Three router frames the node must drop without closing the link: an announcement claiming
  // a root we do not hold (the root's signature is junk; our own hop is signed correctly), one
  // with our own hop signed by another key, and one malformed (no hops).
  Observation o;
  const auto self = crypto::SigningKey::generate();
  auto link = handshake(target, o, self);
  if (!link.ok()) return link.error();
  std::string received = link->received;
  const std::string selfKey(self.publicKey().bytes());
  const std::string rootKey(crypto::SigningKey::generate().publicKey().bytes());
  const std::string nodeKey(target.key.bytes());

  overlay::ByteWriter claimsRoot;
  claimsRoot.u8(0);      // tree
  claimsRoot.varint(7);  // sequence
  claimsRoot.varint(2);  // hops: the claimed root, then us
  claimsRoot.raw(rootKey);
  claimsRoot.varint(1);
  claimsRoot.raw(randomBytes(64));
  claimsRoot.raw(selfKey);
  claimsRoot.varint(1);
  claimsRoot.raw(self.sign(announceSigningInput(0, 7, {{rootKey, 1}, {selfKey, 1}}, nodeKey)));

  overlay::ByteWriter wrongSigner;
  wrongSigner.u8(1);
  wrongSigner.varint(3);
  wrongSigner.varint(1);
  wrongSigner.raw(selfKey);
  wrongSigner.varint(1);
  wrongSigner.raw(
      crypto::SigningKey::generate().sign(announceSigningInput(1, 3, {{selfKey, 1}}, nodeKey)));

  overlay::ByteWriter malformed;
  malformed.u8(0);
  malformed.varint(1);
  malformed.varint(0);  // no hops

  std::string records = seal(*link, kTreeAnnounce, claimsRoot.bytes());
  records += seal(*link, kTreeAnnounce, wrongSigner.bytes());
  records += seal(*link, kTreeAnnounce, malformed.bytes());
  o.framesSent = 3;
  const auto start = Clock::now();
  link->connection->sendAll(records);
  // The link should stay: the penalties (5 + 5 + 1 points) are far below the threshold.
  const auto watchUntil = start + std::chrono::milliseconds(1500);
  while (Clock::now() < watchUntil && !link->connection->peerClosed()) {
    link->connection->readSome(received, 100);
  }
  if (link->connection->peerClosed()) {
    o.disconnected = true;
    o.afterMs = msSince(start);
    o.closeCode = findCloseCode(*link->opener, received);
    return o;
  }
  // Still up: a keepalive goes through, then we leave politely.
  const char normal = 0;
  std::string goodbye = seal(*link, overlay::kFrameKeepalive, {});
  goodbye += seal(*link, overlay::kFrameClose, std::string_view(&normal, 1));
  link->connection->sendAll(goodbye);
  link->connection->waitClosed(received, 1000);
  o.note = "link stayed up for 1500 ms after the forged frames; closed by us";
  return o;
}

// One link flooded with keepalive records as fast as the socket takes them, until the node hangs
// up or `until` passes. Returns false when the node kept the link to the end.
bool floodOnce(OpenLink& link, Clock::time_point until, Observation& o, std::string& received) {
  constexpr int kBatch = 512;
  std::string pending;  // whole records not yet written: a partial record would break the stream
  while (Clock::now() < until && !link.connection->peerClosed()) {
    if (pending.empty()) {
      for (int i = 0; i < kBatch; ++i) pending += seal(link, overlay::kFrameKeepalive, {});
      o.framesSent += kBatch;
    }
    std::size_t written = 0;
    link.connection->sendAll(pending, 500, &written);
    pending.erase(0, written);
    link.connection->readSome(received, 0);
  }
  constexpr std::size_t kKeepaliveRecord = overlay::kFrameLengthSize + 1 + overlay::kFrameTagSize;
  o.framesSent -= pending.size() / kKeepaliveRecord;  // sealed but never written
  return link.connection->peerClosed();
}

Result<Observation> flood(const Target& target) {
  // The link limits allow 4,000 frames/s with 2 s of burst, then charge a point per excess frame
  // up to 100. The first link must be cut; then the attacker comes back with a fresh key and
  // floods again, round after round, until the 5 s window ends, so that the test can watch the
  // node stay responsive under sustained abuse.
  Observation o;
  const auto start = Clock::now();
  const auto until = start + std::chrono::milliseconds(kFloodMs);
  auto first = handshake(target, o);
  if (!first.ok()) return first.error();
  std::string received = first->received;
  const auto floodStart = Clock::now();
  if (!floodOnce(*first, until, o, received)) {
    observeClose(*first->connection, floodStart, 2000, received, o);
    o.closeCode = findCloseCode(*first->opener, received);
    return o;
  }
  o.disconnected = true;
  o.afterMs = msSince(floodStart);
  first->connection->waitClosed(received, 200);
  o.closeCode = findCloseCode(*first->opener, received);
  int cut = 1;
  while (Clock::now() < until) {
    auto again = handshake(target, o);
    if (!again.ok()) break;  // e.g. the window ran out mid-handshake
    std::string ignored;
    if (floodOnce(*again, until, o, ignored)) ++cut;
  }
  o.note = std::to_string(cut) + " of " + std::to_string(o.rounds) + " flooding links cut";
  return o;
}

}  // namespace

const std::vector<std::string>& attackNames() {
  static const std::vector<std::string> names = {"garbage", "oversized", "forged-handshake",
                                                 "replay",  "tamper",    "forged-announcement",
                                                 "flood",   "slowloris"};
  return names;
}

Result<Observation> runAttack(const std::string& name, const Target& target, int slowlorisWaitMs) {
  Result<Observation> result = fail(ErrorCode::kInvalidParam, "unknown attack: " + name);
  if (name == "garbage") result = garbage(target);
  if (name == "oversized") result = oversized(target);
  if (name == "forged-handshake") result = forgedHandshake(target);
  if (name == "replay") result = replay(target);
  if (name == "tamper") result = tamper(target);
  if (name == "forged-announcement") result = forgedAnnouncement(target);
  if (name == "flood") result = flood(target);
  if (name == "slowloris") result = slowloris(target, slowlorisWaitMs);
  if (result.ok()) result->attack = name;
  return result;
}

}  // namespace plexus::hostile
