// Ed25519 keys and signatures through libsodium.
#include "plexus/crypto/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "plexus/crypto/base64.h"
#include "sodium_init.h"

namespace plexus::crypto {

static_assert(PublicKey::kSize == crypto_sign_PUBLICKEYBYTES);
static_assert(SigningKey::kSeedSize == crypto_sign_SEEDBYTES);
static_assert(64 == crypto_sign_SECRETKEYBYTES);

namespace {

const unsigned char* asBytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::optional<PublicKey> PublicKey::fromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) return std::nullopt;
  PublicKey key;
  std::memcpy(key.key_.data(), bytes.data(), kSize);
  return key;
}

std::optional<PublicKey> PublicKey::fromBase64(std::string_view text) {
  auto bytes = decodeBase64(text);
  if (!bytes) return std::nullopt;
  return fromBytes(*bytes);
}

std::string PublicKey::toBase64() const { return encodeBase64(bytes()); }

std::string PublicKey::toHex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kSize * 2);
  for (std::uint8_t b : key_) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  detail::ensureSodiumInitialised();
  return crypto_sign_verify_detached(asBytes(signature), asBytes(message), message.size(),
                                     key_.data()) == 0;
}

SigningKey SigningKey::generate() {
  detail::ensureSodiumInitialised();
  unsigned char seed[kSeedSize];
  randombytes_buf(seed, sizeof seed);
  SigningKey key = *fromSeed({reinterpret_cast<const char*>(seed), sizeof seed});
  sodium_memzero(seed, sizeof seed);
  return key;
}

std::optional<SigningKey> SigningKey::fromSeed(std::string_view seed) {
  if (seed.size() != kSeedSize) return std::nullopt;
  detail::ensureSodiumInitialised();
  SigningKey key;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, key.secret_.data(), asBytes(seed));
  key.public_ = *PublicKey::fromBytes({reinterpret_cast<const char*>(pk), sizeof pk});
  return key;
}

std::optional<SigningKey> SigningKey::fromSeedBase64(std::string_view text) {
  // Seeds are local secrets, and the spec's test seed has non-zero trailing bits.
  auto seed = decodeBase64IgnoringTrailingBits(text);
  if (!seed) return std::nullopt;
  auto key = fromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  return key;
}

std::string SigningKey::sign(std::string_view message) const {
  detail::ensureSodiumInitialised();
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       asBytes(message), message.size(), secret_.data());
  return signature;
}

}  // namespace plexus::crypto
