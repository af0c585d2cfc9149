// Unit tests of the shared route helpers: body parsing and field getters, the error mapping,
// the rate limiter (injected clock) and the route wrappers' exception guard.
#include <gtest/gtest.h>

#include <optional>

#include "accountsync/api/types.h"
#include "clientapi/impl/rate_limiter.h"
#include "clientapi/impl/route_context.h"
#include "plexus/json/parse.h"

namespace plexus::clientapi {
namespace {

http::Request withBody(std::string body) {
  http::Request r;
  r.method = "POST";
  r.body = std::move(body);
  return r;
}

TEST(RouteContextTest, ParsesObjectBodiesStrictly) {
  EXPECT_TRUE(parseJsonObjectBody(withBody(R"({"a":1})")).ok());
  EXPECT_EQ(parseJsonObjectBody(withBody("nope")).error().code, ErrorCode::kNotJson);
  EXPECT_EQ(parseJsonObjectBody(withBody("")).error().code, ErrorCode::kNotJson);
  EXPECT_EQ(parseJsonObjectBody(withBody("[]")).error().code, ErrorCode::kBadJson);
  EXPECT_EQ(parseJsonObjectBody(withBody(R"({"a":1.5})")).error().code, ErrorCode::kBadJson);
  EXPECT_TRUE(parseJsonObjectBody(withBody(R"({"a":1.5})"), true).ok());
  EXPECT_EQ(parseJsonObjectBody(withBody("{\"a\":\"\xff\"}")).error().code, ErrorCode::kNotJson);
  EXPECT_TRUE(parseOptionalJsonObjectBody(withBody("  ")).ok());
}

TEST(RouteContextTest, FieldGettersReportMissingAndWrongTypes) {
  json::Object body{{"s", json::Value("x")}, {"n", json::Value(3)}, {"z", json::Value(nullptr)}};
  EXPECT_EQ(*requireString(body, "s"), "x");
  EXPECT_EQ(requireString(body, "absent").error().code, ErrorCode::kMissingParam);
  EXPECT_EQ(requireString(body, "n").error().code, ErrorCode::kBadJson);
  EXPECT_FALSE(optionalString(body, "z")->has_value());
  EXPECT_EQ(optionalBool(body, "s").error().code, ErrorCode::kBadJson);
  EXPECT_EQ(**optionalInt(body, "n"), 3);
  EXPECT_EQ(requireStringArray(body, "s").error().code, ErrorCode::kBadJson);
}

TEST(RouteContextTest, QueryParametersAreValidated) {
  http::Request r;
  r.query.add("t", "123");
  r.query.add("bad", "12x");
  r.query.add("huge", "99999999999999999999");
  r.query.add("b", "true");
  r.query.add("nb", "yes");
  EXPECT_EQ(**queryInt(r, "t"), 123);
  EXPECT_FALSE(queryInt(r, "absent")->has_value());
  EXPECT_EQ(queryInt(r, "bad").error().code, ErrorCode::kInvalidParam);
  EXPECT_EQ(queryInt(r, "huge").error().code, ErrorCode::kInvalidParam);
  EXPECT_TRUE(**queryBool(r, "b"));
  EXPECT_EQ(queryBool(r, "nb").error().code, ErrorCode::kInvalidParam);
}

TEST(RouteContextTest, TokenComesFromHeaderOrQuery) {
  http::Request r;
  EXPECT_FALSE(accessTokenOf(r).has_value());
  r.query.add("access_token", "q");
  EXPECT_EQ(*accessTokenOf(r), "q");
  r.headers.set("Authorization", "Bearer h");
  EXPECT_EQ(*accessTokenOf(r), "h");
  r.headers.set("Authorization", "Basic xyz");
  EXPECT_EQ(*accessTokenOf(r), "");  // present but unusable: unknown, not missing
}

TEST(RouteContextTest, ErrorResponsesCarryStatusRetryAndSoftLogout) {
  Error limited = makeError(ErrorCode::kLimitExceeded, "slow down");
  limited.retryAfterMs = 1500;
  http::Response r = errorResponse(limited);
  EXPECT_EQ(r.status, 429);
  auto body = json::parseObject(r.body);
  EXPECT_EQ(body->find("retry_after_ms")->getInt(), 1500);

  Error expired = makeError(ErrorCode::kUnknownToken, std::string(accountsync::kSoftLogoutMarker) + "expired");
  http::Response soft = errorResponse(expired);
  EXPECT_EQ(soft.status, 401);
  auto softBody = json::parseObject(soft.body);
  EXPECT_EQ(softBody->find("soft_logout")->getBool(), true);
  EXPECT_EQ(*softBody->find("errcode")->getString(), "M_UNKNOWN_TOKEN");
  EXPECT_EQ(*softBody->find("error")->getString(), "expired");

  EXPECT_EQ(errorResponse(makeError(ErrorCode::kMissingParam, "x")).status, 400);
  EXPECT_EQ(errorResponse(makeError(ErrorCode::kThreepidDenied, "x")).status, 403);
  EXPECT_EQ(errorResponse(makeError(ErrorCode::kGuestAccessForbidden, "x")).status, 403);
}

TEST(RouteContextTest, IdentifierChecks) {
  EXPECT_TRUE(isValidUserId("@a:b"));
  EXPECT_FALSE(isValidUserId("a:b"));
  EXPECT_FALSE(isValidUserId("@:b"));
  EXPECT_FALSE(isValidUserId("@a:"));
  EXPECT_TRUE(isValidRoomId("!x:y"));
  EXPECT_TRUE(isValidRoomId("!opaqueV12"));
  EXPECT_FALSE(isValidRoomId("#x:y"));
}

TEST(RateLimiterTest, RefusesAfterBurstAndRefillsOverTime) {
  std::int64_t now = 1000;
  RateLimiter limiter(RateLimitConfig{true, 2.0, 3.0}, [&] { return now; });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.check("u").ok());
  Status refused = limiter.check("u");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(refused.error().retryAfterMs, 500);
  EXPECT_TRUE(limiter.check("other").ok());  // buckets are per key
  now += 500;
  EXPECT_TRUE(limiter.check("u").ok());
  EXPECT_FALSE(limiter.check("u").ok());
}

TEST(RateLimiterTest, DisabledLimiterAllowsEverything) {
  RateLimiter limiter(RateLimitConfig{false, 0.1, 1.0}, [] { return 0; });
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.check("u").ok());
}

TEST(RouteWrapperTest, ThrowingHandlerGives500) {
  ClientApiDeps deps;
  http::Router router;
  addOpenRoute(router, deps, "GET", "/boom", [](const http::Request&) -> http::Response {
    throw std::runtime_error("bug");
  });
  http::Request request;
  request.method = "GET";
  request.target = "/boom";
  ASSERT_TRUE(http::parseTarget(request).ok());
  std::optional<http::Response> answer;
  router.dispatch(std::move(request), http::Responder::detached([&](http::Response r) { answer = std::move(r); }));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 500);
  EXPECT_NE(answer->body.find("M_UNKNOWN"), std::string::npos);
}

TEST(RouteWrapperTest, AuthedRouteWithoutTokenIsMissingToken) {
  ClientApiDeps deps;
  http::Router router;
  bool ran = false;
  addAuthedRoute(router, deps, "GET", "/x", [&](const http::Request&, const Requester&) {
    ran = true;
    return jsonOk(json::Object{});
  });
  http::Request request;
  request.method = "GET";
  request.target = "/x";
  ASSERT_TRUE(http::parseTarget(request).ok());
  std::optional<http::Response> answer;
  router.dispatch(std::move(request), http::Responder::detached([&](http::Response r) { answer = std::move(r); }));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 401);
  EXPECT_NE(answer->body.find("M_MISSING_TOKEN"), std::string::npos);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace plexus::clientapi
