// A key-named node (`plexus node --p2p`, root/node_identity.h): its server name is the hex of
// the node key it makes once in its data dir, it publishes that key under ed25519:p2p, its users
// are @name:<hex>, and a restart keeps the name. Also: the configured cases that must fail, and
// a key-named node never rotating or signing with another key. Loopback only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "node_test_support.h"
#include "plexus/federation/server_keys.h"
#include "plexus/federation/server_name.h"
#include "plexus/http/client.h"
#include "plexus/json/parse.h"
#include "root/key_rotation.h"
#include "root/node.h"
#include "root/node_identity.h"
#include "root/signing_key.h"

namespace plexus::node {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class NodeP2pIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir("plexus_node_p2p_");
    // As `plexus node --p2p` leaves it: p2p on, no server name of its own.
    config_ = testing::testNodeConfig(dir_, config::GlobalConfig::defaults().serverName);
    config_.p2p.enabled = true;
    // The overlay on loopback, a free port, no beacons onto the host's network.
    config_.p2p.overlayListen = "127.0.0.1:0";
    config_.p2p.multicast = false;
    config_.clientApi.registrationEnabled = true;
    config_.clientApi.rateLimits.enabled = false;
  }

  void TearDown() override {
    node_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // What runNode does: the identity from the data dir, then the node.
  void startNode() {
    config::Config config = config_;
    auto identity = loadNodeIdentity(config);
    ASSERT_TRUE(identity.ok()) << identity.error().message;
    serverName_ = config.global.serverName;
    NodeStartInfo info;
    info.minimalPasswordHashing = true;
    auto started = Node::start(config, identity->identity, info);
    ASSERT_TRUE(started.ok()) << started.error().message;
    node_ = std::move(started).value();
  }

  void restartNode() {
    node_->stop();
    node_.reset();
    startNode();
  }

  // The key in the node key file, as a fresh reader sees it.
  crypto::PublicKey keyFileKey() {
    auto file = parseSigningKey(readFile(nodeKeyPath(config_)));
    EXPECT_TRUE(file.ok());
    return file.ok() ? file->key.publicKey() : crypto::PublicKey{};
  }

  std::optional<json::Object> call(const std::string& method, const std::string& target,
                                   const std::string& body = {}, const std::string& token = {}) {
    http::Client client("127.0.0.1", node_->clientPort());
    http::ClientRequest request;
    request.method = method;
    request.target = target;
    if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    request.body = body;
    auto response = client.request(request);
    EXPECT_TRUE(response.ok()) << target;
    if (!response.ok()) return std::nullopt;
    EXPECT_EQ(response->status, 200) << target << ": " << response->body;
    if (response->status != 200) return std::nullopt;
    auto object = json::parseObject(response->body);
    if (!object.ok()) return std::nullopt;
    return std::move(*object);
  }

  static std::string text(const std::optional<json::Object>& object, const char* key) {
    if (!object) return {};
    const json::Value* v = object->find(key);
    return v && v->getString() ? std::string(*v->getString()) : std::string();
  }

  // GET /_matrix/key/v2/server over the self-signed TLS listener, validated for serverName_.
  Result<federation::ServerKeys> publishedKeys() {
    http::ClientOptions options;
    options.tls.verifyPeer = false;  // self-signed: no CA vouches for it
    http::Client client(http::Scheme::kHttps, "127.0.0.1", node_->federationPort(), options);
    auto response = client.get("/_matrix/key/v2/server");
    if (!response.ok()) return Unexpected{response.error()};
    if (response->status != 200) return fail(ErrorCode::kUnknown, response->body);
    PLEXUS_TRY(auto body, json::parseObject(response->body));
    return federation::parseServerKeys(body, serverName_);
  }

  fs::path dir_;
  config::Config config_;
  std::string serverName_;
  std::unique_ptr<Node> node_;
};

TEST_F(NodeP2pIdentityTest, NameAndSigningKeyComeFromOneNodeKeyFileMadeOnce) {
  config::Config config = config_;
  auto first = loadNodeIdentity(config);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->keyNamed);
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->keyPath, (fs::path(config_.global.dataDir) / "node.key").string());
  EXPECT_EQ(fs::status(first->keyPath).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const std::string hex = keyFileKey().toHex();
  EXPECT_EQ(config.global.serverName, hex);
  EXPECT_TRUE(federation::isKeyNamedServer(hex));
  EXPECT_EQ(first->identity.serverName, hex);
  EXPECT_EQ(first->identity.keyId, kNodeKeyId);
  EXPECT_EQ(first->identity.signingKey.publicKey().toHex(), hex);
  EXPECT_EQ(readFile(first->keyPath).rfind("ed25519 p2p ", 0), 0u);
  EXPECT_FALSE(fs::exists(config_.global.effectiveSigningKeyPath()));
  EXPECT_TRUE(config.global.verify().empty());  // a 64-character label is a valid name

  config::Config again = config_;
  auto second = loadNodeIdentity(again);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(again.global.serverName, hex);
  EXPECT_EQ(second->identity.signingKey.publicKey(), first->identity.signingKey.publicKey());

  // The hex as configured server_name is the same node (with p2p or without).
  config::Config named = config_;
  named.p2p.enabled = false;
  named.global.serverName = hex;
  auto third = loadNodeIdentity(named);
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_TRUE(third->keyNamed);
  EXPECT_EQ(third->identity.signingKey.publicKey().toHex(), hex);
}

TEST_F(NodeP2pIdentityTest, RefusesAKeyNamedServerNameItHasNoKeyFor) {
  const std::string other = crypto::SigningKey::generate().publicKey().toHex();
  config::Config config = config_;
  config.global.serverName = other;
  auto missing = loadNodeIdentity(config);  // no node key yet: a new one could never match
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidParam);
  EXPECT_FALSE(fs::exists(nodeKeyPath(config_)));

  config::Config fresh = config_;
  ASSERT_TRUE(loadNodeIdentity(fresh).ok());  // makes the key file
  auto mismatch = loadNodeIdentity(config);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, ErrorCode::kInvalidParam);
}

TEST_F(NodeP2pIdentityTest, ADnsNamedServerKeepsItsNameAndSigningKeyFile) {
  config::Config config = config_;
  config.global.serverName = "cloud.test";  // a DNS-named server peering on the overlay
  auto identity = loadNodeIdentity(config);
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_FALSE(identity->keyNamed);
  EXPECT_EQ(config.global.serverName, "cloud.test");
  EXPECT_EQ(identity->keyPath, config.global.effectiveSigningKeyPath());
  EXPECT_NE(identity->identity.keyId, kNodeKeyId);
}

TEST_F(NodeP2pIdentityTest, AKeyNamedNodeCannotRotateItsKey) {
  config::Config config = config_;
  ASSERT_TRUE(loadNodeIdentity(config).ok());
  auto rotated = rotateSigningKey(config_);
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.error().code, ErrorCode::kInvalidParam);
  auto rotatedNamed = rotateSigningKey(config);
  ASSERT_FALSE(rotatedNamed.ok());
}

TEST_F(NodeP2pIdentityTest, RotationRefusesTheDataDirOfAKeyNamedNodeWithoutP2pInTheConfig) {
  config_.federation.listen = "127.0.0.1:0";
  startNode();  // the key store now signs with the node key
  node_->stop();
  node_.reset();
  config::Config plain = config_;
  plain.p2p.enabled = false;  // `plexus rotate-signing-key --data-dir DIR`
  auto rotated = rotateSigningKey(plain);
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.error().code, ErrorCode::kInvalidParam);
  EXPECT_FALSE(fs::exists(plain.global.effectiveSigningKeyPath()));
  startNode();  // still signs with its node key
  EXPECT_EQ(node_->signingKeyId(), kNodeKeyId);
}

TEST_F(NodeP2pIdentityTest, ServesItsKeyAndHostsUsersUnderTheHexNameAcrossRestarts) {
  config_.federation.listen = "127.0.0.1:0";  // self-signed TLS for the hex name
  startNode();
  const crypto::PublicKey key = keyFileKey();
  ASSERT_EQ(serverName_, key.toHex());
  EXPECT_EQ(node_->signingKeyId(), kNodeKeyId);

  auto keys = publishedKeys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->verifyKeys.size(), 1u);
  ASSERT_TRUE(keys->verifyKeys.contains(std::string(kNodeKeyId)));
  EXPECT_EQ(keys->verifyKeys.at(std::string(kNodeKeyId)), key);
  EXPECT_TRUE(keys->oldVerifyKeys.empty());

  auto registered =
      call("POST", "/_matrix/client/v3/register",
           R"({"username":"u","password":"pw-1234567","auth":{"type":"m.login.dummy"}})");
  const std::string userId = "@u:" + serverName_;
  EXPECT_EQ(text(registered, "user_id"), userId);
  const std::string token = text(registered, "access_token");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(text(call("GET", "/_matrix/client/v3/account/whoami", {}, token), "user_id"), userId);

  restartNode();
  EXPECT_EQ(serverName_, key.toHex());
  auto again = publishedKeys();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->verifyKeys.at(std::string(kNodeKeyId)), key);
  EXPECT_EQ(text(call("GET", "/_matrix/client/v3/account/whoami", {}, token), "user_id"), userId);
  auto login = call("POST", "/_matrix/client/v3/login",
                    R"({"type":"m.login.password","identifier":{"type":"m.id.user","user":")" +
                        userId + R"("},"password":"pw-1234567"})");
  EXPECT_EQ(text(login, "user_id"), userId);
  // SPEC: user IDs are at most 255 characters; the 64-digit name leaves 189 for the localpart.
  const std::string longest(255 - 2 - serverName_.size(), 'l');
  EXPECT_EQ(text(call("POST", "/_matrix/client/v3/register",
                      R"({"username":")" + longest +
                          R"(","password":"pw-1234567","auth":{"type":"m.login.dummy"}})"),
                 "user_id"),
            "@" + longest + ":" + serverName_);
  auto byLocalpart =
      call("POST", "/_matrix/client/v3/login",
           R"({"type":"m.login.password","identifier":{"type":"m.id.user","user":"u"},)"
           R"("password":"pw-1234567"})");
  EXPECT_EQ(text(byLocalpart, "user_id"), userId);
}

TEST_F(NodeP2pIdentityTest, RefusesToSignAsAKeyNamedServerWithAnotherKey) {
  config::Config config = config_;
  config.global.serverName = crypto::SigningKey::generate().publicKey().toHex();
  config.federation.listen = "127.0.0.1:0";
  events::ServerIdentity wrong{config.global.serverName, std::string(kNodeKeyId),
                               crypto::SigningKey::generate()};
  auto started = Node::start(config, wrong);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidParam);
}

}  // namespace
}  // namespace plexus::node
