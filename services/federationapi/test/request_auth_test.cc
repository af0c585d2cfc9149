// X-Matrix authentication of inbound requests signed with libs/federation's signRequest.
#include "federationapi/impl/request_auth.h"

#include "federation_api_fixture.h"
#include "plexus/json/canonical.h"

namespace plexus::federationapi {
namespace {

using testing::makeRequest;

class RequestAuthTest : public testing::FederationApiTest {
 protected:
  http::Request signedRequest(std::string method, std::string target, std::string body,
                              std::string destination = "us.test") {
    auto request = makeRequest(method, target, body);
    std::optional<json::Value> content;
    if (!body.empty()) content = *json::parse(body);
    auto auth =
        federation::signRequest(remote_.name, destination, remote_.key.keyId, remote_.key.key,
                                method, target, content ? &*content : nullptr);
    request.headers.add("Authorization", federation::formatXMatrix(auth));
    return request;
  }
};

TEST_P(RequestAuthTest, AcceptsCorrectlySignedRequestWithBody) {
  auto request = signedRequest("PUT", "/_matrix/federation/v1/send/1", R"({"pdus":[]})");
  auto result = authenticateRequest(request, "us.test", *cache_);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->auth.origin, "remote.test");
  ASSERT_TRUE(result->content.has_value());
  EXPECT_EQ(fetcher_.directCalls, 1);
}

TEST_P(RequestAuthTest, AcceptsSignedGetWithQueryString) {
  auto request = signedRequest("GET", "/_matrix/federation/v1/query/profile?user_id=%40a%3Ax", "");
  EXPECT_TRUE(authenticateRequest(request, "us.test", *cache_).ok());
}

TEST_P(RequestAuthTest, RejectsMissingHeaderWith401Unauthorized) {
  auto result = authenticateRequest(makeRequest("GET", "/x"), "us.test", *cache_);
  ASSERT_FALSE(result.ok());
  auto response = authErrorResponse(result.error());
  EXPECT_EQ(response.status, 401);
  EXPECT_NE(response.body.find("M_UNAUTHORIZED"), std::string::npos);
}

TEST_P(RequestAuthTest, RejectsOtherDestination) {
  auto request = signedRequest("GET", "/x", "", "other.test");
  auto result = authenticateRequest(request, "us.test", *cache_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(authErrorResponse(result.error()).status, 401);
  EXPECT_EQ(fetcher_.directCalls, 0);
}

TEST_P(RequestAuthTest, RejectsTamperedBody) {
  auto request = signedRequest("PUT", "/x", R"({"a":1})");
  request.body = R"({"a":2})";
  EXPECT_EQ(authenticateRequest(request, "us.test", *cache_).error().code,
            ErrorCode::kInvalidSignature);
}

TEST_P(RequestAuthTest, RejectsTamperedPathAndMethod) {
  auto request = signedRequest("GET", "/a", "");
  request.target = "/b";
  EXPECT_FALSE(authenticateRequest(request, "us.test", *cache_).ok());
  request = signedRequest("GET", "/a", "");
  request.method = "DELETE";
  EXPECT_FALSE(authenticateRequest(request, "us.test", *cache_).ok());
}

TEST_P(RequestAuthTest, RejectsRequestSignedByAnotherKeyUnderTheOriginsKeyId) {
  testing::FakeServer impostor;
  impostor.name = remote_.name;  // same origin and key ID, different key
  auto request = makeRequest("GET", "/x");
  auto auth = federation::signRequest(impostor.name, "us.test", impostor.key.keyId,
                                      impostor.key.key, "GET", "/x", nullptr);
  request.headers.add("Authorization", federation::formatXMatrix(auth));
  EXPECT_EQ(authenticateRequest(request, "us.test", *cache_).error().code,
            ErrorCode::kInvalidSignature);
}

TEST_P(RequestAuthTest, RejectsOriginWhoseKeysCannotBeFetched) {
  testing::FakeServer unknown;
  unknown.name = "unknown.test";
  auto request = makeRequest("GET", "/x");
  auto auth = federation::signRequest(unknown.name, "us.test", unknown.key.keyId, unknown.key.key,
                                      "GET", "/x", nullptr);
  request.headers.add("Authorization", federation::formatXMatrix(auth));
  auto result = authenticateRequest(request, "us.test", *cache_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(authErrorResponse(result.error()).status, 401);
}

TEST_P(RequestAuthTest, RejectsMalformedHeaderAndNonJsonBody) {
  auto request = makeRequest("GET", "/x");
  request.headers.add("Authorization", "X-Matrix origin=\"remote.test\"");
  EXPECT_EQ(authErrorResponse(authenticateRequest(request, "us.test", *cache_).error()).status,
            401);
  auto bad = signedRequest("PUT", "/x", R"({"a":1})");
  bad.body = "{not json";
  auto result = authenticateRequest(bad, "us.test", *cache_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(authErrorResponse(result.error()).status, 400);
}

TEST_P(RequestAuthTest, AcceptsWhenAnyOfSeveralHeadersVerifies) {
  auto request = signedRequest("GET", "/x", "");
  auto good = std::string(*request.headers.get("Authorization"));
  request.headers.erase("Authorization");
  request.headers.add("Authorization",
                      "X-Matrix origin=remote.test,key=\"ed25519:zz\",sig=\"AAAA\"");
  request.headers.add("Authorization", good);
  EXPECT_TRUE(authenticateRequest(request, "us.test", *cache_).ok());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(RequestAuthTest);

}  // namespace
}  // namespace plexus::federationapi
