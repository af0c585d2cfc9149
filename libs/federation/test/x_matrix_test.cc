// X-Matrix signing and verification: what the signature covers (method, uri, origin,
// destination, content), destination handling, the header round trip and rejection of forgeries.
#include "plexus/federation/x_matrix.h"

#include <gtest/gtest.h>

#include "plexus/json/canonical.h"
#include "test_keys.h"

namespace plexus::federation {
namespace {

class XMatrixTest : public ::testing::Test {
 protected:
  XMatrixAuth sign(const json::Value* content) {
    return signRequest("origin.hs.example.com", "destination.hs.example.com", "ed25519:1", key_,
                       "PUT", "/_matrix/federation/v1/send/txn1?x=1", content);
  }
  Status verify(const XMatrixAuth& auth, const json::Value* content,
                std::string_view method = "PUT",
                std::string_view uri = "/_matrix/federation/v1/send/txn1?x=1",
                std::string_view us = "destination.hs.example.com") {
    return verifyXMatrix(auth, us, method, uri, content, key_.publicKey());
  }

  crypto::SigningKey key_ = testkeys::specKey();
  json::Value body_ = json::Object{{"origin", "origin.hs.example.com"}, {"pdus", json::Array{}}};
};

TEST_F(XMatrixTest, SigningObjectHasTheSpecFieldsAndContentOnlyWhenPresent) {
  json::Value content = json::Object{{"a", 1}};
  EXPECT_EQ(json::canonical(requestSigningObject("GET", "/target", "o.org", "d.org", nullptr)),
            R"({"destination":"d.org","method":"GET","origin":"o.org","uri":"/target"})");
  EXPECT_EQ(
      json::canonical(requestSigningObject("POST", "/t", "o.org", "d.org", &content)),
      R"({"content":{"a":1},"destination":"d.org","method":"POST","origin":"o.org","uri":"/t"})");
}

TEST_F(XMatrixTest, SignedRequestVerifiesWithBodyAndWithout) {
  EXPECT_TRUE(verify(sign(&body_), &body_));
  EXPECT_TRUE(verify(sign(nullptr), nullptr, "PUT"));
}

TEST_F(XMatrixTest, SignatureIsDeterministicForTheSpecKey) {
  EXPECT_EQ(sign(&body_).signature, sign(&body_).signature);
  EXPECT_EQ(sign(&body_).keyId, "ed25519:1");
  EXPECT_EQ(sign(&body_).destination, "destination.hs.example.com");
}

TEST_F(XMatrixTest, RejectsTamperedMethodUriContentOrOrigin) {
  XMatrixAuth auth = sign(&body_);
  json::Value other = json::Object{{"origin", "origin.hs.example.com"}, {"pdus", json::Array{1}}};
  EXPECT_EQ(verify(auth, &body_, "POST").error().code, ErrorCode::kInvalidSignature);
  EXPECT_FALSE(verify(auth, &body_, "PUT", "/_matrix/federation/v1/send/txn2?x=1"));
  EXPECT_FALSE(verify(auth, &other));
  EXPECT_FALSE(verify(auth, nullptr));
  XMatrixAuth forged = auth;
  forged.origin = "evil.example.com";
  EXPECT_FALSE(verify(forged, &body_));
}

TEST_F(XMatrixTest, RejectsSignatureByAnotherKey) {
  XMatrixAuth auth = sign(&body_);
  EXPECT_FALSE(verifyXMatrix(auth, "destination.hs.example.com", "PUT",
                             "/_matrix/federation/v1/send/txn1?x=1", &body_,
                             testkeys::keyFrom('x').publicKey()));
}

TEST_F(XMatrixTest, RejectsRequestMeantForAnotherServer) {
  XMatrixAuth auth = sign(&body_);
  Status st = verify(auth, &body_, "PUT", "/_matrix/federation/v1/send/txn1?x=1", "other.org");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().httpStatus(), 401);
  EXPECT_FALSE(checkDestination(auth, "other.org"));
  EXPECT_TRUE(checkDestination(auth, "destination.hs.example.com"));
}

TEST_F(XMatrixTest, AcceptsMissingDestinationSignedForUs) {
  // Servers before spec v1.3 sign with our name as destination but leave the parameter out.
  XMatrixAuth auth = sign(&body_);
  auth.destination.reset();
  EXPECT_TRUE(checkDestination(auth, "anything.org"));
  EXPECT_TRUE(verify(auth, &body_));
  EXPECT_FALSE(verify(auth, &body_, "PUT", "/_matrix/federation/v1/send/txn1?x=1", "other.org"));
}

TEST_F(XMatrixTest, RejectsUnsupportedKeyAlgorithm) {
  XMatrixAuth auth = sign(&body_);
  auth.keyId = "curve25519:1";
  EXPECT_EQ(verify(auth, &body_).error().code, ErrorCode::kInvalidSignature);
}

TEST_F(XMatrixTest, RejectsGarbageSignature) {
  XMatrixAuth auth = sign(&body_);
  auth.signature = "not base64!";
  EXPECT_FALSE(verify(auth, &body_));
  auth.signature = "";
  EXPECT_FALSE(verify(auth, &body_));
}

TEST_F(XMatrixTest, FormatMatchesTheSpecShape) {
  XMatrixAuth auth{"origin.hs.example.com", "destination.hs.example.com", "ed25519:key1",
                   "ABCDEF..."};
  EXPECT_EQ(
      formatXMatrix(auth),
      R"(X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF...")");
}

TEST_F(XMatrixTest, FormattedHeaderParsesBackAndVerifies) {
  XMatrixAuth auth = sign(&body_);
  auto parsed = parseXMatrix(formatXMatrix(auth));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, auth);
  EXPECT_TRUE(verify(*parsed, &body_));
}

TEST_F(XMatrixTest, FormatEscapesQuotesAndBackslashes) {
  XMatrixAuth auth{"a.org", std::nullopt, "ed25519:k", "x\"y\\z"};
  std::string header = formatXMatrix(auth);
  EXPECT_EQ(header, R"(X-Matrix origin="a.org",key="ed25519:k",sig="x\"y\\z")");
  EXPECT_EQ(*parseXMatrix(header), auth);
}

TEST_F(XMatrixTest, ParserSurvivesHostileInput) {
  for (std::string h : {std::string(100000, '"'), std::string("X-Matrix ") + std::string(5000, ','),
                        std::string("X-Matrix a=") + std::string(10000, '\\'),
                        std::string("X-Matrix \0origin=a", 18), std::string()}) {
    EXPECT_FALSE(parseXMatrix(h));
  }
}

}  // namespace
}  // namespace plexus::federation
