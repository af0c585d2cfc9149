// HttpsFederationTransport against an in-process TLS server on 127.0.0.1 with a test CA, a
// static DNS resolver and a fake .well-known fetcher standing in for the network: signed round
// trips, discovery, connection reuse and reconnects, limits and certificate checks.
#include "plexus/federation_https/https_federation_transport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "plexus/federation/federation_requester.h"
#include "plexus/federation/x_matrix.h"
#include "plexus/http/router.h"
#include "plexus/http/server.h"
#include "plexus/http/testing/test_certificates.h"
#include "plexus/json/parse.h"

namespace plexus::federation_https {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class FakeWellKnown : public federation::WellKnownFetcher {
 public:
  federation::WellKnownResponse fetch(const std::string& hostname) override {
    ++calls;
    std::lock_guard lock(mutex);
    auto it = answers.find(hostname);
    return it == answers.end() ? federation::WellKnownResponse{} : it->second;
  }
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::map<std::string, federation::WellKnownResponse> answers;
};

class HttpsFederationTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus-fedhttps-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto ca = http::testing::TestCertificateAuthority::create(dir_);
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    ca_ = std::make_unique<http::testing::TestCertificateAuthority>(std::move(*ca));
    http::testing::CertificateSpec spec;
    spec.names = {"remote.test", "multi.test", "target.test", "peer.test"};
    auto cert = ca_->issue("remote", spec);
    ASSERT_TRUE(cert.ok()) << cert.error().message;
    cert_ = *cert;
    dns_.addAddress("remote.test", *federation::IpAddress::parse("127.0.0.1"));
    dns_.addAddress("other.test", *federation::IpAddress::parse("127.0.0.1"));
    dns_.addAddress("target.test", *federation::IpAddress::parse("127.0.0.1"));
    // Nothing listens on 127.0.0.2: the first address is refused, the second answers.
    dns_.addAddress("multi.test", *federation::IpAddress::parse("127.0.0.2"));
    dns_.addAddress("multi.test", *federation::IpAddress::parse("127.0.0.1"));
  }

  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void startServer(milliseconds idleTimeout = milliseconds(30'000)) {
    http::Router router;
    router.addSync("PUT", "/_matrix/federation/v1/send/{txn}", [this](const http::Request& r) {
      record(r);
      auto auth = federation::parseXMatrix(r.headers.get("Authorization").value_or(""));
      auto body = json::parse(r.body);
      if (!auth || !body) return http::Response::text("bad request", 400);
      auto verified = federation::verifyXMatrix(*auth, serverName(), r.method, r.target, &*body,
                                                key_.publicKey());
      if (!verified) return http::Response::matrixError(verified.error());
      return http::Response::json(json::Object{{"pdus", json::Object{}}});
    });
    router.addSync("GET", "/echo", [this](const http::Request& r) {
      record(r);
      return http::Response::json(json::Object{{"ok", true}});
    });
    router.addSync("GET", "/slow", [](const http::Request&) {
      std::this_thread::sleep_for(milliseconds(1000));
      return http::Response::json(json::Object{});
    });
    router.addSync("GET", "/big", [](const http::Request&) {
      return http::Response::text(std::string(100'000, 'x'));
    });
    http::ServerOptions options;
    options.tls = http::ServerTlsOptions{cert_.chain.string(), cert_.key.string()};
    options.headerTimeout = idleTimeout;
    options.ioThreads = 4;
    server_ = std::make_unique<http::Server>(options, std::move(router).toHandler());
    ASSERT_TRUE(server_->start().ok());
  }

  void record(const http::Request& r) {
    std::lock_guard lock(mutex_);
    lastHost_ = std::string(r.headers.get("Host").value_or(""));
    ports_.insert(r.remotePort);
  }
  std::string lastHost() {
    std::lock_guard lock(mutex_);
    return lastHost_;
  }
  std::size_t connectionsSeen() {
    std::lock_guard lock(mutex_);
    return ports_.size();
  }

  std::string port() const { return std::to_string(server_->port()); }
  std::string serverName() const { return "remote.test:" + port(); }

  HttpsFederationTransportOptions trusting() const {
    HttpsFederationTransportOptions options;
    options.tls.caFile = ca_->caFile().string();
    options.connectTimeout = milliseconds(3000);
    return options;
  }

  std::unique_ptr<HttpsFederationTransport> transport(HttpsFederationTransportOptions options) {
    return std::make_unique<HttpsFederationTransport>(dns_, wellKnown_, std::move(options));
  }

  static federation::OutboundRequest get(std::string uri, std::int64_t timeoutMs = 3000) {
    federation::OutboundRequest request;
    request.method = "GET";
    request.uri = std::move(uri);
    request.timeoutMs = timeoutMs;
    return request;
  }

  fs::path dir_;
  std::unique_ptr<http::testing::TestCertificateAuthority> ca_;
  http::testing::CertificateFiles cert_;
  std::unique_ptr<http::Server> server_;
  federation::StaticDnsResolver dns_;
  FakeWellKnown wellKnown_;
  crypto::SigningKey key_ = *crypto::SigningKey::fromSeed(std::string(32, 'k'));
  std::mutex mutex_;
  std::string lastHost_;
  std::set<std::uint16_t> ports_;
};

TEST_F(HttpsFederationTransportTest, SignedPutRoundTripIsVerifiedByTheServer) {
  startServer();
  auto https = transport(trusting());
  federation::FederationRequester requester(*https, "origin.test", [this] {
    return federation::RequestSigningKey{"ed25519:k", key_};
  });
  json::Value body = json::Object{{"origin", "origin.test"}, {"pdus", json::Array{}}};
  auto answer = requester.request(serverName(), "PUT", "/_matrix/federation/v1/send/t%3A1", &body);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_TRUE(answer->get("pdus")->isObject());
  EXPECT_EQ(lastHost(), serverName());  // SPEC: the Host header is the server name with port
}

TEST_F(HttpsFederationTransportTest, ReusesOneKeptAliveConnection) {
  startServer();
  auto https = transport(trusting());
  for (int i = 0; i < 20; ++i) {
    auto response = https->send(serverName(), get("/echo"));
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(connectionsSeen(), 1u);
}

TEST_F(HttpsFederationTransportTest, ConcurrentSendersStayWithinThePerDestinationBound) {
  startServer();
  auto options = trusting();
  options.maxConnectionsPerDestination = 2;
  auto https = transport(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        if (!https->send(serverName(), get("/echo", 10'000)).ok()) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(connectionsSeen(), 1u);
  EXPECT_LE(connectionsSeen(), 2u);
}

TEST_F(HttpsFederationTransportTest, ReconnectsWhenTheServerClosedAnIdleConnection) {
  startServer(milliseconds(150));
  auto https = transport(trusting());
  ASSERT_TRUE(https->send(serverName(), get("/echo")).ok());
  for (int i = 0; i < 500 && server_->connectionCount() > 0; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(server_->connectionCount(), 0u) << "the server did not close the idle connection";
  auto again = https->send(serverName(), get("/echo"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(connectionsSeen(), 2u);
}

TEST_F(HttpsFederationTransportTest, GivesUpOnASlowServerAtTheTimeout) {
  startServer();
  auto https = transport(trusting());
  const auto start = std::chrono::steady_clock::now();
  auto response = https->send(serverName(), get("/slow", 200));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(elapsed, milliseconds(900));
  // The pool still works afterwards.
  EXPECT_TRUE(https->send(serverName(), get("/echo")).ok());
}

TEST_F(HttpsFederationTransportTest, RefusesAnAnswerPastTheSizeCap) {
  startServer();
  auto https = transport(trusting());
  auto request = get("/big");
  request.maxResponseBytes = 10'000;
  auto response = https->send(serverName(), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("too large"), std::string::npos)
      << response.error().message;
  request.maxResponseBytes = 200'000;
  EXPECT_TRUE(https->send(serverName(), request).ok());
}

TEST_F(HttpsFederationTransportTest, RefusesAnUntrustedCertificateUnlessInsecure) {
  startServer();
  HttpsFederationTransportOptions systemStore;
  systemStore.connectTimeout = milliseconds(3000);
  auto response = transport(systemStore)->send(serverName(), get("/echo"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("certificate"), std::string::npos)
      << response.error().message;

  HttpsFederationTransportOptions insecure;
  insecure.tls.verifyPeer = false;
  auto accepted = transport(insecure)->send(serverName(), get("/echo"));
  EXPECT_TRUE(accepted.ok()) << accepted.error().message;
}

TEST_F(HttpsFederationTransportTest, RefusesACertificateForAnotherName) {
  startServer();
  auto response = transport(trusting())->send("other.test:" + port(), get("/echo"));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("certificate"), std::string::npos)
      << response.error().message;
}

TEST_F(HttpsFederationTransportTest, FollowsWellKnownDelegation) {
  startServer();
  {
    std::lock_guard lock(wellKnown_.mutex);
    wellKnown_.answers["deleg.test"] = federation::WellKnownResponse{
        true, 200, R"({"m.server":"target.test:)" + port() + R"("})", {}, {}, {}};
  }
  auto https = transport(trusting());
  auto response = https->send("deleg.test", get("/echo"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  // SPEC: after delegation the Host header and certificate name are the delegated server.
  EXPECT_EQ(lastHost(), "target.test:" + port());
  ASSERT_TRUE(https->send("deleg.test", get("/echo")).ok());
  EXPECT_EQ(wellKnown_.calls.load(), 1);
}

TEST_F(HttpsFederationTransportTest, TriesTheNextAddressWhenOneIsRefused) {
  startServer();
  auto https = transport(trusting());
  auto response = https->send("multi.test:" + port(), get("/echo"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(lastHost(), "multi.test:" + port());
}

TEST_F(HttpsFederationTransportTest, OverridesSkipDiscovery) {
  startServer();
  auto options = trusting();
  options.resolveOverrides["peer.test"] = "127.0.0.1:" + port();
  auto https = transport(options);
  auto response = https->send("peer.test", get("/echo"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(lastHost(), "peer.test");
  EXPECT_EQ(wellKnown_.calls.load(), 0);
}

TEST_F(HttpsFederationTransportTest, UnresolvableDestinationFailsFastAndIsRemembered) {
  auto https = transport(trusting());
  const auto start = std::chrono::steady_clock::now();
  auto first = https->send("nowhere.test", get("/echo"));
  auto second = https->send("nowhere.test", get("/echo"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  ASSERT_FALSE(first.ok());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(first.error().message.rfind("nowhere.test: ", 0), 0u) << first.error().message;
  EXPECT_EQ(wellKnown_.calls.load(), 1);
}

TEST_F(HttpsFederationTransportTest, RejectsAnInvalidServerName) {
  auto response = transport(trusting())->send("not a name", get("/echo"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace plexus::federation_https
