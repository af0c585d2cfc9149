// The node's observability endpoints (metrics.listen): /healthz, /readyz and /metrics over
// HTTP on 127.0.0.1, with the federation sender's series moving when an EDU is queued for a
// server that cannot be reached, and the client listener's request counters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "node_test_support.h"
#include "plexus/http/client.h"
#include "plexus/json/parse.h"
#include "root/node.h"
#include "root/observability.h"

namespace plexus::node {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kServerName = "metrics.test";

// The value of the series `series` (name plus labels, as rendered) in exposition text.
std::optional<double> seriesValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return std::nullopt;
}

class NodeMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir("plexus_node_metrics_");
    config_ = testing::testNodeConfig(dir_, kServerName);
    config_.clientApi.registrationEnabled = true;
    config_.clientApi.rateLimits.enabled = false;
    config_.metrics.listen = "127.0.0.1:0";
    identity_ = {kServerName, "ed25519:a_test", crypto::SigningKey::generate()};
  }

  void TearDown() override {
    node_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Federation on loopback with a self-signed certificate; remote.test is a closed port.
  void enableFederation() {
    config_.federation.listen = "127.0.0.1:0";
    config_.federation.skipTlsVerify = true;
    config_.federation.resolve = {"remote.test=127.0.0.1:1"};
  }

  void startNode() {
    NodeStartInfo info;
    info.minimalPasswordHashing = true;
    auto started = Node::start(config_, identity_, info);
    ASSERT_TRUE(started.ok()) << started.error().message;
    node_ = std::move(started).value();
    ASSERT_NE(node_->metricsPort(), 0);
  }

  http::ClientResponse get(std::uint16_t port, const std::string& path) {
    http::Client client("127.0.0.1", port);
    auto response = client.get(path);
    EXPECT_TRUE(response.ok()) << path << ": " << response.error().message;
    return response.ok() ? *response : http::ClientResponse{};
  }

  std::string scrape() {
    http::ClientResponse response = get(node_->metricsPort(), "/metrics");
    EXPECT_EQ(response.status, 200);
    return response.body;
  }

  // Scrapes until `series` has `value` (at most 20 s); the last text scraped.
  std::string scrapeUntil(const std::string& series, double value) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int i = 0; i < 2000 && std::chrono::steady_clock::now() < deadline; ++i) {
      text = scrape();
      if (seriesValue(text, series) == value) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a queue we don't own
    }
    return text;
  }

  // Registers `user` over the client API and returns its access token.
  std::string registerUser(const std::string& user) {
    http::Client client("127.0.0.1", node_->clientPort());
    auto response =
        client.send("POST", "/_matrix/client/v3/register",
                    R"({"username":")" + user +
                        R"(","password":"pw-1234567","auth":{"type":"m.login.dummy"}})");
    EXPECT_TRUE(response.ok());
    if (!response.ok()) return {};
    EXPECT_EQ(response->status, 200) << response->body;
    auto body = json::parseObject(response->body);
    EXPECT_TRUE(body.ok());
    const json::Value* token = body.ok() ? body->find("access_token") : nullptr;
    if (!token || !token->getString()) return {};
    return *token->getString();
  }

  fs::path dir_;
  config::Config config_;
  events::ServerIdentity identity_;
  std::unique_ptr<Node> node_;
};

TEST_F(NodeMetricsTest, ServesNoMetricsListenerWithoutMetricsListen) {
  config_.metrics.listen.clear();
  auto started = Node::start(config_, identity_);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ((*started)->metricsPort(), 0);
}

TEST_F(NodeMetricsTest, AnswersHealthAndReadinessOnceStarted) {
  startNode();
  http::ClientResponse health = get(node_->metricsPort(), "/healthz");
  EXPECT_EQ(health.status, 200);
  http::ClientResponse ready = get(node_->metricsPort(), "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(get(node_->metricsPort(), "/nothing").status, 404);
}

TEST_F(NodeMetricsTest, CountsClientRequestsByEndpointMethodAndStatusClass) {
  startNode();
  EXPECT_EQ(get(node_->clientPort(), "/_matrix/client/versions").status, 200);
  EXPECT_EQ(get(node_->clientPort(), "/_matrix/client/versions").status, 200);
  EXPECT_EQ(get(node_->clientPort(), "/_matrix/client/v3/no/such/endpoint").status, 404);

  http::Client client("127.0.0.1", node_->metricsPort());
  auto response = client.get("/metrics");
  ASSERT_TRUE(response.ok()) << response.error().message;
  ASSERT_EQ(response->status, 200);
  ASSERT_TRUE(response->headers.get("Content-Type"));
  EXPECT_EQ(*response->headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response->body;
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_http_requests_total counter\n"));
  EXPECT_EQ(seriesValue(text, R"(plexus_http_requests_total{listener="client",method="GET",)"
                              R"(route="/_matrix/client/versions",status_class="2xx"})"),
            2);
  EXPECT_EQ(seriesValue(text, R"(plexus_http_requests_total{listener="client",method="GET",)"
                              R"(route="unmatched",status_class="4xx"})"),
            1);
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_http_request_duration_seconds histogram\n"));
  EXPECT_EQ(seriesValue(text, R"(plexus_http_request_duration_seconds_count{listener="client",)"
                              R"(route="/_matrix/client/versions"})"),
            2);
}

TEST_F(NodeMetricsTest, ExportsTheFederationSenderQueues) {
  enableFederation();
  startNode();
  std::string text = scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_federation_sender_pending_edus gauge\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_federation_sender_transactions_total counter\n"));
  EXPECT_EQ(seriesValue(text, "plexus_federation_sender_pending_edus"), 0);
  EXPECT_EQ(seriesValue(text, "plexus_federation_sender_destinations"), 0);
  EXPECT_EQ(seriesValue(text, R"(plexus_federation_sender_transactions_total{result="failed"})"),
            0);

  // A to-device message for a user of remote.test becomes an m.direct_to_device EDU queued for
  // that server, which refuses the connection: the EDU stays queued and the attempt fails.
  const std::string token = registerUser("alice");
  ASSERT_FALSE(token.empty());
  http::Client client("127.0.0.1", node_->clientPort());
  http::ClientRequest request;
  request.method = "PUT";
  request.target = "/_matrix/client/v3/sendToDevice/m.test/txn1";
  request.headers.set("Authorization", "Bearer " + token);
  request.headers.set("Content-Type", "application/json");
  request.body = R"({"messages":{"@bob:remote.test":{"DEVICE":{"hello":"world"}}}})";
  auto sent = client.request(request);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_EQ(sent->status, 200) << sent->body;

  text = scrapeUntil(R"(plexus_federation_sender_transactions_total{result="failed"})", 1);
  EXPECT_EQ(seriesValue(text, R"(plexus_federation_sender_transactions_total{result="failed"})"),
            1);
  EXPECT_EQ(seriesValue(text, "plexus_federation_sender_pending_edus"), 1);
  EXPECT_EQ(seriesValue(text, "plexus_federation_sender_destinations"), 1);
  EXPECT_EQ(seriesValue(text, "plexus_federation_sender_destinations_backing_off"), 1);
  EXPECT_EQ(seriesValue(text, R"(plexus_federation_sender_transactions_total{result="sent"})"), 0);
}

TEST_F(NodeMetricsTest, CountsStoredEventsAndMessagesPerGroupCommit) {
  startNode();
  const std::string token = registerUser("carol");
  ASSERT_FALSE(token.empty());
  http::Client client("127.0.0.1", node_->clientPort());
  auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
    http::ClientRequest request;
    request.method = method;
    request.target = target;
    request.headers.set("Authorization", "Bearer " + token);
    request.headers.set("Content-Type", "application/json");
    request.body = body;
    auto r = client.request(request);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::ClientResponse{};
  };
  auto created = call("POST", "/_matrix/client/v3/createRoom", "{}");
  ASSERT_EQ(created.status, 200) << created.body;
  auto room = json::parseObject(created.body);
  ASSERT_TRUE(room.ok());
  const std::string roomId(*room->find("room_id")->getString());
  std::string text = scrape();
  const double storedBefore =
      seriesValue(text, "plexus_roomserver_events_persisted_total").value_or(0);
  EXPECT_GT(storedBefore, 0);  // the room's creation
  for (int i = 0; i < 3; ++i) {
    auto sent = call(
        "PUT", "/_matrix/client/v3/rooms/" + roomId + "/send/m.room.message/t" + std::to_string(i),
        R"({"msgtype":"m.text","body":"hi"})");
    ASSERT_EQ(sent.status, 200) << sent.body;
  }
  text = scrape();
  EXPECT_EQ(seriesValue(text, "plexus_roomserver_events_persisted_total"), storedBefore + 3);
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_roomserver_send_batch_messages histogram\n"));
  // One sender, one message at a time: three commits of one message each.
  EXPECT_EQ(seriesValue(text, "plexus_roomserver_send_batch_messages_count"), 3);
  EXPECT_EQ(seriesValue(text, "plexus_roomserver_send_batch_messages_sum"), 3);
}

TEST(ObservabilityTest, IsNotReadyUntilToldSo) {
  config::Config config = config::Config::defaults();
  config.metrics.listen = "127.0.0.1:0";
  auto observability = Observability::start(config);
  ASSERT_TRUE(observability.ok()) << observability.error().message;
  http::Client client("127.0.0.1", (*observability)->port());
  auto notReady = client.get("/readyz");
  ASSERT_TRUE(notReady.ok()) << notReady.error().message;
  EXPECT_EQ(notReady->status, 503);
  auto health = client.get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  (*observability)->setReady(true);
  auto ready = client.get("/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);
}

TEST(ObservabilityTest, RefusesABadAddress) {
  config::Config config = config::Config::defaults();
  config.metrics.listen = "nowhere";
  auto observability = Observability::start(config);
  ASSERT_FALSE(observability.ok());
  EXPECT_EQ(observability.error().code, ErrorCode::kInvalidParam);
}

}  // namespace
}  // namespace plexus::node

namespace plexus::node {
namespace {

// --loopback-grpc: the client API reaches account-sync through gRPC, which both ends count.
TEST_F(NodeMetricsTest, LoopbackGrpcCallsAreCountedPerMethodOnBothEnds) {
  config_.loopbackGrpc = true;
  startNode();
  ASSERT_FALSE(registerUser("grpcuser").empty());
  const std::string text = scrape();
  const std::string labels =
      R"({code="OK",method="PerformRegister",service="plexus.accountsync.v1.AccountSyncService"})";
  EXPECT_GE(seriesValue(text, "plexus_grpc_server_handled_total" + labels).value_or(0), 1);
  EXPECT_GE(seriesValue(text, "plexus_grpc_client_handled_total" + labels).value_or(0), 1);
  EXPECT_THAT(text, HasSubstr("# TYPE plexus_grpc_server_handling_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("plexus_db_pool_size{service=\"accountsync\"}"));
}

}  // namespace
}  // namespace plexus::node
