// Test support for the KeyserverApi contract suite: one in-process KeyserverService on SQLite
// (server name example.org, a scripted federation sender for remote users), and (when built
// with gRPC) the same service behind a real gRPC server on 127.0.0.1 (port 0) reached through
// GrpcKeyserverClient. Both bindings share the service, so a test can compare their answers
// call for call. Also the signed-key builders the suite needs.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "fake_federation_sender.h"
#include "keyserver/impl/keyserver_service.h"
#include "plexus/bus/outbox.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/storage/testing/test_database.h"

#if PLEXUS_HAVE_GRPC
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "keyserver/grpc/grpc_keyserver_client.h"
#include "keyserver/grpc/grpc_keyserver_service.h"
#include "plexus/grpcutil/channel.h"
#endif

namespace plexus::keyserver::testing {

inline constexpr std::string_view kContractServer = "example.org";

class KeyserverBindings {
 public:
  // Builds the in-process service; ASSERTs inside, so check HasFatalFailure() after.
  void setUp() {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    db_ = std::move(*made);
    auto outbox = bus::Outbox::open(db_->db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    KeyserverService::Options o;
    o.serverName = std::string(kContractServer);
    o.federation = &federation_;
    o.remoteQueryTimeout = std::chrono::milliseconds(2000);
    service_ = std::make_unique<KeyserverService>(db_->db(), *outbox_, o);
    auto migrated = service_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }

#if PLEXUS_HAVE_GRPC
  // Starts the gRPC server and client in front of the service (or of `target`, which must
  // outlive tearDown(), e.g. a wrapper around inProcess()).
  void startGrpc(KeyserverApi* target = nullptr) {
    adapter_ = std::make_unique<GrpcKeyserverService>(target ? *target : *service_);
    grpc::ServerBuilder builder;
    grpcutil::configureServerBuilder(builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(adapter_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    channel_ = grpcutil::makeInsecureChannel("127.0.0.1:" + std::to_string(port));
    client_ = std::make_unique<GrpcKeyserverClient>(channel_);
  }
  KeyserverApi& grpcClient() { return *client_; }
  // The raw channel, for tests that send what GrpcKeyserverClient never would.
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
#endif

  void tearDown() {
#if PLEXUS_HAVE_GRPC
    client_.reset();
    channel_.reset();
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      server_->Wait();
    }
    server_.reset();
    adapter_.reset();
#endif
    service_.reset();
    outbox_.reset();
    db_.reset();
  }

  KeyserverApi& inProcess() { return *service_; }
  // Remote servers as the service sees them: /user/devices, /user/keys/query and
  // /user/keys/claim answers per user or destination (others are unreachable).
  FakeFederationSender& federation() { return federation_; }

 private:
  FakeFederationSender federation_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<bus::Outbox> outbox_;
  std::unique_ptr<KeyserverService> service_;
#if PLEXUS_HAVE_GRPC
  std::unique_ptr<GrpcKeyserverService> adapter_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<GrpcKeyserverClient> client_;
#endif
};

// DeviceKeys for (user, device), signed by the device's ed25519 key.
inline json::Object signedDeviceKeys(const std::string& user, const std::string& device,
                                     const crypto::SigningKey& key) {
  json::Object keys{
      {"algorithms", json::Array{"m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"}},
      {"device_id", device},
      {"keys", json::Object{{"curve25519:" + device, "curve-" + device},
                            {"ed25519:" + device, key.publicKey().toBase64()}}},
      {"user_id", user}};
  crypto::signJson(keys, user, "ed25519:" + device, key);
  return keys;
}

// A CrossSigningKey of `user` with `usage`, optionally signed by `signer`.
inline json::Object signedCrossSigningKey(const std::string& user, const std::string& usage,
                                          const crypto::SigningKey& key,
                                          const crypto::SigningKey* signer = nullptr) {
  std::string pub = key.publicKey().toBase64();
  json::Object object{{"keys", json::Object{{"ed25519:" + pub, pub}}},
                      {"usage", json::Array{usage}},
                      {"user_id", user}};
  if (signer) crypto::signJson(object, user, "ed25519:" + signer->publicKey().toBase64(), *signer);
  return object;
}

}  // namespace plexus::keyserver::testing
