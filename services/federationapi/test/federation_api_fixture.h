// Shared pieces of the federationapi tests: a database-backed fixture with our keys and the
// remote key cache, a fake "remote server" whose keys tests control, and a KeyFetcher that
// serves them (counting calls) without a network.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "federationapi/impl/own_signing_keys.h"
#include "federationapi/impl/remote_key_cache.h"
#include "federationapi/storage/sql_server_key_store.h"
#include "plexus/federation/server_keys.h"
#include "plexus/http/router.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::federationapi::testing {

inline constexpr std::int64_t kNow = 1'700'000'000'000;
inline constexpr std::int64_t kDay = 24LL * 3600 * 1000;

// A remote server: its current key signs its key response.
struct FakeServer {
  std::string name;
  federation::SigningKeyEntry key{"ed25519:remote1", crypto::SigningKey::generate()};
  std::int64_t validUntilTs = kNow + kDay;

  json::Object keyResponse() const {
    return federation::buildServerKeyResponse(name, std::span(&key, 1), {}, validUntilTs);
  }
};

class FakeKeyFetcher : public federation::KeyFetcher {
 public:
  void add(const FakeServer& server) { servers_[server.name] = server; }

  Result<json::Object> fetchDirect(const federation::ServerName& server) override {
    ++directCalls;
    if (delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    auto it = servers_.find(server.str());
    if (it == servers_.end()) return fail(ErrorCode::kUnavailable, "unreachable");
    return it->second.keyResponse();
  }
  Result<json::Object> fetchViaNotary(const federation::ServerName&, const json::Object&) override {
    return fail(ErrorCode::kUnavailable, "no notaries in tests");
  }

  std::atomic<int> directCalls{0};
  int delayMs = 0;  // a slow server

 private:
  std::map<std::string, FakeServer> servers_;
};

class FederationApiTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto migrated = store_.migrate(db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    ownKeys_ = std::make_unique<OwnSigningKeys>(db(), store_, "us.test", [this] { return now_; });
    ASSERT_TRUE(ownKeys_->load().ok());
    cache_ = std::make_unique<RemoteKeyCache>(db(), store_, fetcher_, RemoteKeyCacheOptions{},
                                              [this] { return now_; });
    ASSERT_TRUE(cache_->load().ok());
    remote_.name = "remote.test";
    fetcher_.add(remote_);
  }

  std::int64_t now_ = kNow;
  SqlServerKeyStore store_;
  FakeKeyFetcher fetcher_;
  FakeServer remote_;
  std::unique_ptr<OwnSigningKeys> ownKeys_;
  std::unique_ptr<RemoteKeyCache> cache_;
};

// Dispatches `request` through `router` and returns the (synchronous) answer.
inline http::Response dispatch(const http::Router& router, http::Request request) {
  http::Response out;
  out.status = 0;
  auto parsed = http::parseTarget(request);
  EXPECT_TRUE(parsed.ok());
  router.dispatch(std::move(request),
                  http::Responder::detached([&out](http::Response r) { out = std::move(r); }));
  return out;
}

inline http::Request makeRequest(std::string method, std::string target, std::string body = {}) {
  http::Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  return request;
}

}  // namespace plexus::federationapi::testing
