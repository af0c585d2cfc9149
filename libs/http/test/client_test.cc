// Client against the Server: requests with bodies, connection reuse, timeouts, unreachable hosts.
#include "plexus/http/client.h"

#include <gtest/gtest.h>

#include <set>

#include "plexus/http/router.h"
#include "plexus/http/server.h"
#include "test_support.h"

namespace plexus::http {
namespace {

using namespace std::chrono_literals;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.addSync("PUT", "/echo/{id}", [](const Request& r) {
      Response res = Response::text(std::string(r.param("id")) + ":" + r.body);
      res.headers.set("X-Content-Type-Seen", r.headers.get("content-type").value_or(""));
      return res;
    });
    router.addSync("GET", "/conn", [this](const Request& r) {
      connections_.insert(r.remotePort);
      return Response::text("ok");
    });
    router.add("GET", "/never", [this](Request request, Responder responder) {
      parked_.park(std::move(request), std::move(responder));
    });
    server_ = std::make_unique<Server>(ServerOptions{}, std::move(router).toHandler());
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(); }

  std::set<std::uint16_t> connections_;  // touched on io threads only while the client waits
  testing::ParkedRequests parked_;
  std::unique_ptr<Server> server_;  // declared last: destroyed before what its handlers use
};

TEST_F(ClientTest, SendsBodyAndReadsResponse) {
  Client client("127.0.0.1", server_->port());
  auto r = client.send("PUT", "/echo/t1", R"({"a":1})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"(t1:{"a":1})");
  EXPECT_EQ(r->headers.get("x-content-type-seen").value_or(""), "application/json");
}

TEST_F(ClientTest, ReusesTheKeptAliveConnection) {
  Client client("127.0.0.1", server_->port());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.get("/conn").ok());
  EXPECT_EQ(connections_.size(), 1u);
}

TEST_F(ClientTest, ReportsNotFoundAsAResponseNotAnError) {
  Client client("127.0.0.1", server_->port());
  auto r = client.get("/missing");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST_F(ClientTest, TimesOutOnAnUnansweredRequest) {
  ClientOptions options;
  options.requestTimeout = 100ms;
  Client client("127.0.0.1", server_->port(), options);
  auto r = client.get("/never");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  // A fresh exchange still works after the timeout.
  auto next = client.get("/conn");
  ASSERT_TRUE(next.ok()) << next.error().message;
}

TEST(ClientUnreachableTest, ReportsConnectionRefused) {
  std::uint16_t freePort;
  {
    Server probe(ServerOptions{}, [](Request, Responder r) { r.send(Response::text("")); });
    ASSERT_TRUE(probe.start().ok());
    freePort = probe.port();
  }
  Client client("127.0.0.1", freePort);
  auto r = client.get("/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace plexus::http
