// Unit tests for Ed25519 keys beyond the spec vectors: generation, byte forms and misuse.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/ed25519.h"

namespace plexus::crypto {
namespace {

TEST(Ed25519Test, GeneratedKeysDifferAndSignVerifiably) {
  SigningKey a = SigningKey::generate();
  SigningKey b = SigningKey::generate();
  EXPECT_NE(a.publicKey(), b.publicKey());
  std::string signature = a.sign("message");
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(a.publicKey().verify("message", signature));
  EXPECT_FALSE(a.publicKey().verify("messagE", signature));
  EXPECT_FALSE(b.publicKey().verify("message", signature));
}

TEST(Ed25519Test, SeedRoundTripsToTheSameKey) {
  SigningKey a = SigningKey::generate();
  std::optional<SigningKey> again = SigningKey::fromSeed(a.seed());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->publicKey(), a.publicKey());
  std::optional<SigningKey> fromText = SigningKey::fromSeedBase64(encodeBase64(a.seed()));
  ASSERT_TRUE(fromText.has_value());
  EXPECT_EQ(fromText->publicKey(), a.publicKey());
  // Ed25519 signatures are deterministic.
  EXPECT_EQ(again->sign("x"), a.sign("x"));
}

TEST(Ed25519Test, RejectsWrongLengths) {
  EXPECT_FALSE(SigningKey::fromSeed(std::string(31, 'a')).has_value());
  EXPECT_FALSE(SigningKey::fromSeed(std::string(33, 'a')).has_value());
  EXPECT_FALSE(SigningKey::fromSeedBase64("not base64!").has_value());
  EXPECT_FALSE(PublicKey::fromBytes(std::string(31, 'a')).has_value());
  EXPECT_FALSE(PublicKey::fromBase64("Zm9v").has_value());
  EXPECT_FALSE(PublicKey::fromBase64("***").has_value());
}

TEST(Ed25519Test, VerifyRejectsSignaturesOfWrongLength) {
  SigningKey key = SigningKey::generate();
  std::string signature = key.sign("m");
  EXPECT_FALSE(key.publicKey().verify("m", signature.substr(0, 63)));
  EXPECT_FALSE(key.publicKey().verify("m", signature + "x"));
  EXPECT_FALSE(key.publicKey().verify("m", ""));
}

TEST(Ed25519Test, PublicKeyFormsAgree) {
  std::optional<PublicKey> key = PublicKey::fromBase64("XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->toBase64(), "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI");
  EXPECT_EQ(key->bytes().size(), 32u);
  EXPECT_EQ(key->toHex(), "5c65f42514b601fddb7b7927cf67c18916c0a639b60e1eb58170c903c91c24d2");
  EXPECT_EQ(PublicKey::fromBytes(key->bytes()), key);
}

TEST(Ed25519Test, SigningFromManyThreadsIsSafe) {
  SigningKey key = SigningKey::generate();
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      SigningKey own = SigningKey::generate();
      std::string m = "thread " + std::to_string(t);
      ok[static_cast<std::size_t>(t)] =
          key.publicKey().verify(m, key.sign(m)) && own.publicKey().verify(m, own.sign(m));
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace plexus::crypto
