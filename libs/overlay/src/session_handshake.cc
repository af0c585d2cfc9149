// Handshake messages 1 and 2 (session_handshake.h).
#include "plexus/overlay/session_handshake.h"

#include <tuple>

#include "plexus/overlay/bytes.h"
#include "plexus/overlay/session_wire.h"

namespace plexus::overlay {
namespace {

constexpr std::string_view kProtocolName =
    "plexus-overlay-session-v1 IK X25519 ChaChaPoly1305 BLAKE2b";

// The transcript starts from the protocol name and the responder's ed25519 key (the prologue),
// so a message meant for one node never verifies at another.
Key32 initialHash(const crypto::PublicKey& responder) {
  const Key32 h0 = hash({kProtocolName});
  return hash({view(h0), responder.bytes()});
}

std::string u64Bytes(std::uint64_t v) {
  ByteWriter w(8);
  w.u64(v);
  return w.take();
}

Unexpected rejected(std::string what) {
  return fail(ErrorCode::kForbidden, "session handshake: " + std::move(what));
}

}  // namespace

LocalIdentity LocalIdentity::fromSigningKey(const crypto::SigningKey& key) {
  return LocalIdentity{key.publicKey(), x25519FromSigningKey(key)};
}

Result<InitiatorHandshake> InitiatorHandshake::start(const LocalIdentity& self,
                                                     const crypto::PublicKey& responder,
                                                     std::uint32_t localIndex,
                                                     std::uint64_t connectionId,
                                                     const RandomFn& random) {
  auto responderStatic = x25519FromEd25519(responder);
  if (!responderStatic) return fail(ErrorCode::kInvalidParam, "responder key is not a point");
  InitiatorHandshake hs;
  hs.localIndex_ = localIndex;
  hs.staticSecret_ = self.x25519.secret;
  hs.ephemeral_ = generateX25519(random);

  ByteWriter header;
  header.u8(static_cast<std::uint8_t>(SessionMessageType::kInitiation));
  header.u32(localIndex);
  Key32 h = initialHash(responder);
  Key32 ck = h;
  h = hash({view(h), header.bytes()});
  h = hash({view(h), view(hs.ephemeral_.pub)});

  auto es = dh(hs.ephemeral_.secret, *responderStatic);
  if (!es) return fail(ErrorCode::kInvalidParam, "responder key has low order");
  Key32 k;
  std::tie(ck, k) = kdf2(ck, view(*es));
  const std::string encStatic = aeadSeal(k, 0, view(h), self.edPublic.bytes());
  h = hash({view(h), encStatic});

  auto ss = dh(self.x25519.secret, *responderStatic);
  if (!ss) return fail(ErrorCode::kInvalidParam, "responder key has low order");
  std::tie(ck, k) = kdf2(ck, view(*ss));
  const std::string encPayload = aeadSeal(k, 0, view(h), u64Bytes(connectionId));
  h = hash({view(h), encPayload});

  ByteWriter msg(kInitiationSize);
  msg.raw(header.bytes());
  msg.raw(view(hs.ephemeral_.pub));
  msg.raw(encStatic);
  msg.raw(encPayload);
  hs.message_ = msg.take();
  hs.h_ = h;
  hs.ck_ = ck;
  return hs;
}

Result<InitiatorResult> InitiatorHandshake::finish(std::string_view response) const {
  if (response.size() != kResponseSize) return rejected("response has the wrong size");
  ByteReader r(response);
  auto type = r.u8();
  auto senderIndex = r.u32();
  auto receiverIndex = r.u32();
  auto ephemeral = r.raw(32);
  auto encPayload = r.raw(24);
  if (!r.done() || *type != static_cast<std::uint8_t>(SessionMessageType::kResponse)) {
    return rejected("malformed response");
  }
  if (*receiverIndex != localIndex_) return rejected("response for another session");
  const Key32 responderEphemeral = *key32FromBytes(*ephemeral);

  Key32 h = hash({view(h_), response.substr(0, 9)});
  h = hash({view(h), view(responderEphemeral)});
  Key32 ck = ck_;
  Key32 k;
  auto ee = dh(ephemeral_.secret, responderEphemeral);
  if (!ee) return rejected("low-order ephemeral");
  std::tie(ck, k) = kdf2(ck, view(*ee));
  auto se = dh(staticSecret_, responderEphemeral);
  if (!se) return rejected("low-order ephemeral");
  std::tie(ck, k) = kdf2(ck, view(*se));
  auto payload = aeadOpen(k, 0, view(h), *encPayload);
  if (!payload) return rejected("response does not authenticate");
  ByteReader p(*payload);
  auto connectionId = p.u64();
  if (!p.done()) return rejected("malformed response payload");

  InitiatorResult out;
  out.remoteIndex = *senderIndex;
  out.remoteConnectionId = *connectionId;
  std::tie(out.keys.send, out.keys.recv) = kdf2(ck, {});
  return out;
}

Result<ResponderHandshake> ResponderHandshake::read(const LocalIdentity& self,
                                                    std::string_view initiation) {
  if (initiation.size() != kInitiationSize) return rejected("initiation has the wrong size");
  ByteReader r(initiation);
  auto type = r.u8();
  auto senderIndex = r.u32();
  auto ephemeral = r.raw(32);
  auto encStatic = r.raw(48);
  auto encPayload = r.raw(24);
  if (!r.done() || *type != static_cast<std::uint8_t>(SessionMessageType::kInitiation)) {
    return rejected("malformed initiation");
  }
  ResponderHandshake hs;
  hs.remoteIndex_ = *senderIndex;
  hs.initiatorEphemeral_ = *key32FromBytes(*ephemeral);

  Key32 h = initialHash(self.edPublic);
  Key32 ck = h;
  h = hash({view(h), initiation.substr(0, 5)});
  h = hash({view(h), view(hs.initiatorEphemeral_)});
  Key32 k;
  auto es = dh(self.x25519.secret, hs.initiatorEphemeral_);
  if (!es) return rejected("low-order ephemeral");
  std::tie(ck, k) = kdf2(ck, view(*es));
  auto staticKey = aeadOpen(k, 0, view(h), *encStatic);
  if (!staticKey) return rejected("initiation does not authenticate");
  h = hash({view(h), *encStatic});
  auto initiator = crypto::PublicKey::fromBytes(*staticKey);
  if (!initiator) return rejected("bad initiator key");
  auto initiatorStatic = x25519FromEd25519(*initiator);
  if (!initiatorStatic) return rejected("initiator key is not a point");
  if (*initiator == self.edPublic) return rejected("initiation from our own key");

  auto ss = dh(self.x25519.secret, *initiatorStatic);
  if (!ss) return rejected("low-order static key");
  std::tie(ck, k) = kdf2(ck, view(*ss));
  auto payload = aeadOpen(k, 0, view(h), *encPayload);
  if (!payload) return rejected("initiator does not hold its static key");
  h = hash({view(h), *encPayload});
  ByteReader p(*payload);
  auto connectionId = p.u64();
  if (!p.done()) return rejected("malformed initiation payload");

  hs.initiator_ = *initiator;
  hs.initiatorStatic_ = *initiatorStatic;
  hs.remoteConnectionId_ = *connectionId;
  hs.h_ = h;
  hs.ck_ = ck;
  return hs;
}

Result<ResponderHandshake::Response> ResponderHandshake::respond(std::uint32_t localIndex,
                                                                 std::uint64_t connectionId,
                                                                 const RandomFn& random) const {
  const X25519KeyPair ephemeral = generateX25519(random);
  ByteWriter header;
  header.u8(static_cast<std::uint8_t>(SessionMessageType::kResponse));
  header.u32(localIndex);
  header.u32(remoteIndex_);
  Key32 h = hash({view(h_), header.bytes()});
  h = hash({view(h), view(ephemeral.pub)});
  Key32 ck = ck_;
  Key32 k;
  auto ee = dh(ephemeral.secret, initiatorEphemeral_);
  auto se = dh(ephemeral.secret, initiatorStatic_);
  if (!ee || !se) return rejected("low-order key");
  std::tie(ck, k) = kdf2(ck, view(*ee));
  std::tie(ck, k) = kdf2(ck, view(*se));
  const std::string encPayload = aeadSeal(k, 0, view(h), u64Bytes(connectionId));

  Response out;
  ByteWriter msg(kResponseSize);
  msg.raw(header.bytes());
  msg.raw(view(ephemeral.pub));
  msg.raw(encPayload);
  out.message = msg.take();
  // The initiator sends with the first key; we receive with it.
  std::tie(out.keys.recv, out.keys.send) = kdf2(ck, {});
  return out;
}

}  // namespace plexus::overlay
