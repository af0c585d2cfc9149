// Test support for the FederationSenderApi contract suite: one in-process
// FederationSenderService on SQLite ("ours.test") whose FederationRequester talks to a scripted
// FakeFederationTransport, and (when built with gRPC) the same service behind a real gRPC
// server on 127.0.0.1 (port 0) reached through GrpcFederationSenderClient. Both bindings share
// the service and the transport, so a test scripts the remote answer once and compares what
// each binding makes of it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "federationsender/impl/federation_sender_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/storage/testing/test_database.h"
#include "sender_fixture.h"

#if PLEXUS_HAVE_GRPC
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "federationsender/grpc/grpc_federation_sender_client.h"
#include "federationsender/grpc/grpc_federation_sender_service.h"
#include "plexus/grpcutil/channel.h"
#endif

namespace plexus::federationsender::testing {

class FederationSenderBindings {
 public:
  // Builds the in-process service (queues not started); ASSERTs inside, so check
  // HasFatalFailure() after.
  void setUp() {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    db_ = std::move(*made);
    requester_ = std::make_unique<federation::FederationRequester>(
        transport_, std::string(kOurName), [this] {
          return federation::RequestSigningKey{"ed25519:t1", key_};
        });
    FederationSenderOptions options;
    options.backoffInitialMs = 20;
    options.backoffMaxMs = 200;
    options.workers = 2;
    auto service = FederationSenderService::create(
        db_->db(), bus_, *requester_, std::make_unique<ForwardingRoomServers>(rooms_), options);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
  }
  // Starts the delivery queues (EDUs leave in transactions through the transport).
  void startQueues() {
    auto started = service_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

#if PLEXUS_HAVE_GRPC
  // Starts the gRPC server and client in front of the service (or of `target`, which must
  // outlive tearDown(), e.g. a wrapper around inProcess()).
  void startGrpc(FederationSenderApi* target = nullptr) {
    adapter_ = std::make_unique<GrpcFederationSenderService>(target ? *target : *service_);
    grpc::ServerBuilder builder;
    grpcutil::configureServerBuilder(builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(adapter_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    channel_ = grpcutil::makeInsecureChannel("127.0.0.1:" + std::to_string(port));
    client_ = std::make_unique<GrpcFederationSenderClient>(channel_);
  }
  FederationSenderApi& grpcClient() { return *client_; }
  // The raw channel, for tests that send what GrpcFederationSenderClient never would.
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
    requester_.reset();
    db_.reset();
  }

  FederationSenderApi& inProcess() { return *service_; }
  // The remote servers: script answers, read what the service sent.
  FakeFederationTransport& transport() { return transport_; }

 private:
  crypto::SigningKey key_ = crypto::SigningKey::generate();
  FakeFederationTransport transport_;
  bus::InProcessBus bus_;
  MapRoomServers rooms_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<federation::FederationRequester> requester_;
  std::unique_ptr<FederationSenderService> service_;
#if PLEXUS_HAVE_GRPC
  std::unique_ptr<GrpcFederationSenderService> adapter_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<GrpcFederationSenderClient> client_;
#endif
};

}  // namespace plexus::federationsender::testing
