// Server over real loopback sockets: CORS, errors, limits, keep-alive, pipelining, deferred
// responses, disconnects, timeouts and stop.
#include "plexus/http/server.h"

#include <gtest/gtest.h>

#include <thread>

#include "plexus/http/router.h"
#include "plexus/json/parse.h"
#include "test_support.h"

namespace plexus::http {
namespace {

using testing::ParkedRequests;
using testing::RawConnection;
using testing::RawResponse;
using namespace std::chrono_literals;

std::string errcodeOf(const RawResponse& r) {
  auto v = json::parse(r.body);
  return v ? std::string(v->getStringAt("errcode").value_or("")) : "";
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    Router router;
    router.restrictParam("version", {"r0", "v3"});
    router.addSync("GET", "/_matrix/client/{version}/echo/{word}", [](const Request& r) {
      return Response::json(json::Object{{"word", json::Value(r.param("word"))},
                                         {"q", json::Value(r.query.get("q").value_or(""))}});
    });
    router.addSync("POST", "/body", [](const Request& r) { return Response::text(r.body); });
    router.addSync("GET", "/remote", [](const Request& r) { return Response::text(r.remoteAddress); });
    router.addSync("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("bug"); });
    router.add("GET", "/park", [this](Request request, Responder responder) {
      responder.onCancel([this] { parked_.noteCancelled(); });
      parked_.park(std::move(request), std::move(responder));
    });
    router.add("GET", "/expire", [](Request, Responder responder) {
      responder.expireAfter(20ms, [responder] { responder.send(Response::text("expired")); });
    });
    server_ = std::make_unique<Server>(options, std::move(router).toHandler());
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  std::uint16_t port() const { return server_->port(); }

  ParkedRequests parked_;  // declared first: outlives the server, whose cancellations it records
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, RoutesWithParamsAndAddsCorsHeaders) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /_matrix/client/r0/echo/hi%20there?q=x HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"q":"x","word":"hi there"})");
  EXPECT_EQ(r->headers.get("content-type").value_or(""), "application/json");
  EXPECT_EQ(r->headers.get("access-control-allow-origin").value_or(""), "*");
  EXPECT_EQ(r->headers.get("access-control-allow-methods").value_or(""), "GET, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ(r->headers.get("access-control-allow-headers").value_or(""), "X-Requested-With, Content-Type, Authorization");
}

TEST_F(ServerTest, UnknownEndpointIs404AndWrongMethodIs405WithCors) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /_matrix/client/v3/unknown HTTP/1.1\r\nHost: h\r\n\r\n"
                     "DELETE /_matrix/client/v3/echo/a HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto notFound = c.readResponse();
  ASSERT_TRUE(notFound);
  EXPECT_EQ(notFound->status, 404);
  EXPECT_EQ(errcodeOf(*notFound), "M_UNRECOGNIZED");
  EXPECT_EQ(notFound->headers.get("access-control-allow-origin").value_or(""), "*");
  auto wrongMethod = c.readResponse();
  ASSERT_TRUE(wrongMethod);
  EXPECT_EQ(wrongMethod->status, 405);
  EXPECT_EQ(errcodeOf(*wrongMethod), "M_UNRECOGNIZED");
}

TEST_F(ServerTest, AnswersPreflightWithoutCallingHandler) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("OPTIONS /park HTTP/1.1\r\nHost: h\r\nOrigin: https://app.example\r\n"
                     "Access-Control-Request-Method: GET\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("access-control-allow-origin").value_or(""), "*");
  EXPECT_EQ(r->headers.get("access-control-allow-methods").value_or(""), "GET, POST, PUT, DELETE, OPTIONS");
  EXPECT_FALSE(parked_.waitForCount(1, 0ms));
}

TEST_F(ServerTest, OversizedBodyGets413TooLargeAndClose) {
  ServerOptions options;
  options.limits.maxBodyBytes = 1000;
  start(options);
  RawConnection c(port());
  ASSERT_TRUE(c.send("POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 5000000\r\n\r\n" + std::string(2000, 'x')));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(errcodeOf(*r), "M_TOO_LARGE");
  EXPECT_EQ(r->headers.get("connection").value_or(""), "close");
  EXPECT_TRUE(c.waitClosed());
}

// Uploads may be large while every other route keeps the small default limit.
TEST(ServerBodyLimitTest, RouteWithItsOwnLimitTakesLargerBodiesThanTheRest) {
  auto router = std::make_shared<Router>();
  auto echo = [](Request r, Responder responder) {
    responder.send(Response::text(std::to_string(r.body.size())));
  };
  router->add("POST", "/upload", echo, 200'000);
  router->add("POST", "/json", echo);
  ServerOptions options;
  options.limits.maxBodyBytes = 1000;
  options.bodyLimitFor = [router, fallback = options.limits.maxBodyBytes](const Request& head) {
    return router->bodyLimit(head).value_or(fallback);
  };
  Server server(options, Router::sharedHandler(router));
  ASSERT_TRUE(server.start().ok());

  RawConnection upload(server.port());
  ASSERT_TRUE(upload.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 150000\r\n\r\n" +
                          std::string(150'000, 'u')));
  auto ok = upload.readResponse();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "150000");

  RawConnection tooBig(server.port());
  ASSERT_TRUE(tooBig.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 200001\r\n\r\n"));
  auto refused = tooBig.readResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413);
  EXPECT_EQ(errcodeOf(*refused), "M_TOO_LARGE");

  RawConnection json(server.port());
  ASSERT_TRUE(json.send("POST /json HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n" +
                        std::string(2000, 'j')));
  auto small = json.readResponse();
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 413);
  EXPECT_EQ(errcodeOf(*small), "M_TOO_LARGE");
  server.stop();
}

TEST_F(ServerTest, HugeHeadersGet413TooLarge) {
  ServerOptions options;
  options.limits.maxHeaderBytes = 4096;
  start(options);
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /remote HTTP/1.1\r\nHost: h\r\nX-Huge: " + std::string(20000, 'a') + "\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(errcodeOf(*r), "M_TOO_LARGE");
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(ServerTest, KeepsConnectionAliveAcrossRequests) {
  start();
  RawConnection c(port());
  for (int i = 0; i < 5; ++i) {
    std::string body = "req" + std::to_string(i);
    ASSERT_TRUE(c.send("POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\n\r\n" + body));
    auto r = c.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, body);
    EXPECT_FALSE(r->headers.contains("connection"));
  }
  EXPECT_EQ(server_->connectionCount(), 1u);
}

TEST_F(ServerTest, Http10KeepAliveAndClose) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /remote HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto first = c.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "127.0.0.1");
  EXPECT_EQ(first->headers.get("connection").value_or(""), "keep-alive");
  ASSERT_TRUE(c.send("GET /remote HTTP/1.0\r\n\r\n"));
  auto second = c.readResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->headers.get("connection").value_or(""), "close");
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(ServerTest, PipelinedResponsesComeBackInRequestOrder) {
  start();
  RawConnection c(port());
  // The first request is deferred; the two behind it must wait for it.
  ASSERT_TRUE(c.send("GET /park HTTP/1.1\r\nHost: h\r\n\r\n"
                     "GET /_matrix/client/v3/echo/two HTTP/1.1\r\nHost: h\r\n\r\n"
                     "POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nthree"));
  ASSERT_TRUE(parked_.waitForCount(1));
  std::thread answer([this] { parked_.take().at(0).send(Response::text("one")); });
  auto one = c.readResponse();
  auto two = c.readResponse();
  auto three = c.readResponse();
  answer.join();
  ASSERT_TRUE(one && two && three);
  EXPECT_EQ(one->body, "one");
  EXPECT_EQ(two->body, R"({"q":"","word":"two"})");
  EXPECT_EQ(three->body, "three");
}

TEST_F(ServerTest, DeferredResponseCompletesFromAnotherThread) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /park?since=s1 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(parked_.waitForCount(1));
  EXPECT_EQ(parked_.request(0).query.get("since").value_or(""), "s1");
  std::thread worker([this] { EXPECT_TRUE(parked_.take().at(0).send(Response::text("late"))); });
  worker.join();
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "late");
}

TEST_F(ServerTest, ExpireAfterAnswersALongPollWithoutAThread) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /expire HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "expired");
}

TEST_F(ServerTest, ClientDisconnectCancelsDeferredRequest) {
  start();
  auto c = std::make_unique<RawConnection>(port());
  ASSERT_TRUE(c->send("GET /park HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(parked_.waitForCount(1));
  c.reset();
  ASSERT_TRUE(parked_.waitForCancelled(1));
  auto responders = parked_.take();
  EXPECT_TRUE(responders.at(0).cancelled());
  EXPECT_FALSE(responders.at(0).send(Response::text("too late")));
}

TEST_F(ServerTest, MalformedRequestLineGets400AndClose) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GARBAGE\x01 / HTTP/9.9\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->headers.get("access-control-allow-origin").value_or(""), "*");
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(ServerTest, HandlerExceptionGives500Unknown) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /throw HTTP/1.1\r\nHost: h\r\n\r\nGET /remote HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(errcodeOf(*r), "M_UNKNOWN");
  auto next = c.readResponse();  // the connection survives
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, HeadGetsHeadersOnly) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("HEAD /remote HTTP/1.1\r\nHost: h\r\n\r\nGET /remote HTTP/1.1\r\nHost: h\r\n\r\n"));
  c.expectNoBody();
  auto head = c.readResponse();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->headers.get("content-length").value_or(""), "9");
  auto get = c.readResponse();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "127.0.0.1");
}

TEST_F(ServerTest, AnswersExpectContinueBeforeTheBody) {
  start();
  RawConnection c(port());
  ASSERT_TRUE(c.send("POST /body HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto interim = c.readResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("data"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "data");
}

TEST_F(ServerTest, SlowHeaderTimesOutAndCloses) {
  ServerOptions options;
  options.headerTimeout = 100ms;
  start(options);
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /remote HTTP/1.1\r\nHost:"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterTimeout) {
  ServerOptions options;
  options.headerTimeout = 100ms;
  start(options);
  RawConnection c(port());
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(ServerTest, StopWithOpenConnectionsFinishesPromptly) {
  ServerOptions options;
  options.stopGrace = 200ms;
  start(options);
  RawConnection idle(port());
  RawConnection busy(port());
  RawConnection partial(port());
  ASSERT_TRUE(idle.send("GET /remote HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(idle.readResponse());
  ASSERT_TRUE(busy.send("GET /park HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(partial.send("GET /remote HTTP/1.1\r\n"));
  ASSERT_TRUE(parked_.waitForCount(1));
  auto begin = std::chrono::steady_clock::now();
  server_->stop();
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(idle.waitClosed());
  EXPECT_TRUE(busy.waitClosed());
  EXPECT_TRUE(parked_.waitForCancelled(1));
  EXPECT_EQ(server_->connectionCount(), 0u);
}

TEST_F(ServerTest, StopLetsInFlightRequestFinishWithinGrace) {
  ServerOptions options;
  options.stopGrace = 5s;
  start(options);
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /park HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(parked_.waitForCount(1));
  std::thread stopper([this] { server_->stop(); });
  // The server is stopping; the deferred answer still goes out, with Connection: close.
  auto responders = parked_.take();
  responders.at(0).send(Response::text("finished"));
  auto r = c.readResponse();
  stopper.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "finished");
}

TEST_F(ServerTest, ReportsBindFailure) {
  start();
  ServerOptions options;
  options.port = port();
  Server second(options, [](Request, Responder r) { r.send(Response::text("")); });
  auto status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace plexus::http
