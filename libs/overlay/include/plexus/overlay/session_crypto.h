// Cryptographic building blocks of overlay sessions (docs/overlay.md §Sessions): X25519 keys
// derived from ed25519 node keys, Diffie-Hellman, BLAKE2b hashing and key derivation, and the
// ChaCha20-Poly1305 AEAD with a 64-bit counter nonce. Thin wrappers over libsodium so the
// handshake and transport code read as the protocol, not as buffer juggling.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "plexus/crypto/ed25519.h"

namespace plexus::overlay {

using Key32 = std::array<std::uint8_t, 32>;

inline std::string_view view(const Key32& k) {
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}
std::optional<Key32> key32FromBytes(std::string_view bytes);

// Fills a buffer with random bytes. Production uses libsodium's randombytes_buf; tests may
// inject a deterministic source.
using RandomFn = std::function<void(void* out, std::size_t size)>;
RandomFn systemRandom();

inline constexpr std::size_t kAeadTagSize = 16;

struct X25519KeyPair {
  Key32 secret{};
  Key32 pub{};
};

// The X25519 form of an ed25519 public key; nullopt for a key that is not a valid point.
std::optional<Key32> x25519FromEd25519(const crypto::PublicKey& key);
// The X25519 key pair of an ed25519 signing key.
X25519KeyPair x25519FromSigningKey(const crypto::SigningKey& key);
// A fresh ephemeral key pair.
X25519KeyPair generateX25519(const RandomFn& random);
// X25519(secret, pub); nullopt when the result is all zero (a low-order peer point).
std::optional<Key32> dh(const Key32& secret, const Key32& pub);

// BLAKE2b-256 of the concatenation of the parts.
Key32 hash(std::initializer_list<std::string_view> parts);
// Two 32-byte keys from a chaining key and input, HKDF-shaped with keyed BLAKE2b as the PRF:
// t = PRF(ck, input); out1 = PRF(t, 0x01); out2 = PRF(t, out1 || 0x02).
std::pair<Key32, Key32> kdf2(const Key32& chainingKey, std::string_view input);

// ChaCha20-Poly1305 (IETF); the 96-bit nonce is four zero bytes then the counter little-endian.
std::string aeadSeal(const Key32& key, std::uint64_t counter, std::string_view ad,
                     std::string_view plaintext);
std::optional<std::string> aeadOpen(const Key32& key, std::uint64_t counter, std::string_view ad,
                                    std::string_view ciphertext);

}  // namespace plexus::overlay
