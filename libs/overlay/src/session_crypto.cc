// libsodium wrappers for sessions (session_crypto.h).
#include "plexus/overlay/session_crypto.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace plexus::overlay {
namespace {

void ensureSodium() {
  static const bool ready = [] { return sodium_init() >= 0; }();
  if (!ready) std::abort();
}

const unsigned char* u8p(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::array<unsigned char, 12> nonceFor(std::uint64_t counter) {
  std::array<unsigned char, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(counter >> (8 * i));
  return nonce;
}

Key32 prf(const Key32& key, std::initializer_list<std::string_view> parts) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), 32);
  for (auto p : parts) crypto_generichash_update(&st, u8p(p), p.size());
  Key32 out{};
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

}  // namespace

std::optional<Key32> key32FromBytes(std::string_view bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Key32 k{};
  std::memcpy(k.data(), bytes.data(), 32);
  return k;
}

RandomFn systemRandom() {
  ensureSodium();
  return [](void* out, std::size_t size) { randombytes_buf(out, size); };
}

std::optional<Key32> x25519FromEd25519(const crypto::PublicKey& key) {
  ensureSodium();
  Key32 out{};
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), u8p(key.bytes())) != 0) return std::nullopt;
  return out;
}

X25519KeyPair x25519FromSigningKey(const crypto::SigningKey& key) {
  ensureSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, u8p(key.seed()));
  X25519KeyPair pair;
  crypto_sign_ed25519_sk_to_curve25519(pair.secret.data(), sk);
  sodium_memzero(sk, sizeof sk);
  crypto_scalarmult_base(pair.pub.data(), pair.secret.data());
  return pair;
}

X25519KeyPair generateX25519(const RandomFn& random) {
  ensureSodium();
  X25519KeyPair pair;
  random(pair.secret.data(), pair.secret.size());
  crypto_scalarmult_base(pair.pub.data(), pair.secret.data());
  return pair;
}

std::optional<Key32> dh(const Key32& secret, const Key32& pub) {
  ensureSodium();
  Key32 out{};
  // libsodium returns -1 for an all-zero shared secret (low-order point); reject it.
  if (crypto_scalarmult(out.data(), secret.data(), pub.data()) != 0) return std::nullopt;
  return out;
}

Key32 hash(std::initializer_list<std::string_view> parts) {
  ensureSodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  for (auto p : parts) crypto_generichash_update(&st, u8p(p), p.size());
  Key32 out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

std::pair<Key32, Key32> kdf2(const Key32& chainingKey, std::string_view input) {
  ensureSodium();
  const Key32 t = prf(chainingKey, {input});
  const Key32 out1 = prf(t, {std::string_view("\x01", 1)});
  const Key32 out2 = prf(t, {view(out1), std::string_view("\x02", 1)});
  return {out1, out2};
}

std::string aeadSeal(const Key32& key, std::uint64_t counter, std::string_view ad,
                     std::string_view plaintext) {
  ensureSodium();
  std::string out(plaintext.size() + kAeadTagSize, '\0');
  unsigned long long outLen = 0;
  const auto nonce = nonceFor(counter);
  crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data()), &outLen,
                                            u8p(plaintext), plaintext.size(), u8p(ad), ad.size(),
                                            nullptr, nonce.data(), key.data());
  out.resize(outLen);
  return out;
}

std::optional<std::string> aeadOpen(const Key32& key, std::uint64_t counter, std::string_view ad,
                                    std::string_view ciphertext) {
  ensureSodium();
  if (ciphertext.size() < kAeadTagSize) return std::nullopt;
  std::string out(ciphertext.size() - kAeadTagSize, '\0');
  unsigned long long outLen = 0;
  const auto nonce = nonceFor(counter);
  if (crypto_aead_chacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &outLen, nullptr, u8p(ciphertext),
          ciphertext.size(), u8p(ad), ad.size(), nonce.data(), key.data()) != 0) {
    return std::nullopt;
  }
  out.resize(outLen);
  return out;
}

}  // namespace plexus::overlay
