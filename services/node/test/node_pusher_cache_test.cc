// The node with --loopback-grpc (the cluster's path in one process): push delivery looks up
// pushers through sync-api's cache in front of account-sync's gRPC client, so a burst of
// notifications costs about one QueryPushers call, and setting a pusher reaches the cache as
// PushersChanged on the bus, so the very next message is pushed (long before the cache's 30 s
// max age).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "node_test_support.h"
#include "plexus/http/client.h"
#include "plexus/http/response.h"
#include "plexus/http/server.h"
#include "plexus/json/parse.h"
#include "root/node.h"

namespace plexus::node {
namespace {

namespace fs = std::filesystem;

constexpr const char* kServerName = "pushcache.test";

// A push gateway on loopback that counts notify requests.
class CountingGateway {
 public:
  CountingGateway() {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<http::Server>(options, [this](http::Request, http::Responder r) {
      received_.fetch_add(1);
      r.send(http::Response::json(json::Object{{"rejected", json::Array{}}}));
    });
    EXPECT_TRUE(server_->start().ok());
  }
  ~CountingGateway() { server_->stop(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/_matrix/push/v1/notify";
  }
  // Waits (bounded) until at least n requests arrived.
  bool waitFor(int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (received_.load() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the push workers
    return received_.load() >= n;
  }

 private:
  std::atomic<int> received_{0};
  std::unique_ptr<http::Server> server_;
};

class NodePusherCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir("plexus_node_pushcache_");
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

  std::optional<json::Object> call(const std::string& token, const std::string& method,
                                   const std::string& target, const std::string& body = "{}") {
    http::Client client("127.0.0.1", node_->clientPort());
    http::ClientRequest request;
    request.method = method;
    request.target = target;
    if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
    request.headers.set("Content-Type", "application/json");
    request.body = body;
    auto response = client.request(request);
    EXPECT_TRUE(response.ok()) << target;
    if (!response.ok()) return std::nullopt;
    EXPECT_EQ(response->status, 200) << target << ": " << response->body;
    auto object = json::parseObject(response->body);
    if (!object.ok()) return std::nullopt;
    return std::move(*object);
  }

  static std::string field(const std::optional<json::Object>& o, const char* key) {
    const json::Value* v = o ? o->find(key) : nullptr;
    return v && v->getString() ? std::string(*v->getString()) : std::string();
  }

  std::string registerUser(const std::string& name) {
    return field(call("", "POST", "/_matrix/client/v3/register",
                      R"({"username":")" + name +
                          R"(","password":"pw-1234567","auth":{"type":"m.login.dummy"}})"),
                 "access_token");
  }

  // QueryPushers calls sync-api made over gRPC so far.
  double accountSyncPusherQueries() {
    return testing::grpcClientCallsOk(node_->metricsPort(), "QueryPushers",
                                      "plexus.accountsync.v1.AccountSyncService");
  }

  fs::path dir_;
  config::Config config_;
  events::ServerIdentity identity_;
  std::unique_ptr<Node> node_;
};

TEST_F(NodePusherCacheTest, SettingAPusherReachesTheCacheAndLookupsAreCached) {
  const std::string alice = registerUser("alice");
  const std::string bob = registerUser("bob");
  ASSERT_FALSE(alice.empty());
  ASSERT_FALSE(bob.empty());
  const std::string room =
      field(call(alice, "POST", "/_matrix/client/v3/createRoom", R"({"preset":"public_chat"})"),
            "room_id");
  ASSERT_FALSE(room.empty());
  std::string path = room;
  path.replace(0, 1, "%21");
  ASSERT_TRUE(call(bob, "POST", "/_matrix/client/v3/join/" + path));
  int txn = 0;
  auto send = [&] {
    return call(alice, "PUT",
                "/_matrix/client/v3/rooms/" + path + "/send/m.room.message/t" +
                    std::to_string(++txn),
                R"({"msgtype":"m.text","body":"hello"})")
        .has_value();
  };

  // Bob has no pusher yet: his (empty) list is looked up once and then cached.
  ASSERT_TRUE(send());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (accountSyncPusherQueries() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GE(accountSyncPusherQueries(), 1);

  CountingGateway gateway;
  ASSERT_TRUE(call(bob, "POST", "/_matrix/client/v3/pushers/set",
                   R"({"pushkey":"pk","kind":"http","app_id":"org.example.app",)"
                   R"("app_display_name":"Example","device_display_name":"Phone","lang":"en",)"
                   R"("data":{"url":")" +
                       gateway.url() + R"("}})"));
  // The next message reaches the gateway: the cached empty list was dropped by the bus (the
  // cache would otherwise keep it for 30 s). Retried a few times, since the invalidation may
  // land just after the first send's lookup.
  bool pushed = false;
  for (int i = 0; i < 10 && !pushed; ++i) {
    ASSERT_TRUE(send());
    pushed = gateway.waitFor(1);
  }
  EXPECT_TRUE(pushed);

  // A burst costs (almost) no further lookups.
  const double before = accountSyncPusherQueries();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(send());
  EXPECT_TRUE(gateway.waitFor(6));
  EXPECT_LE(accountSyncPusherQueries() - before, 1);
}

}  // namespace
}  // namespace plexus::node
