// Test support for the MediaApi contract suite: one in-process MediaService on SQLite in a temp
// media directory, and (when built with gRPC) the same service behind a real gRPC server on
// 127.0.0.1 (port 0) reached through GrpcMediaClient. Both bindings share the service, so a
// test can compare their answers call for call.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "media/impl/media_service.h"
#include "media/test/media_fixture.h"
#include "plexus/storage/testing/test_database.h"

#if PLEXUS_HAVE_GRPC
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "media/grpc/grpc_media_client.h"
#include "media/grpc/grpc_media_service.h"
#include "plexus/grpcutil/channel.h"
#endif

namespace plexus::media::testing {

inline constexpr std::int64_t kContractMaxUploadBytes = 1024 * 1024;
inline constexpr std::int64_t kContractNowMs = 1'000'000;

class MediaBindings {
 public:
  // Builds the in-process service; ASSERTs inside, so check HasFatalFailure() after.
  void setUp() {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    db_ = std::move(*made);
    auto migrated = MediaService::migrate(db_->db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    dir_ = makeTempDir("plexus-media-contract-");
    MediaService::Options o;
    o.maxUploadBytes = kContractMaxUploadBytes;
    o.maxPendingPerUser = 2;
    o.clock = [] { return kContractNowMs; };
    service_ = std::make_unique<MediaService>("example.org", db_->db(), dir_.string(), o);
  }

#if PLEXUS_HAVE_GRPC
  // Starts the gRPC server and client in front of the service (or of `target`, which must
  // outlive tearDown(), e.g. a wrapper around inProcess()).
  void startGrpc(MediaApi* target = nullptr) {
    adapter_ = std::make_unique<GrpcMediaService>(target ? *target : *service_);
    grpc::ServerBuilder builder;
    grpcutil::configureServerBuilder(builder);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(adapter_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    client_ = std::make_unique<GrpcMediaClient>(
        grpcutil::makeInsecureChannel("127.0.0.1:" + std::to_string(port)));
  }
  MediaApi& grpcClient() { return *client_; }
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
    db_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  MediaApi& inProcess() { return *service_; }

 private:
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  std::unique_ptr<MediaService> service_;
#if PLEXUS_HAVE_GRPC
  std::unique_ptr<GrpcMediaService> adapter_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcMediaClient> client_;
#endif
};

}  // namespace plexus::media::testing
