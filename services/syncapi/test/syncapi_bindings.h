// Test support for the SyncApi contract suite: one in-process SyncService on SQLite with an
// in-process bus and the fixture's fake device keys, and (when built with gRPC) the same
// service behind a real gRPC server on 127.0.0.1 (port 0) reached through GrpcSyncClient.
// Both bindings share the service, so a test feeds rooms through service() and can compare the
// two bindings' answers call for call.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "plexus/bus/in_process_bus.h"
#include "plexus/storage/testing/test_database.h"
#include "service_fixture.h"
#include "syncapi/impl/sync_service.h"

#if PLEXUS_HAVE_GRPC
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "plexus/grpcutil/channel.h"
#include "syncapi/grpc/grpc_sync_client.h"
#include "syncapi/grpc/grpc_sync_service.h"
#endif

namespace plexus::syncapi::testing {

inline constexpr std::int64_t kContractNowMs = 1700000100000;

class SyncBindings {
 public:
  // Builds and starts the in-process service; ASSERTs inside, so check HasFatalFailure() after.
  void setUp() {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    db_ = std::move(*made);
    SyncServiceOptions options;
    options.serverName = "test";
    options.clock = [] { return kContractNowMs; };
    auto service = SyncService::create(db_->db(), bus_, &keys_, options);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
    ASSERT_TRUE(service_->start().ok());
  }

#if PLEXUS_HAVE_GRPC
  // Starts the gRPC server and client in front of the service (or of `target`, which must
  // outlive tearDown(), e.g. a wrapper around service()). `maxServerThreads` > 0 caps the
  // synchronous server's threads (a waiting QuerySync must not need one).
  void startGrpc(SyncApi* target = nullptr, int maxServerThreads = 0) {
    adapter_ = std::make_unique<GrpcSyncService>(target ? *target : *service_);
    grpc::ServerBuilder builder;
    grpcutil::configureServerBuilder(builder);
    if (maxServerThreads > 0) {
      grpc::ResourceQuota quota("syncapi-contract");
      quota.SetMaxThreads(maxServerThreads);
      builder.SetResourceQuota(quota);
    }
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(adapter_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    target_ = "127.0.0.1:" + std::to_string(port);
    client_ = std::make_unique<GrpcSyncClient>(grpcutil::makeInsecureChannel(target_));
  }
  GrpcSyncClient& grpcClient() { return *client_; }
  // The server's address ("127.0.0.1:port"), for tests that make raw calls.
  const std::string& grpcTarget() const { return target_; }

  // Stops the gRPC server: calls still running after `grace` are cancelled.
  void shutdownServer(std::chrono::milliseconds grace = std::chrono::seconds(2)) {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + grace);
      server_->Wait();
    }
    server_.reset();
  }
#endif

  void tearDown() {
#if PLEXUS_HAVE_GRPC
    client_.reset();
    shutdownServer();
    adapter_.reset();
#endif
    if (service_) service_->stop();
    service_.reset();
    db_.reset();
  }

  SyncService& service() { return *service_; }
  SyncApi& inProcess() { return *service_; }

  // Feeds one roomserver output to the service.
  void feed(const roomserver::OutputRoomEvent& e) {
    auto s = service_->inputRoomEvent(e);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

 private:
  std::unique_ptr<storage::testing::TestDatabase> db_;
  bus::InProcessBus bus_;
  FakeKeys keys_;
  std::unique_ptr<SyncService> service_;
#if PLEXUS_HAVE_GRPC
  std::unique_ptr<GrpcSyncService> adapter_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcSyncClient> client_;
  std::string target_;
#endif
};

}  // namespace plexus::syncapi::testing
