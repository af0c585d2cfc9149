// FederationRequester over a fake transport: the request it sends (X-Matrix checked with
// verifyXMatrix, canonical body, headers) and how it maps answers to JSON or errors.
#include "plexus/federation/federation_requester.h"

#include <gtest/gtest.h>

#include "plexus/federation/x_matrix.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "test_keys.h"

namespace plexus::federation {
namespace {

class FakeTransport : public FederationTransport {
 public:
  Result<OutboundResponse> send(std::string_view destination,
                                const OutboundRequest& request) override {
    lastDestination = std::string(destination);
    last = request;
    ++calls;
    return answer;
  }

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : last.headers)
      if (n == name) return v;
    return std::nullopt;
  }

  Result<OutboundResponse> answer = OutboundResponse{200, {}, "{}"};
  std::string lastDestination;
  OutboundRequest last;
  int calls = 0;
};

OutboundResponse reply(int status, std::string body,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  return OutboundResponse{status, std::move(headers), std::move(body)};
}

class FederationRequesterTest : public ::testing::Test {
 protected:
  Error failWith(OutboundResponse response) {
    transport_.answer = std::move(response);
    auto result =
        requester_.request("remote.test", "GET", "/_matrix/federation/v1/version", nullptr);
    EXPECT_FALSE(result.ok());
    return result.ok() ? Error{} : result.error();
  }

  crypto::SigningKey key_ = testkeys::specKey();
  FakeTransport transport_;
  FederationRequester requester_{transport_, "origin.test", [this] {
                                   return RequestSigningKey{"ed25519:1", key_};
                                 }};
};

TEST_F(FederationRequesterTest, SignsPutWithCanonicalBodyThatTheDestinationVerifies) {
  json::Value body = json::Object{{"pdus", json::Array{}}, {"origin", "origin.test"}, {"b", 1}};
  transport_.answer = reply(200, R"({"pdus":{}})");
  const std::string uri = "/_matrix/federation/v1/send/t%201";
  auto result = requester_.request("remote.test:8448", "PUT", uri, &body, 1234);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->get("pdus")->isObject());

  EXPECT_EQ(transport_.lastDestination, "remote.test:8448");
  EXPECT_EQ(transport_.last.method, "PUT");
  EXPECT_EQ(transport_.last.uri, uri);
  EXPECT_EQ(transport_.last.timeoutMs, 1234);
  EXPECT_EQ(transport_.last.body, json::canonical(body));
  EXPECT_EQ(transport_.header("Content-Type"), "application/json");

  auto authorization = transport_.header("Authorization");
  ASSERT_TRUE(authorization);
  auto auth = parseXMatrix(*authorization);
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  EXPECT_EQ(auth->origin, "origin.test");
  EXPECT_EQ(auth->destination, "remote.test:8448");
  EXPECT_EQ(auth->keyId, "ed25519:1");
  auto received = json::parse(transport_.last.body);
  ASSERT_TRUE(received.ok());
  EXPECT_TRUE(verifyXMatrix(*auth, "remote.test:8448", "PUT", uri, &*received, key_.publicKey()));
  // The signature covers the body, the uri and the destination.
  json::Value other = json::Object{{"pdus", json::Array{1}}};
  EXPECT_FALSE(verifyXMatrix(*auth, "remote.test:8448", "PUT", uri, &other, key_.publicKey()));
  EXPECT_FALSE(
      verifyXMatrix(*auth, "remote.test:8448", "PUT", uri + "x", &*received, key_.publicKey()));
  EXPECT_FALSE(verifyXMatrix(*auth, "elsewhere.test", "PUT", uri, &*received, key_.publicKey()));
}

TEST_F(FederationRequesterTest, GetHasNoBodyNoContentTypeAndVerifiesWithoutContent) {
  auto result = requester_.request("remote.test", "GET", "/_matrix/federation/v1/version", nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(transport_.last.body.empty());
  EXPECT_FALSE(transport_.header("Content-Type"));
  auto auth = parseXMatrix(*transport_.header("Authorization"));
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE(verifyXMatrix(*auth, "remote.test", "GET", "/_matrix/federation/v1/version", nullptr,
                            key_.publicKey()));
}

TEST_F(FederationRequesterTest, SignsWithTheKeyTheSourceGivesNow) {
  crypto::SigningKey rotated = testkeys::keyFrom('r');
  std::string keyId = "ed25519:1";
  FederationRequester requester(transport_, "origin.test", [&] {
    return RequestSigningKey{keyId, keyId == "ed25519:1" ? key_ : rotated};
  });
  ASSERT_TRUE(requester.request("remote.test", "GET", "/x", nullptr).ok());
  keyId = "ed25519:2";
  ASSERT_TRUE(requester.request("remote.test", "GET", "/x", nullptr).ok());
  auto auth = parseXMatrix(*transport_.header("Authorization"));
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->keyId, "ed25519:2");
  EXPECT_TRUE(verifyXMatrix(*auth, "remote.test", "GET", "/x", nullptr, rotated.publicKey()));
}

TEST_F(FederationRequesterTest, AcceptsAnyTwoHundredAndJsonArrays) {
  transport_.answer = reply(202, R"([200,{"state":[]}])");
  auto result =
      requester_.request("remote.test", "PUT", "/_matrix/federation/v1/send_join/r/e", nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->isArray());
}

TEST_F(FederationRequesterTest, ParsesNumbersOfOldRoomVersionsLeniently) {
  transport_.answer = reply(200, R"({"depth":1.5,"big":18014398509481984})");
  EXPECT_TRUE(requester_.request("remote.test", "GET", "/x", nullptr).ok());
}

TEST_F(FederationRequesterTest, SuccessThatIsNotJsonIsNotJson) {
  transport_.answer = reply(200, "<html>hello</html>");
  auto result = requester_.request("remote.test", "GET", "/x", nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotJson);
}

TEST_F(FederationRequesterTest, TransportFailureIsUnavailable) {
  transport_.answer = fail(ErrorCode::kTooLarge, "remote.test: response too large");
  auto result = requester_.request("remote.test", "GET", "/x", nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().message, "remote.test: response too large");
}

TEST_F(FederationRequesterTest, MapsKnownErrcodesAndKeepsTheRemoteMessage) {
  struct Case {
    int status;
    const char* errcode;
    ErrorCode code;
  };
  for (const Case& c :
       {Case{403, "M_FORBIDDEN", ErrorCode::kForbidden},
        Case{404, "M_NOT_FOUND", ErrorCode::kNotFound},
        Case{400, "M_INCOMPATIBLE_ROOM_VERSION", ErrorCode::kIncompatibleRoomVersion},
        Case{400, "M_UNABLE_TO_AUTHORISE_JOIN", ErrorCode::kUnableToAuthoriseJoin},
        Case{400, "M_UNABLE_TO_GRANT_JOIN", ErrorCode::kUnableToGrantJoin},
        Case{400, "M_BAD_JSON", ErrorCode::kBadJson}, Case{400, "M_NOT_JSON", ErrorCode::kNotJson},
        Case{400, "M_INVALID_PARAM", ErrorCode::kInvalidParam},
        Case{400, "M_MISSING_PARAM", ErrorCode::kMissingParam},
        Case{413, "M_TOO_LARGE", ErrorCode::kTooLarge},
        Case{404, "M_UNRECOGNIZED", ErrorCode::kUnrecognized},
        Case{400, "M_UNSUPPORTED_ROOM_VERSION", ErrorCode::kUnsupportedRoomVersion},
        Case{401, "M_UNKNOWN_TOKEN", ErrorCode::kUnknownToken},
        Case{400, "M_UNKNOWN", ErrorCode::kUnknown}}) {
    std::string body =
        std::string(R"({"errcode":")") + c.errcode + R"(","error":"remote says no"})";
    Error error = failWith(reply(c.status, body));
    EXPECT_EQ(error.code, c.code) << c.errcode;
    EXPECT_EQ(error.message, "remote says no") << c.errcode;
    EXPECT_EQ(error.errcode(), c.errcode);
  }
}

TEST_F(FederationRequesterTest, EveryErrcodeOfTheCoreTableMapsBackToItself) {
  // Codes that share an errcode map to the first of them, which carries the same errcode.
  for (int i = 0; i < 256; ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (i > 0 && &errorCodeInfo(code) == &errorCodeInfo(ErrorCode::kUnknown)) break;
    std::string errcode(errorCodeInfo(code).errcode);
    Error error = failWith(reply(400, R"({"errcode":")" + errcode + R"(","error":"m"})"));
    EXPECT_EQ(error.errcode(), errcode);
    EXPECT_NE(error.code, ErrorCode::kInvalidSignature);
    EXPECT_NE(error.code, ErrorCode::kUnavailable);
  }
}

TEST_F(FederationRequesterTest, UnknownErrcodeIsUnknownWithTheErrcodeInTheMessage) {
  Error error = failWith(reply(401, R"({"errcode":"M_UNAUTHORIZED","error":"bad sig"})"));
  EXPECT_EQ(error.code, ErrorCode::kUnknown);
  EXPECT_EQ(error.message, "M_UNAUTHORIZED: bad sig");
}

TEST_F(FederationRequesterTest, NotFoundWithoutMatrixErrorIsUnrecognized) {
  EXPECT_EQ(failWith(reply(404, "<html>404</html>")).code, ErrorCode::kUnrecognized);
  EXPECT_EQ(failWith(reply(405, "")).code, ErrorCode::kUnrecognized);
  EXPECT_EQ(failWith(reply(400, "nope")).code, ErrorCode::kUnknown);
}

TEST_F(FederationRequesterTest, RateLimitIsUnavailableWithTheRetryHint) {
  Error error = failWith(
      reply(429, R"({"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":1500})"));
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(error.message, "slow down");
  EXPECT_EQ(error.retryAfterMs, 1500);

  error = failWith(reply(429, "", {{"retry-after", "3"}}));
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(error.retryAfterMs, 3000);
}

TEST_F(FederationRequesterTest, ServerErrorsAreUnavailableWithTheRemoteMessage) {
  Error error = failWith(reply(500, R"({"errcode":"M_UNKNOWN","error":"database down"})"));
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(error.message, "database down");
  EXPECT_FALSE(error.retryAfterMs);
  error = failWith(reply(502, "Bad Gateway"));
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_NE(error.message.find("502"), std::string::npos);
}

TEST(EncodeUriComponentTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(encodeUriComponent("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(encodeUriComponent("!room:example.org"), "%21room%3Aexample.org");
  EXPECT_EQ(encodeUriComponent("$ev/+ ?#&="), "%24ev%2F%2B%20%3F%23%26%3D");
  EXPECT_EQ(encodeUriComponent("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(encodeUriComponent(""), "");
}

TEST_F(FederationRequesterTest, RawRequestReturnsTheAnswerUnparsedAndSigned) {
  transport_.answer =
      reply(200, "--b\r\nnot json", {{"Content-Type", "multipart/mixed; boundary=b"}});
  FederationRequester::RawOptions options;
  options.maxResponseBytes = 777;
  auto raw = requester_.requestRaw("remote.test", "GET", "/_matrix/federation/v1/media/download/x",
                                   4321, options);
  ASSERT_TRUE(raw.ok()) << raw.error().message;
  EXPECT_EQ(raw->body, "--b\r\nnot json");
  ASSERT_EQ(raw->headers.size(), 1U);
  EXPECT_EQ(raw->headers[0].second, "multipart/mixed; boundary=b");
  EXPECT_EQ(transport_.last.maxResponseBytes, 777U);
  EXPECT_EQ(transport_.last.timeoutMs, 4321);
  EXPECT_TRUE(transport_.last.body.empty());
  auto auth = parseXMatrix(*transport_.header("Authorization"));
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE(verifyXMatrix(*auth, "remote.test", "GET", "/_matrix/federation/v1/media/download/x",
                            nullptr, key_.publicKey()));
}

TEST_F(FederationRequesterTest, RawRequestCanGoUnsignedAndMapsErrorsLikeRequest) {
  transport_.answer = reply(404, R"({"errcode":"M_NOT_FOUND","error":"gone"})");
  FederationRequester::RawOptions options;
  options.sign = false;
  auto raw = requester_.requestRaw("remote.test", "GET", "/x", 1000, options);
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(raw.error().message, "gone");
  EXPECT_FALSE(transport_.header("Authorization"));

  transport_.answer = fail(ErrorCode::kTooLarge, "answer too large");
  raw = requester_.requestRaw("remote.test", "GET", "/x", 1000, options);
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace plexus::federation
