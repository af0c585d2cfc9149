// A whole node with its federation listener: the Server-Server key and version routes over TLS
// with a certificate from a throwaway CA (verified by the client), with a self-signed one it
// makes in its data dir when none is configured, and a node without a federation section that
// still starts. Loopback only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "node_test_support.h"
#include "plexus/federation/server_keys.h"
#include "plexus/http/client.h"
#include "plexus/http/testing/test_certificates.h"
#include "plexus/json/parse.h"
#include "plexus/storage/testing/test_database.h"
#include "root/key_rotation.h"
#include "root/node.h"
#include "root/signing_key.h"

namespace plexus::node {
namespace {

namespace fs = std::filesystem;

constexpr const char* kServerName = "fed.test";

class NodeFederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshTestDir("plexus_node_fed_");
    config_ = testing::testNodeConfig(dir_, kServerName);
    identity_ = {kServerName, "ed25519:a_test", crypto::SigningKey::generate()};
  }

  void TearDown() override {
    node_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Issues a certificate for 127.0.0.1 and points the federation section at it.
  void enableTlsFederation() {
    auto ca = http::testing::TestCertificateAuthority::create(dir_ / "ca");
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    ca_ = std::make_unique<http::testing::TestCertificateAuthority>(std::move(*ca));
    auto cert = ca_->issue("federation");
    ASSERT_TRUE(cert.ok()) << cert.error().message;
    config_.federation.listen = "127.0.0.1:0";
    config_.federation.tlsCert = cert->chain.string();
    config_.federation.tlsKey = cert->key.string();
  }

  void startNode() {
    auto started = Node::start(config_, identity_);
    ASSERT_TRUE(started.ok()) << started.error().message;
    node_ = std::move(started).value();
  }

  // A client that verifies the listener's certificate against the test CA.
  std::unique_ptr<http::Client> federationClient() {
    http::ClientOptions options;
    options.tls.caFile = ca_->caFile().string();
    return std::make_unique<http::Client>(http::Scheme::kHttps, "127.0.0.1",
                                          node_->federationPort(), options);
  }

  fs::path dir_;
  config::Config config_;
  events::ServerIdentity identity_;
  std::unique_ptr<http::testing::TestCertificateAuthority> ca_;
  std::unique_ptr<Node> node_;
};

TEST_F(NodeFederationTest, ServesItsSelfSignedKeysOverVerifiedTls) {
  enableTlsFederation();
  startNode();
  ASSERT_NE(node_->federationPort(), 0);
  ASSERT_NE(node_->federationPort(), node_->clientPort());

  auto response = federationClient()->get("/_matrix/key/v2/server");
  ASSERT_TRUE(response.ok()) << response.error().message;
  ASSERT_EQ(response->status, 200) << response->body;
  auto body = json::parseObject(response->body);
  ASSERT_TRUE(body.ok());
  // parseServerKeys checks server_name and that every signature by a listed key verifies.
  auto keys = federation::parseServerKeys(*body, kServerName);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->serverName, kServerName);
  ASSERT_TRUE(keys->verifyKeys.contains(identity_.keyId));
  EXPECT_EQ(keys->verifyKeys.at(identity_.keyId), identity_.signingKey.publicKey());
  EXPECT_GT(keys->validUntilTs, 0);
}

TEST_F(NodeFederationTest, KeepsItsKeysInAPostgresSchema) {
  auto database = storage::testing::TestDatabase::create(storage::Dialect::kPostgres);
  if (!database.ok()) {
    if (storage::testing::postgresRequired()) FAIL() << database.error().message;
    GTEST_SKIP() << database.error().message;
  }
  // The test server's DSN is in keyword form; a later dbname overrides the admin database.
  config_.database.postgresDsn =
      *storage::testing::postgresTestDsn() + " dbname=" + (*database)->location();
  enableTlsFederation();
  startNode();
  auto response = federationClient()->get("/_matrix/key/v2/server");
  ASSERT_TRUE(response.ok()) << response.error().message;
  ASSERT_EQ(response->status, 200) << response->body;
  node_.reset();

  auto rows = (*database)->db().query(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'federationapi'");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  auto tables = rows->front().int64(0);
  ASSERT_TRUE(tables.ok());
  EXPECT_GT(*tables, 0);
}

TEST_F(NodeFederationTest, ServesTheFederationVersion) {
  enableTlsFederation();
  startNode();
  auto response = federationClient()->get("/_matrix/federation/v1/version");
  ASSERT_TRUE(response.ok()) << response.error().message;
  ASSERT_EQ(response->status, 200) << response->body;
  auto body = json::parseObject(response->body);
  ASSERT_TRUE(body.ok());
  const json::Value* server = body->find("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->getStringAt("name"), "Plexus");
}

TEST_F(NodeFederationTest, KeepsPublishingTheSameKeyAfterARestart) {
  enableTlsFederation();
  startNode();
  node_->stop();
  node_.reset();
  startNode();
  auto response = federationClient()->get("/_matrix/key/v2/server");
  ASSERT_TRUE(response.ok()) << response.error().message;
  auto body = json::parseObject(response->body);
  ASSERT_TRUE(body.ok());
  auto keys = federation::parseServerKeys(*body, kServerName);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->verifyKeys.size(), 1u);
  EXPECT_TRUE(keys->verifyKeys.contains(identity_.keyId));
  EXPECT_TRUE(keys->oldVerifyKeys.empty());
}

TEST_F(NodeFederationTest, RotatingTheKeyPublishesTheOldOneAndSignsWithTheNewOne) {
  enableTlsFederation();
  const std::string keyFile = config_.global.effectiveSigningKeyPath();
  {
    std::ofstream out(keyFile, std::ios::binary);
    out << formatSigningKey({identity_.keyId, identity_.signingKey, false});
  }
  startNode();
  EXPECT_EQ(node_->signingKeyId(), identity_.keyId);
  node_->stop();
  node_.reset();

  auto rotated = rotateSigningKey(config_);
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  EXPECT_EQ(rotated->oldKeyId, identity_.keyId);
  ASSERT_NE(rotated->newKeyId, identity_.keyId);
  auto file = loadOrCreateSigningKey(keyFile);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_FALSE(file->created);
  EXPECT_EQ(file->keyId, rotated->newKeyId);

  // Started with the old key (a key file the rotation could not rewrite): the store's current
  // key still wins.
  startNode();
  EXPECT_EQ(node_->signingKeyId(), rotated->newKeyId);
  auto response = federationClient()->get("/_matrix/key/v2/server");
  ASSERT_TRUE(response.ok()) << response.error().message;
  auto body = json::parseObject(response->body);
  ASSERT_TRUE(body.ok());
  auto keys = federation::parseServerKeys(*body, kServerName);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->verifyKeys.size(), 1u);
  ASSERT_TRUE(keys->verifyKeys.contains(rotated->newKeyId));
  EXPECT_EQ(keys->verifyKeys.at(rotated->newKeyId), file->key.publicKey());
  ASSERT_TRUE(keys->oldVerifyKeys.contains(identity_.keyId));
  EXPECT_EQ(keys->oldVerifyKeys.at(identity_.keyId).key, identity_.signingKey.publicKey());
  EXPECT_GT(keys->oldVerifyKeys.at(identity_.keyId).expiredTs, 0);
}

TEST_F(NodeFederationTest, StartsWithoutAFederationSection) {
  startNode();
  EXPECT_EQ(node_->federationPort(), 0);
  EXPECT_FALSE(fs::exists(fs::path(config_.global.dataDir) / "federationapi.db"));
  http::Client client("127.0.0.1", node_->clientPort());
  auto response = client.get("/_matrix/client/versions");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(NodeFederationTest, ServesTlsWithAGeneratedCertificateWhenNoneIsConfigured) {
  config_.federation.listen = "127.0.0.1:0";
  const fs::path certFile = fs::path(config_.global.dataDir) / "federation-tls.crt";
  const fs::path keyFile = fs::path(config_.global.dataDir) / "federation-tls.key";
  auto fetchVersion = [this] {
    http::ClientOptions options;
    options.tls.verifyPeer = false;  // self-signed: no CA vouches for it
    http::Client client(http::Scheme::kHttps, "127.0.0.1", node_->federationPort(), options);
    auto response = client.get("/_matrix/federation/v1/version");
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 200);
  };
  auto readFile = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };

  startNode();
  fetchVersion();
  ASSERT_TRUE(fs::exists(certFile));
  ASSERT_TRUE(fs::exists(keyFile));
  EXPECT_EQ(fs::status(keyFile).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const std::string cert = readFile(certFile);

  // Plain HTTP gets no answer from a TLS listener.
  http::ClientOptions quick;
  quick.requestTimeout = std::chrono::milliseconds(2'000);
  http::Client plain("127.0.0.1", node_->federationPort(), quick);
  auto plainResponse = plain.get("/_matrix/federation/v1/version");
  EXPECT_FALSE(plainResponse.ok() && plainResponse->status == 200);

  node_->stop();
  node_.reset();
  startNode();
  fetchVersion();
  EXPECT_EQ(readFile(certFile), cert);
}

TEST_F(NodeFederationTest, RefusesACertificateWithoutItsKey) {
  enableTlsFederation();
  config_.federation.tlsKey.clear();
  auto started = Node::start(config_, identity_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidParam);
}

}  // namespace
}  // namespace plexus::node
