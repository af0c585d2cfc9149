// Ed25519 keys, signatures and verification (libsodium). Keys are value types; a SigningKey
// keeps its 32-byte seed, the form Matrix signing-key files and test vectors use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plexus::crypto {

class PublicKey {
 public:
  static constexpr std::size_t kSize = 32;
  // From 32 raw bytes; nullopt on a wrong length.
  static std::optional<PublicKey> fromBytes(std::string_view bytes);
  // From unpadded (or padded) standard base64; nullopt when invalid.
  static std::optional<PublicKey> fromBase64(std::string_view text);

  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(key_.data()), key_.size()};
  }
  std::string toBase64() const;
  // Lowercase hex, the server name of a client-side node.
  std::string toHex() const;

  // True when `signature` (64 raw bytes) is a valid signature of `message` by this key.
  bool verify(std::string_view message, std::string_view signature) const;

  friend bool operator==(const PublicKey&, const PublicKey&) = default;

 private:
  std::array<std::uint8_t, kSize> key_{};
};

class SigningKey {
 public:
  static constexpr std::size_t kSeedSize = 32;
  static SigningKey generate();
  // From a 32-byte seed; nullopt on a wrong length.
  static std::optional<SigningKey> fromSeed(std::string_view seed);
  static std::optional<SigningKey> fromSeedBase64(std::string_view text);

  const PublicKey& publicKey() const { return public_; }
  std::string_view seed() const {
    return {reinterpret_cast<const char*>(secret_.data()), kSeedSize};
  }
  // 64-byte raw signature of `message`.
  std::string sign(std::string_view message) const;

 private:
  std::array<std::uint8_t, 64> secret_{};  // libsodium layout: seed || public key
  PublicKey public_;
};

}  // namespace plexus::crypto
