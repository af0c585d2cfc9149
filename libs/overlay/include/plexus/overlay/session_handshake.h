// The one-round-trip session handshake between two node keys (docs/overlay.md §Handshake).
// Shaped like Noise IK (the initiator knows the responder's static key; pattern
// `<- s ... -> e, es, s, ss  <- e, ee, se`), written here from that pattern's rules: static
// X25519 keys converted from the ed25519 node keys, ephemeral X25519 keys for forward secrecy,
// a BLAKE2b transcript hash h and chaining key ck, and ChaCha20-Poly1305 over the encrypted
// fields with h as associated data. Pure functions of their inputs plus an injected RNG.
//
// Message 1 (initiation, 109 bytes):
//   0x01 | initiator session id u32 | e_i (32) | AEAD(initiator ed25519 key) (48)
//        | AEAD(initiator connection id u64) (24)
// Message 2 (response, 65 bytes):
//   0x02 | responder session id u32 | initiator session id u32 | e_r (32)
//        | AEAD(responder connection id u64) (24)
// After message 2 both sides hold two transport keys: kdf2(ck, "") = (initiator->responder,
// responder->initiator).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/session_crypto.h"

namespace plexus::overlay {

inline constexpr std::size_t kInitiationSize = 1 + 4 + 32 + 48 + 24;
inline constexpr std::size_t kResponseSize = 1 + 4 + 4 + 32 + 24;

// Our node identity in both forms.
struct LocalIdentity {
  crypto::PublicKey edPublic;
  X25519KeyPair x25519;
  static LocalIdentity fromSigningKey(const crypto::SigningKey& key);
};

struct SessionKeys {
  Key32 send{};
  Key32 recv{};
};

// Connection ids ride in the handshake so that a rekey (same ids) keeps the streams of a
// connection while a peer that restarted (new id) is noticed and its old state dropped.
struct InitiatorResult {
  std::uint32_t remoteIndex = 0;
  std::uint64_t remoteConnectionId = 0;
  SessionKeys keys;
};

class InitiatorHandshake {
 public:
  // Builds message 1 to `responder`. Fails when the responder key is not a usable point.
  static Result<InitiatorHandshake> start(const LocalIdentity& self,
                                          const crypto::PublicKey& responder,
                                          std::uint32_t localIndex, std::uint64_t connectionId,
                                          const RandomFn& random);

  const std::string& message() const { return message_; }
  std::uint32_t localIndex() const { return localIndex_; }
  const Key32& ephemeralPublic() const { return ephemeral_.pub; }

  // Checks message 2: it authenticates only if its sender holds the responder's static key and
  // saw our message 1. kForbidden when it does not.
  Result<InitiatorResult> finish(std::string_view response) const;

 private:
  InitiatorHandshake() = default;

  X25519KeyPair ephemeral_;
  Key32 staticSecret_{};
  Key32 h_{};
  Key32 ck_{};
  std::uint32_t localIndex_ = 0;
  std::string message_;
};

// The responder's view of a valid message 1, before it answers.
class ResponderHandshake {
 public:
  // Decrypts and authenticates message 1 sent to `self`. kForbidden / kInvalidParam on bad input.
  static Result<ResponderHandshake> read(const LocalIdentity& self, std::string_view initiation);

  const crypto::PublicKey& initiator() const { return initiator_; }
  std::uint32_t remoteIndex() const { return remoteIndex_; }
  std::uint64_t remoteConnectionId() const { return remoteConnectionId_; }
  const Key32& initiatorEphemeral() const { return initiatorEphemeral_; }

  struct Response {
    std::string message;
    SessionKeys keys;
  };
  // Builds message 2 with a fresh ephemeral and derives the transport keys.
  Result<Response> respond(std::uint32_t localIndex, std::uint64_t connectionId,
                           const RandomFn& random) const;

 private:
  ResponderHandshake() = default;

  crypto::PublicKey initiator_;
  Key32 initiatorStatic_{};
  Key32 initiatorEphemeral_{};
  std::uint32_t remoteIndex_ = 0;
  std::uint64_t remoteConnectionId_ = 0;
  Key32 h_{};
  Key32 ck_{};
};

}  // namespace plexus::overlay
