// Server key responses: our signed `/_matrix/key/v2/server` body, validation of remote ones
// (self-signature, server name, key material, required fields) and notary responses with their
// second signature.
#include "plexus/federation/server_keys.h"

#include <gtest/gtest.h>

#include "plexus/crypto/json_signing.h"
#include "plexus/json/parse.h"
#include "test_keys.h"

namespace plexus::federation {
namespace {

constexpr std::int64_t kUntil = 1'700'000'000'000;

class ServerKeysTest : public ::testing::Test {
 protected:
  json::Object response(std::string_view server = "remote.org") {
    std::vector<SigningKeyEntry> current{{"ed25519:a", a_}, {"ed25519:b", b_}};
    std::vector<OldKeyEntry> old{{"ed25519:old", old_.publicKey(), 1'600'000'000'000}};
    return buildServerKeyResponse(server, current, old, kUntil);
  }
  crypto::KeyLookup notaryLookup() {
    crypto::PublicKey key = notary_.publicKey();
    return
        [key](std::string_view entity, std::string_view keyId) -> std::optional<crypto::PublicKey> {
          if (entity == "notary.org" && keyId == "ed25519:n") return key;
          return std::nullopt;
        };
  }

  crypto::SigningKey a_ = testkeys::specKey();
  crypto::SigningKey b_ = testkeys::keyFrom('b');
  crypto::SigningKey old_ = testkeys::keyFrom('o');
  crypto::SigningKey notary_ = testkeys::keyFrom('n');
};

TEST_F(ServerKeysTest, OurResponseHasTheSpecFieldsAndIsSignedByEveryCurrentKey) {
  json::Object r = response();
  EXPECT_EQ(*r.find("server_name")->getString(), "remote.org");
  EXPECT_EQ(r.find("valid_until_ts")->getInt(), kUntil);
  EXPECT_EQ(*r.find("verify_keys")->get("ed25519:a")->getStringAt("key"),
            a_.publicKey().toBase64());
  EXPECT_EQ(r.find("old_verify_keys")->get("ed25519:old")->get("expired_ts")->getInt(),
            1'600'000'000'000);
  EXPECT_TRUE(crypto::verifyJsonSignature(r, "remote.org", "ed25519:a", a_.publicKey()));
  EXPECT_TRUE(crypto::verifyJsonSignature(r, "remote.org", "ed25519:b", b_.publicKey()));
  EXPECT_FALSE(r.find("signatures")->get("remote.org")->get("ed25519:old"));
}

TEST_F(ServerKeysTest, ParsesAValidResponse) {
  auto keys = parseServerKeys(response(), "remote.org");
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->serverName, "remote.org");
  EXPECT_EQ(keys->validUntilTs, kUntil);
  ASSERT_EQ(keys->verifyKeys.size(), 2u);
  EXPECT_EQ(keys->verifyKeys.at("ed25519:b"), b_.publicKey());
  ASSERT_EQ(keys->oldVerifyKeys.size(), 1u);
  EXPECT_EQ(keys->oldVerifyKeys.at("ed25519:old").expiredTs, 1'600'000'000'000);
  EXPECT_EQ(keys->json, response());
}

TEST_F(ServerKeysTest, RejectsResponseForAnotherServer) {
  EXPECT_EQ(parseServerKeys(response("evil.org"), "remote.org").error().code,
            ErrorCode::kForbidden);
}

TEST_F(ServerKeysTest, RejectsTamperedResponse) {
  json::Object r = response();
  r.set("valid_until_ts", kUntil + 1);
  EXPECT_EQ(parseServerKeys(r, "remote.org").error().code, ErrorCode::kInvalidSignature);
}

TEST_F(ServerKeysTest, RejectsResponseSignedOnlyByAnUnlistedKey) {
  json::Object r{{"server_name", "remote.org"},
                 {"verify_keys",
                  json::Object{{"ed25519:a", json::Object{{"key", a_.publicKey().toBase64()}}}}},
                 {"valid_until_ts", kUntil}};
  crypto::signJson(r, "remote.org", "ed25519:z", testkeys::keyFrom('z'));
  EXPECT_EQ(parseServerKeys(r, "remote.org").error().code, ErrorCode::kInvalidSignature);
}

TEST_F(ServerKeysTest, RejectsResponseSignedByAnotherServerOnly) {
  json::Object r{{"server_name", "remote.org"},
                 {"verify_keys",
                  json::Object{{"ed25519:a", json::Object{{"key", a_.publicKey().toBase64()}}}}},
                 {"valid_until_ts", kUntil}};
  crypto::signJson(r, "other.org", "ed25519:a", a_);
  EXPECT_EQ(parseServerKeys(r, "remote.org").error().code, ErrorCode::kInvalidSignature);
}

TEST_F(ServerKeysTest, RejectsAnOldKeyAsTheSelfSignature) {
  // old_verify_keys may not sign the response: they are only valid for events.
  std::vector<SigningKeyEntry> none;
  std::vector<OldKeyEntry> old{{"ed25519:old", old_.publicKey(), 1}};
  json::Object r = buildServerKeyResponse("remote.org", none, old, kUntil);
  crypto::signJson(r, "remote.org", "ed25519:old", old_);
  EXPECT_FALSE(parseServerKeys(r, "remote.org"));
}

TEST_F(ServerKeysTest, RejectsMissingRequiredFields) {
  for (const char* field : {"server_name", "verify_keys", "valid_until_ts", "signatures"}) {
    json::Object r = response();
    r.erase(field);
    auto keys = parseServerKeys(r, "remote.org");
    ASSERT_FALSE(keys) << field;
    EXPECT_NE(keys.error().code, ErrorCode::kUnknown) << field;
  }
  json::Object r = response();
  r.set("valid_until_ts", "soon");
  EXPECT_EQ(parseServerKeys(r, "remote.org").error().code, ErrorCode::kBadJson);
}

TEST_F(ServerKeysTest, RejectsOldKeyWithoutExpiredTs) {
  json::Object r = response();
  r.set("old_verify_keys",
        json::Object{{"ed25519:old", json::Object{{"key", old_.publicKey().toBase64()}}}});
  EXPECT_EQ(parseServerKeys(r, "remote.org").error().code, ErrorCode::kBadJson);
}

TEST_F(ServerKeysTest, SpecExampleKeysAreNotRealEd25519Keys) {
  // keys.yaml's example uses placeholder text ("This should be a real ed25519 payload"), 37
  // bytes: the shape is right but the key material must be rejected.
  auto r = json::parseObject(R"({
    "server_name": "example.org",
    "verify_keys": {"ed25519:abc123": {"key": "VGhpcyBzaG91bGQgYmUgYSByZWFsIGVkMjU1MTkgcGF5bG9hZA"}},
    "old_verify_keys": {"ed25519:0ldK3y": {"expired_ts": 1532645052628,
        "key": "VGhpcyBzaG91bGQgYmUgeW91ciBvbGQga2V5J3MgZWQyNTUxOSBwYXlsb2FkLg"}},
    "signatures": {"example.org": {"ed25519:abc123": "VGhpcyBzaG91bGQgYWN0dWFsbHkgYmUgYSBzaWduYXR1cmU"}},
    "valid_until_ts": 1652262000000})");
  ASSERT_TRUE(r);
  auto keys = parseServerKeys(*r, "example.org");
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, ErrorCode::kBadJson);
}

TEST_F(ServerKeysTest, SkipsKeysOfOtherAlgorithmsAndBadKeyIds) {
  json::Object r{
      {"server_name", "remote.org"},
      {"verify_keys", json::Object{{"ed25519:a", json::Object{{"key", a_.publicKey().toBase64()}}},
                                   {"curve25519:x", json::Object{{"key", "whatever"}}},
                                   {"ed25519:bad-id", json::Object{{"key", "whatever"}}}}},
      {"valid_until_ts", kUntil}};
  crypto::signJson(r, "remote.org", "ed25519:a", a_);
  auto keys = parseServerKeys(r, "remote.org");
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->verifyKeys.size(), 1u);
}

TEST_F(ServerKeysTest, KeyIdsFollowTheSpecCharacterSet) {
  EXPECT_TRUE(isValidEd25519KeyId("ed25519:abc123"));
  EXPECT_TRUE(isValidEd25519KeyId("ed25519:a_Xyz1"));
  EXPECT_FALSE(isValidEd25519KeyId("ed25519:"));
  EXPECT_FALSE(isValidEd25519KeyId("ed25519:a-b"));
  EXPECT_FALSE(isValidEd25519KeyId("ed25519:a:b"));
  EXPECT_FALSE(isValidEd25519KeyId("curve25519:abc"));
}

TEST_F(ServerKeysTest, EffectiveValidityIsCappedAtSevenDaysFromFetch) {
  std::int64_t fetched = 1'000'000;
  EXPECT_EQ(effectiveValidUntil(fetched + 3600'000, fetched), fetched + 3600'000);
  EXPECT_EQ(effectiveValidUntil(fetched + 30LL * 86400'000, fetched), fetched + kMaxKeyValidityMs);
}

TEST_F(ServerKeysTest, NotaryResponseWithBothSignaturesIsAccepted) {
  json::Object entry = response();
  addNotarySignature(entry, "notary.org", SigningKeyEntry{"ed25519:n", notary_});
  EXPECT_TRUE(crypto::verifyJsonSignature(entry, "remote.org", "ed25519:a", a_.publicKey()));
  auto result = parseNotaryResponse(buildNotaryResponse({entry}), "notary.org", notaryLookup(),
                                    {"remote.org"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->accepted.size(), 1u);
  EXPECT_TRUE(result->rejected.empty());
  EXPECT_EQ(result->accepted[0].verifyKeys.size(), 2u);
}

TEST_F(ServerKeysTest, NotaryEntryWithoutNotarySignatureIsRejected) {
  auto result =
      parseNotaryResponse(buildNotaryResponse({response()}), "notary.org", notaryLookup());
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->accepted.empty());
  ASSERT_EQ(result->rejected.size(), 1u);
}

TEST_F(ServerKeysTest, NotaryEntrySignedByUnknownNotaryKeyIsRejected) {
  json::Object entry = response();
  addNotarySignature(entry, "notary.org", SigningKeyEntry{"ed25519:other", testkeys::keyFrom('q')});
  auto result = parseNotaryResponse(buildNotaryResponse({entry}), "notary.org", notaryLookup());
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->accepted.empty());
}

TEST_F(ServerKeysTest, NotaryCannotForgeTheOriginSignature) {
  // A notary that alters the keys and signs the result still lacks the origin's signature.
  json::Object entry = response();
  entry.set("valid_until_ts", kUntil * 2);
  addNotarySignature(entry, "notary.org", SigningKeyEntry{"ed25519:n", notary_});
  auto result = parseNotaryResponse(buildNotaryResponse({entry}), "notary.org", notaryLookup());
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->accepted.empty());
}

TEST_F(ServerKeysTest, NotaryEntriesForUnrequestedServersAreLeftOut) {
  json::Object wanted = response("remote.org");
  json::Object extra = response("extra.org");
  addNotarySignature(wanted, "notary.org", SigningKeyEntry{"ed25519:n", notary_});
  addNotarySignature(extra, "notary.org", SigningKeyEntry{"ed25519:n", notary_});
  auto result = parseNotaryResponse(buildNotaryResponse({wanted, extra}), "notary.org",
                                    notaryLookup(), {"remote.org"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->accepted.size(), 1u);
  EXPECT_EQ(result->accepted[0].serverName, "remote.org");
  EXPECT_EQ(result->rejected.size(), 1u);
}

TEST_F(ServerKeysTest, MalformedNotaryResponsesAreErrors) {
  EXPECT_EQ(parseNotaryResponse(json::Object{}, "notary.org", notaryLookup()).error().code,
            ErrorCode::kBadJson);
  EXPECT_FALSE(parseNotaryResponse(json::Object{{"server_keys", json::Object{}}}, "notary.org",
                                   notaryLookup()));
  EXPECT_FALSE(parseNotaryResponse(json::Object{{"server_keys", json::Array{1}}}, "notary.org",
                                   notaryLookup()));
  auto empty = parseNotaryResponse(json::Object{{"server_keys", json::Array{}}}, "notary.org",
                                   notaryLookup());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->accepted.empty());
}

TEST_F(ServerKeysTest, KeyQueryRequestRoundTrips) {
  std::vector<KeyQuery> queries{{"example.org", {"ed25519:abc123"}, 1234567890},
                                {"all.org", {}, std::nullopt}};
  json::Object body = buildKeyQueryRequest(queries);
  // The spec's example body.
  EXPECT_EQ(*body.find("server_keys")
                 ->get("example.org")
                 ->get("ed25519:abc123")
                 ->get("minimum_valid_until_ts")
                 ->getInt(),
            1234567890);
  EXPECT_TRUE(body.find("server_keys")->get("all.org")->getObject()->empty());
  auto parsed = parseKeyQueryRequest(body);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].serverName, "all.org");
  EXPECT_TRUE((*parsed)[0].keyIds.empty());
  EXPECT_EQ((*parsed)[1].keyIds, std::vector<std::string>{"ed25519:abc123"});
  EXPECT_EQ((*parsed)[1].minimumValidUntilTs, 1234567890);
}

TEST_F(ServerKeysTest, MalformedKeyQueryRequestsAreErrors) {
  EXPECT_FALSE(parseKeyQueryRequest(json::Object{}));
  EXPECT_FALSE(parseKeyQueryRequest(json::Object{{"server_keys", json::Array{}}}));
  EXPECT_FALSE(parseKeyQueryRequest(json::Object{{"server_keys", json::Object{{"a.org", 1}}}}));
  EXPECT_FALSE(parseKeyQueryRequest(json::Object{
      {"server_keys",
       json::Object{{"a.org", json::Object{{"ed25519:a",
                                            json::Object{{"minimum_valid_until_ts", "x"}}}}}}}}));
}

}  // namespace
}  // namespace plexus::federation
