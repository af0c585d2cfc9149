// Test support for the AccountSyncApi contract suite: one in-process AccountSyncService on a
// fresh SQLite database (bus outputs to an Outbox on it, a controllable clock, the cheapest
// password hashing), and (when built with gRPC) the same service behind a real gRPC server on
// 127.0.0.1 (port 0) reached through GrpcAccountSyncClient. Both bindings share the service, so
// a test can compare their answers call for call.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "accountsync/impl/accountsync_service.h"
#include "plexus/bus/outbox.h"
#include "plexus/storage/testing/test_database.h"

#if PLEXUS_HAVE_GRPC
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "accountsync/grpc/grpc_accountsync_client.h"
#include "accountsync/grpc/grpc_accountsync_service.h"
#include "plexus/grpcutil/channel.h"
#endif

namespace plexus::accountsync::testing {

inline constexpr std::int64_t kContractStartMs = 1'700'000'000'000;

class AccountSyncBindings {
 public:
  // Builds the in-process service; ASSERTs inside, so check HasFatalFailure() after.
  void setUp() {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    db_ = std::move(*made);
    auto migrated = AccountSyncService::migrate(db_->db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    auto outbox = bus::Outbox::open(db_->db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    AccountSyncOptions options = AccountSyncOptions::forTests();
    options.clock = [this] { return clockMs_.load(); };
    options.exclusiveLocalpartPrefixes = {"_bridge_"};
    service_ = std::make_unique<AccountSyncService>("example.org", db_->db(), *outbox_, options);
  }

#if PLEXUS_HAVE_GRPC
  // Starts the gRPC server and client in front of the service (or of `target`, which must
  // outlive tearDown(), e.g. a wrapper around inProcess()).
  void startGrpc(AccountSyncApi* target = nullptr) {
    adapter_ = std::make_unique<GrpcAccountSyncService>(target ? *target : *service_);
    grpc::ServerBuilder builder;
    grpcutil::configureServerBuilder(builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(adapter_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    target_ = "127.0.0.1:" + std::to_string(port);
    client_ = std::make_unique<GrpcAccountSyncClient>(grpcutil::makeInsecureChannel(target_));
  }
  AccountSyncApi& grpcClient() { return *client_; }
  // "127.0.0.1:port" of the running server (for raw stubs).
  const std::string& grpcTarget() const { return target_; }
#endif

  void tearDown() {
#if PLEXUS_HAVE_GRPC
    client_.reset();
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

  AccountSyncApi& inProcess() { return *service_; }
  // The service's clock (ms since the epoch); tests move it forward to expire tokens.
  std::atomic<std::int64_t>& clockMs() { return clockMs_; }

 private:
  std::atomic<std::int64_t> clockMs_{kContractStartMs};
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<bus::Outbox> outbox_;
  std::unique_ptr<AccountSyncService> service_;
#if PLEXUS_HAVE_GRPC
  std::unique_ptr<GrpcAccountSyncService> adapter_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcAccountSyncClient> client_;
  std::string target_;
#endif
};

}  // namespace plexus::accountsync::testing
