// Unit tests for JSON signing beyond the spec vectors: several signers and keys, unknown keys,
// and what the signature covers.
#include <gtest/gtest.h>

#include "plexus/crypto/json_signing.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::crypto {
namespace {

class JsonSigningTest : public ::testing::Test {
 protected:
  json::Object event() {
    return json::Object{{"type", "m.room.message"},
                        {"content", json::Object{{"body", "héllo"}}},
                        {"unsigned", json::Object{{"age", 5}}}};
  }
  KeyLookup lookupOf(std::vector<std::tuple<std::string, std::string, PublicKey>> keys) {
    return [keys](std::string_view entity, std::string_view keyId) -> std::optional<PublicKey> {
      for (const auto& [e, k, key] : keys) {
        if (e == entity && k == keyId) return key;
      }
      return std::nullopt;
    };
  }

  SigningKey one_ = SigningKey::generate();
  SigningKey two_ = SigningKey::generate();
};

TEST_F(JsonSigningTest, SigningBytesExcludeSignaturesAndUnsignedOnlyAtTopLevel) {
  json::Object o{{"a", 1},
                 {"signatures", json::Object{}},
                 {"unsigned", json::Object{}},
                 {"nested", json::Object{{"unsigned", 1}, {"signatures", 2}}}};
  EXPECT_EQ(signingBytes(o), R"({"a":1,"nested":{"signatures":2,"unsigned":1}})");
}

TEST_F(JsonSigningTest, TwoSignersBothVerify) {
  json::Object o = event();
  signJson(o, "a.example", "ed25519:1", one_);
  signJson(o, "b.example", "ed25519:x", two_);
  EXPECT_TRUE(verifyJsonSignature(o, "a.example", "ed25519:1", one_.publicKey()).ok());
  EXPECT_TRUE(verifyJsonSignature(o, "b.example", "ed25519:x", two_.publicKey()).ok());
  EXPECT_FALSE(verifyJsonSignature(o, "a.example", "ed25519:1", two_.publicKey()).ok());
}

TEST_F(JsonSigningTest, UnsignedChangesDoNotBreakTheSignature) {
  json::Object o = event();
  signJson(o, "a.example", "ed25519:1", one_);
  o["unsigned"] = json::Object{{"age", 99999}};
  EXPECT_TRUE(verifyJsonSignature(o, "a.example", "ed25519:1", one_.publicKey()).ok());
  o["content"] = json::Object{{"body", "hello"}};
  EXPECT_FALSE(verifyJsonSignature(o, "a.example", "ed25519:1", one_.publicKey()).ok());
}

TEST_F(JsonSigningTest, SignedBySucceedsWithOneKnownKeyAmongUnknownOnes) {
  json::Object o = event();
  signJson(o, "a.example", "ed25519:old", two_);
  signJson(o, "a.example", "ed25519:new", one_);
  Status s = verifyJsonSignedBy(o, "a.example", lookupOf({{"a.example", "ed25519:new", one_.publicKey()}}));
  EXPECT_TRUE(s.ok()) << s.error().message;
}

TEST_F(JsonSigningTest, SignedByFailsWhenAnyKnownKeyDoesNotVerify) {
  json::Object o = event();
  signJson(o, "a.example", "ed25519:1", one_);
  signJson(o, "a.example", "ed25519:2", two_);
  // The lookup maps ed25519:2 to the wrong key.
  Status s = verifyJsonSignedBy(o, "a.example",
                                lookupOf({{"a.example", "ed25519:1", one_.publicKey()},
                                          {"a.example", "ed25519:2", one_.publicKey()}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidSignature);
  EXPECT_NE(s.error().message.find("ed25519:2"), std::string::npos);
}

TEST_F(JsonSigningTest, SignedByFailsWhenNoKeyIsKnown) {
  json::Object o = event();
  signJson(o, "a.example", "ed25519:1", one_);
  EXPECT_FALSE(verifyJsonSignedBy(o, "a.example", lookupOf({})).ok());
  EXPECT_FALSE(verifyJsonSignedBy(o, "b.example", lookupOf({{"b.example", "ed25519:1", one_.publicKey()}})).ok());
}

TEST_F(JsonSigningTest, SignedByIgnoresKnownKeysOfOtherAlgorithms) {
  json::Object o = event();
  signJson(o, "a.example", "curve25519:1", one_);
  // Even a valid signature under a non-ed25519 key id does not count.
  EXPECT_FALSE(verifyJsonSignedBy(o, "a.example", lookupOf({{"a.example", "curve25519:1", one_.publicKey()}})).ok());
}

TEST_F(JsonSigningTest, SigningReplacesMalformedSignatureContainers) {
  json::Object o{{"signatures", "junk"}};
  signJson(o, "a.example", "ed25519:1", one_);
  EXPECT_TRUE(verifyJsonSignature(o, "a.example", "ed25519:1", one_.publicKey()).ok());
  json::Object p{{"signatures", json::Object{{"a.example", 5}}}};
  signJson(p, "a.example", "ed25519:1", one_);
  EXPECT_TRUE(verifyJsonSignature(p, "a.example", "ed25519:1", one_.publicKey()).ok());
}

TEST_F(JsonSigningTest, SignatureSurvivesCanonicalRoundTrip) {
  json::Object o = event();
  signJson(o, "a.example", "ed25519:1", one_);
  Result<json::Object> back = json::parseObject(json::canonical(o));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(verifyJsonSignature(*back, "a.example", "ed25519:1", one_.publicKey()).ok());
}

}  // namespace
}  // namespace plexus::crypto
