// Router: pattern matching with named and restricted segments, 404 vs 405, HEAD, fallback,
// exceptions — through detached Responders, no sockets.
#include "plexus/http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "plexus/json/parse.h"

namespace plexus::http {
namespace {

Request makeRequest(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  EXPECT_TRUE(parseTarget(r).ok());
  return r;
}

std::optional<Response> route(const Router& router, std::string method, std::string target) {
  std::optional<Response> out;
  router.dispatch(makeRequest(std::move(method), std::move(target)),
                  Responder::detached([&](Response r) { out = std::move(r); }));
  return out;
}

std::string errcodeOf(const Response& r) {
  auto v = json::parse(r.body);
  if (!v) return "";
  return std::string(v->getStringAt("errcode").value_or(""));
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.restrictParam("version", {"r0", "v3"});
    router_.addSync("PUT", "/_matrix/client/{version}/rooms/{roomId}/send/{eventType}/{txnId}", [](const Request& r) {
      return Response::text(std::string(r.param("version")) + "|" + std::string(r.param("roomId")) + "|" +
                            std::string(r.param("eventType")) + "|" + std::string(r.param("txnId")));
    });
    router_.addSync("GET", "/_matrix/client/{version}/sync", [](const Request&) { return Response::text("sync"); });
    router_.addSync("GET", "/_matrix/client/{version}/rooms/{roomId}/state", [](const Request&) {
      return Response::text("param");
    });
    router_.addSync("GET", "/_matrix/client/{version}/rooms/special/state", [](const Request&) {
      return Response::text("literal");
    });
    router_.addSync("POST", "/boom", [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
  }
  Router router_;
};

TEST_F(RouterTest, CapturesDecodedNamedSegments) {
  auto r = route(router_, "PUT", "/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/t%2F1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "v3|!abc:example.org|m.room.message|t/1");
}

TEST_F(RouterTest, AcceptsEveryAllowedVersionAndRejectsOthers) {
  EXPECT_EQ(route(router_, "GET", "/_matrix/client/r0/sync")->body, "sync");
  EXPECT_EQ(route(router_, "GET", "/_matrix/client/v3/sync?since=s1")->body, "sync");
  auto r = route(router_, "GET", "/_matrix/client/v9/sync");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(errcodeOf(*r), "M_UNRECOGNIZED");
}

TEST_F(RouterTest, UnknownPathIs404Unrecognized) {
  auto r = route(router_, "GET", "/_matrix/client/v3/nothing/here");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(errcodeOf(*r), "M_UNRECOGNIZED");
}

TEST_F(RouterTest, KnownPathWithWrongMethodIs405UnrecognizedWithAllow) {
  auto r = route(router_, "POST", "/_matrix/client/v3/sync");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(errcodeOf(*r), "M_UNRECOGNIZED");
  EXPECT_EQ(r->headers.get("allow").value_or(""), "GET");
}

TEST_F(RouterTest, LiteralSegmentBeatsNamedSegment) {
  EXPECT_EQ(route(router_, "GET", "/_matrix/client/v3/rooms/special/state")->body, "literal");
  EXPECT_EQ(route(router_, "GET", "/_matrix/client/v3/rooms/other/state")->body, "param");
}

TEST_F(RouterTest, EmptyNamedSegmentDoesNotMatch) {
  EXPECT_EQ(route(router_, "GET", "/_matrix/client/v3/rooms//state")->status, 404);
}

TEST_F(RouterTest, TrailingSlashIsADifferentPath) {
  EXPECT_EQ(route(router_, "GET", "/_matrix/client/v3/sync/")->status, 404);
}

TEST(RouterBodyLimitTest, ReportsTheOwnLimitOfTheRouteARequestGoesTo) {
  Router router;
  router.restrictParam("version", {"r0", "v3"});
  auto ok = [](Request, Responder responder) { responder.send(Response::text("ok")); };
  router.add("POST", "/_matrix/media/{version}/upload", ok, 50'000'000);
  router.add("PUT", "/_matrix/media/{version}/upload/{server}/{id}", ok, 40'000'000);
  router.add("PUT", "/_matrix/media/{version}/upload/special/{id}", ok);  // more specific
  router.add("GET", "/_matrix/media/{version}/upload", ok);
  EXPECT_EQ(router.bodyLimit(makeRequest("POST", "/_matrix/media/v3/upload?filename=a")),
            std::optional<std::size_t>(50'000'000));
  EXPECT_EQ(router.bodyLimit(makeRequest("PUT", "/_matrix/media/r0/upload/s/i")),
            std::optional<std::size_t>(40'000'000));
  EXPECT_EQ(router.bodyLimit(makeRequest("PUT", "/_matrix/media/v3/upload/special/i")),
            std::nullopt);
  EXPECT_EQ(router.bodyLimit(makeRequest("GET", "/_matrix/media/v3/upload")), std::nullopt);
  EXPECT_EQ(router.bodyLimit(makeRequest("POST", "/_matrix/media/v9/upload")), std::nullopt);
  EXPECT_EQ(router.bodyLimit(makeRequest("POST", "/elsewhere")), std::nullopt);
  // The limited route still routes like any other.
  EXPECT_EQ(route(router, "POST", "/_matrix/media/v3/upload")->body, "ok");
}

TEST(RouterBodyLimitTest, RouterWithoutOwnLimitsReportsNone) {
  Router router;
  router.addSync("POST", "/x", [](const Request&) { return Response::text("x"); });
  EXPECT_EQ(router.bodyLimit(makeRequest("POST", "/x")), std::nullopt);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  EXPECT_EQ(route(router_, "HEAD", "/_matrix/client/v3/sync")->body, "sync");
}

TEST_F(RouterTest, ThrowingHandlerGives500Unknown) {
  auto r = route(router_, "POST", "/boom");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(errcodeOf(*r), "M_UNKNOWN");
}

TEST_F(RouterTest, FallbackHandlesUnknownPaths) {
  router_.setFallback([](Request, Responder responder) { responder.send(Response::text("fallback", 299)); });
  auto r = route(router_, "GET", "/anything");
  EXPECT_EQ(r->status, 299);
  EXPECT_EQ(r->body, "fallback");
  // A known path with the wrong method is still 405, not the fallback.
  EXPECT_EQ(route(router_, "DELETE", "/_matrix/client/v3/sync")->status, 405);
}

TEST(ResponderTest, FirstSendWinsAndCancelAfterCompletionIsIgnored) {
  int sent = 0;
  bool cancelled = false;
  Responder responder = Responder::detached([&](Response) { ++sent; });
  responder.onCancel([&] { cancelled = true; });
  EXPECT_TRUE(responder.send(Response::text("a")));
  EXPECT_FALSE(responder.send(Response::text("b")));
  responder.cancel();
  EXPECT_EQ(sent, 1);
  EXPECT_FALSE(cancelled);
  EXPECT_TRUE(responder.done());
}

TEST(ResponderTest, CancelRunsCallbacksAndBlocksLaterSends) {
  int sent = 0;
  int cancelled = 0;
  Responder responder = Responder::detached([&](Response) { ++sent; });
  responder.onCancel([&] { ++cancelled; });
  responder.cancel();
  responder.onCancel([&] { ++cancelled; });  // registered late: runs at once
  EXPECT_FALSE(responder.send(Response::text("late")));
  EXPECT_EQ(cancelled, 2);
  EXPECT_EQ(sent, 0);
  EXPECT_TRUE(responder.cancelled());
}

TEST(ResponseTest, MatrixErrorUsesTheErrorTableAndRetryAfter) {
  Error e = makeError(ErrorCode::kLimitExceeded, "slow down");
  e.retryAfterMs = 1500;
  Response r = Response::matrixError(e);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":1500})");
  EXPECT_EQ(r.contentType, "application/json");
}

}  // namespace
}  // namespace plexus::http
