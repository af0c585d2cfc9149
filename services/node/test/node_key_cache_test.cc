// The node with --loopback-grpc (the cluster's path in one process): sync-api answers /sync's
// one-time-key counts from its cache in front of the keyserver's gRPC client, and a claim
// reaches it as OneTimeKeysChanged on the bus, so the next /sync shows the new count long
// before the cache's 30 s max age.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "node_test_support.h"
#include "plexus/http/client.h"
#include "plexus/json/parse.h"
#include "root/node.h"

namespace plexus::node {
namespace {

namespace fs = std::filesystem;

constexpr const char* kServerName = "keycache.test";

class NodeKeyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir("plexus_node_keycache_");
    config_ = testing::testNodeConfig(dir_, kServerName);
    config_.clientApi.registrationEnabled = true;
    config_.clientApi.rateLimits.enabled = false;
    config_.metrics.listen = "127.0.0.1:0";
    config_.loopbackGrpc = true;
    identity_ = {kServerName, "ed25519:a_test", crypto::SigningKey::generate()};
    NodeStartInfo info;
    info.minimalPasswordHashing = true;
    auto started = Node::start(config_, identity_, info);
    ASSERT_TRUE(started.ok()) << started.error().message;
    node_ = std::move(started).value();
  }

  void TearDown() override {
    node_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::optional<json::Object> call(const std::string& method, const std::string& target,
                                   const std::string& body = {}) {
    http::Client client("127.0.0.1", node_->clientPort());
    http::ClientRequest request;
    request.method = method;
    request.target = target;
    if (!token_.empty()) request.headers.set("Authorization", "Bearer " + token_);
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    request.body = body;
    auto response = client.request(request);
    EXPECT_TRUE(response.ok()) << target;
    if (!response.ok()) return std::nullopt;
    EXPECT_EQ(response->status, 200) << target << ": " << response->body;
    auto object = json::parseObject(response->body);
    if (!object.ok()) return std::nullopt;
    return std::move(*object);
  }

  // /sync's device_one_time_keys_count.signed_curve25519 (-1 when absent).
  std::int64_t syncedCount() {
    auto sync = call("GET", "/_matrix/client/v3/sync?timeout=0");
    if (!sync) return -1;
    const json::Value* counts = sync->find("device_one_time_keys_count");
    if (!counts || !counts->getObject()) return -1;
    const json::Value* n = counts->get("signed_curve25519");
    return n && n->getInt() ? *n->getInt() : 0;
  }

  // QueryOneTimeKeyCounts calls sync-api made over gRPC so far.
  double keyserverCountQueries() {
    return testing::grpcClientCallsOk(node_->metricsPort(), "QueryOneTimeKeyCounts",
                                      "plexus.keyserver.v1.KeyserverService");
  }

  fs::path dir_;
  config::Config config_;
  events::ServerIdentity identity_;
  std::unique_ptr<Node> node_;
  std::string token_;
};

TEST_F(NodeKeyCacheTest, SyncCountsComeFromTheCacheAndAClaimRefreshesThem) {
  auto registered =
      call("POST", "/_matrix/client/v3/register",
           R"({"username":"alice","password":"pw-1234567","auth":{"type":"m.login.dummy"}})");
  ASSERT_TRUE(registered);
  auto text = [&](const char* key) {
    const json::Value* v = registered->find(key);
    return v && v->getString() ? std::string(*v->getString()) : std::string();
  };
  token_ = text("access_token");
  const std::string device = text("device_id");
  ASSERT_FALSE(token_.empty());
  ASSERT_TRUE(
      call("POST", "/_matrix/client/v3/keys/upload",
           R"({"one_time_keys":{"signed_curve25519:AAAA":{"key":"a"},)"
           R"("signed_curve25519:BBBB":{"key":"b"},"signed_curve25519:CCCC":{"key":"c"}}})"));

  // The upload's own message may drop the first cached answer once; after that, hits.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(syncedCount(), 3);
  const double queries = keyserverCountQueries();
  EXPECT_GE(queries, 1);
  EXPECT_LE(queries, 2);

  ASSERT_TRUE(call(
      "POST", "/_matrix/client/v3/keys/claim",
      R"({"one_time_keys":{"@alice:keycache.test":{")" + device + R"(":"signed_curve25519"}}})"));
  // Fresh within moments (the bus), not after the 30 s max age.
  std::int64_t count = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    count = syncedCount();
    if (count == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the bus delivery thread
  }
  EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace plexus::node
