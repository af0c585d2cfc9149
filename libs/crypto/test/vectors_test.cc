// Runs the crypto spec vectors in libs/crypto/vectors/: base64.txt, sha256.txt and
// signing_json.txt. Each file's header describes its fields.
#include <gtest/gtest.h>

#include "plexus/testing/vector_file.h"
#include "plexus/crypto/base64.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/crypto/sha256.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::crypto {
namespace {

using testing::VectorCase;
using testing::VectorFile;

VectorFile load(const std::string& name) {
  VectorFile file = testing::readVectorFile(std::string(PLEXUS_TEST_DATA_DIR) + "/vectors/" + name);
  EXPECT_EQ(file.header.empty() ? "" : file.header[0], "# name: " + name.substr(0, name.find('.')));
  EXPECT_FALSE(file.cases.empty()) << name;
  return file;
}

std::string require(const VectorCase& c, const std::string& key) {
  std::optional<std::string> v = c.get(key);
  if (!v) ADD_FAILURE() << c.where() << " lacks field " << key;
  return v.value_or("");
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

TEST(CryptoVectorsTest, Base64MatchesEveryCase) {
  for (const VectorCase& c : load("base64.txt").cases) {
    SCOPED_TRACE(c.where());
    std::string alphabetName = c.get("alphabet").value_or("standard");
    ASSERT_TRUE(alphabetName == "standard" || alphabetName == "urlsafe");
    Base64Alphabet alphabet =
        alphabetName == "urlsafe" ? Base64Alphabet::kUrlSafe : Base64Alphabet::kStandard;
    if (c.has("encoded")) {
      std::string bytes = require(c, "bytes");
      std::string encoded = require(c, "encoded");
      EXPECT_EQ(encodeBase64(bytes, alphabet), encoded);
      EXPECT_EQ(decodeBase64(encoded, alphabet), bytes);
    } else if (c.has("invalid")) {
      std::optional<std::string> decoded = decodeBase64(require(c, "decode"), alphabet);
      EXPECT_FALSE(decoded.has_value()) << "decoded to " << hex(decoded.value_or(""));
    } else {
      std::optional<std::string> decoded = decodeBase64(require(c, "decode"), alphabet);
      ASSERT_TRUE(decoded.has_value());
      EXPECT_EQ(hex(*decoded), hex(require(c, "bytes")));
    }
  }
}

TEST(CryptoVectorsTest, Sha256MatchesEveryCase) {
  for (const VectorCase& c : load("sha256.txt").cases) {
    SCOPED_TRACE(c.where());
    std::string message = require(c, "message");
    std::string digest = require(c, "digest");
    EXPECT_EQ(hex(sha256Bytes(message)), hex(digest));
    Sha256Digest raw = sha256(message);
    EXPECT_EQ(hex({reinterpret_cast<const char*>(raw.data()), raw.size()}), hex(digest));
  }
}

json::Object parseObjectField(const VectorCase& c, const std::string& key) {
  Result<json::Object> object = json::parseObject(require(c, key));
  if (!object.ok()) {
    ADD_FAILURE() << c.where() << " field " << key << ": " << object.error().message;
    return {};
  }
  return std::move(*object);
}

void checkVerification(const json::Object& signed_, const VectorCase& c, const PublicKey& key,
                       bool expectOk) {
  std::string entity = require(c, "entity");
  std::string keyId = require(c, "key-id");
  Status single = verifyJsonSignature(signed_, entity, keyId, key);
  EXPECT_EQ(single.ok(), expectOk) << "verifyJsonSignature";
  if (!single.ok()) {
    EXPECT_EQ(single.error().code, ErrorCode::kInvalidSignature);
  }

  KeyLookup lookup = [&](std::string_view e, std::string_view k) -> std::optional<PublicKey> {
    if (e == entity && k == keyId) return key;
    return std::nullopt;
  };
  Status byEntity = verifyJsonSignedBy(signed_, entity, lookup);
  EXPECT_EQ(byEntity.ok(), expectOk) << "verifyJsonSignedBy";
  if (!byEntity.ok()) {
    EXPECT_EQ(byEntity.error().code, ErrorCode::kInvalidSignature);
  }
}

TEST(CryptoVectorsTest, SigningJsonMatchesEveryCase) {
  for (const VectorCase& c : load("signing_json.txt").cases) {
    SCOPED_TRACE(c.where());
    std::optional<SigningKey> signer = SigningKey::fromSeedBase64(require(c, "seed"));
    ASSERT_TRUE(signer.has_value());
    PublicKey verifyKey = signer->publicKey();
    if (c.has("public-key")) {
      std::optional<PublicKey> given = PublicKey::fromBase64(require(c, "public-key"));
      ASSERT_TRUE(given.has_value());
      verifyKey = *given;
    }

    if (!c.has("signed")) {
      // Key derivation case.
      EXPECT_EQ(signer->publicKey().toBase64(), require(c, "public-key"));
      continue;
    }
    json::Object expected = parseObjectField(c, "signed");
    if (c.has("input")) {
      json::Object object = parseObjectField(c, "input");
      signJson(object, require(c, "entity"), require(c, "key-id"), *signer);
      EXPECT_EQ(json::canonical(object), json::canonical(expected));
      checkVerification(object, c, verifyKey, true);
    } else {
      std::string verify = require(c, "verify");
      ASSERT_TRUE(verify == "ok" || verify == "fail");
      checkVerification(expected, c, verifyKey, verify == "ok");
    }
  }
}

}  // namespace
}  // namespace plexus::crypto
