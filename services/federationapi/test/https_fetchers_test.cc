// HttpsKeyFetcher and HttpsWellKnownFetcher against in-process TLS servers on 127.0.0.1, with a
// test CA and a static DNS resolver standing in for the real network.
#include "federationapi/impl/https_fetchers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "federation_api_fixture.h"
#include "plexus/http/server.h"
#include "plexus/http/testing/test_certificates.h"
#include "plexus/json/canonical.h"

namespace plexus::federationapi {
namespace {

namespace fs = std::filesystem;

class HttpsFetchersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus-fedapi-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto ca = http::testing::TestCertificateAuthority::create(dir_);
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    ca_ = std::make_unique<http::testing::TestCertificateAuthority>(std::move(*ca));
    http::testing::CertificateSpec spec;
    spec.names = {"remote.test", "deleg.test", "loop.test", "redir.test"};
    auto cert = ca_->issue("remote", spec);
    ASSERT_TRUE(cert.ok()) << cert.error().message;
    remote_.name = "remote.test";  // renamed with the port below

    http::Router router;
    router.addSync("GET", "/_matrix/key/v2/server", [this](const http::Request& request) {
      std::lock_guard lock(mutex_);
      lastHost_ = std::string(request.headers.get("Host").value_or(""));
      return http::Response::json(remote_.keyResponse());
    });
    router.addSync("POST", "/_matrix/key/v2/query", [this](const http::Request& request) {
      std::lock_guard lock(mutex_);
      lastBody_ = request.body;
      return http::Response::json(json::Object{{"server_keys", json::Array{}}});
    });
    // The answer depends on the Host: "loop.test" redirects to itself, "redir.test" to
    // deleg.test, the rest delegate to the remote server.
    router.addSync("GET", "/.well-known/matrix/server", [this](const http::Request& request) {
      auto host = request.headers.get("Host").value_or("");
      host = host.substr(0, host.find(':'));
      if (host == "loop.test" || host == "redir.test") {
        http::Response response = http::Response::text("", 302);
        response.headers.set("Location", host == "loop.test"
                                             ? "/.well-known/matrix/server"
                                             : "https://deleg.test/.well-known/matrix/server");
        return response;
      }
      return http::Response::json(json::Object{{"m.server", remote_.name}});
    });
    http::ServerOptions options;
    options.tls = http::ServerTlsOptions{cert->chain.string(), cert->key.string()};
    server_ = std::make_unique<http::Server>(options, std::move(router).toHandler());
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->port();
    remote_.name = "remote.test:" + std::to_string(port_);
    dns_.addAddress("remote.test", *federation::IpAddress::parse("127.0.0.1"));
  }

  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  FederationHttpOptions trustingOptions() {
    FederationHttpOptions options;
    options.tls.caFile = ca_->caFile().string();
    options.connectTimeout = std::chrono::milliseconds(3000);
    options.requestTimeout = std::chrono::milliseconds(3000);
    return options;
  }

  Result<json::Object> fetchWith(FederationHttpOptions options, std::string serverName) {
    HttpsWellKnownFetcher wellKnown(options);
    federation::WellKnownCache cache([] { return testing::kNow; });
    federation::ServerResolver resolver(dns_, wellKnown, cache);
    HttpsKeyFetcher fetcher(resolver, options);
    return fetcher.fetchDirect(*federation::ServerName::parse(serverName));
  }

  fs::path dir_;
  std::unique_ptr<http::testing::TestCertificateAuthority> ca_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  federation::StaticDnsResolver dns_;
  testing::FakeServer remote_;
  std::mutex mutex_;
  std::string lastHost_;
  std::string lastBody_;
};

TEST_F(HttpsFetchersTest, FetchesKeysOverVerifiedTlsWithTheResolvedHostHeader) {
  auto body = fetchWith(trustingOptions(), remote_.name);
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto keys = federation::parseServerKeys(*body, remote_.name);
  EXPECT_TRUE(keys.ok()) << keys.error().message;
  std::lock_guard lock(mutex_);
  EXPECT_EQ(lastHost_, remote_.name);
}

TEST_F(HttpsFetchersTest, RejectsCertificateFromAnUntrustedCaByDefault) {
  FederationHttpOptions options;  // system store only
  options.connectTimeout = std::chrono::milliseconds(3000);
  auto body = fetchWith(options, remote_.name);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(body.error().message.find("certificate"), std::string::npos) << body.error().message;
}

TEST_F(HttpsFetchersTest, AcceptsSelfSignedPeersWhenVerificationIsOff) {
  FederationHttpOptions options;
  options.tls.verifyPeer = false;
  EXPECT_TRUE(fetchWith(options, remote_.name).ok());
}

TEST_F(HttpsFetchersTest, RejectsCertificateForAnotherName) {
  dns_.addAddress("other.test", *federation::IpAddress::parse("127.0.0.1"));
  auto body = fetchWith(trustingOptions(), "other.test:" + std::to_string(port_));
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message.find("certificate"), std::string::npos) << body.error().message;
}

TEST_F(HttpsFetchersTest, FollowsWellKnownDelegation) {
  auto options = trustingOptions();
  options.resolveOverrides["deleg.test"] = "127.0.0.1:" + std::to_string(port_);
  auto body = fetchWith(options, "deleg.test");
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_TRUE(federation::parseServerKeys(*body, remote_.name).ok());
  std::lock_guard lock(mutex_);
  EXPECT_EQ(lastHost_, remote_.name);
}

TEST_F(HttpsFetchersTest, WellKnownReportsTheAnswerAndUnreachableHosts) {
  auto options = trustingOptions();
  options.resolveOverrides["deleg.test"] = "127.0.0.1:" + std::to_string(port_);
  HttpsWellKnownFetcher fetcher(options);
  auto response = fetcher.fetch("deleg.test");
  ASSERT_TRUE(response.reached);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(federation::parseWellKnown(response)->str(), remote_.name);

  options.resolveOverrides["nowhere.test"] = "127.0.0.1:1";
  EXPECT_FALSE(HttpsWellKnownFetcher(options).fetch("nowhere.test").reached);
}

TEST_F(HttpsFetchersTest, OversizedResponsesAreRefused) {
  auto options = trustingOptions();
  options.maxResponseBytes = 256;
  auto body = fetchWith(options, remote_.name);
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message.find("large"), std::string::npos) << body.error().message;
}

TEST_F(HttpsFetchersTest, WellKnownFollowsRedirectsButNotLoops) {
  auto options = trustingOptions();
  std::string address = "127.0.0.1:" + std::to_string(port_);
  for (std::string host : {"deleg.test", "loop.test", "redir.test"})
    options.resolveOverrides[host] = address;
  HttpsWellKnownFetcher fetcher(options);
  EXPECT_EQ(fetcher.fetch("loop.test").status, 0);
  auto redirected = fetcher.fetch("redir.test");
  ASSERT_TRUE(redirected.reached);
  EXPECT_EQ(federation::parseWellKnown(redirected)->str(), remote_.name);
  EXPECT_FALSE(fetcher.fetch("loop.test").reached);
}

TEST_F(HttpsFetchersTest, NotaryQueryIsPostedAsJson) {
  auto options = trustingOptions();
  HttpsWellKnownFetcher wellKnown(options);
  federation::WellKnownCache cache([] { return testing::kNow; });
  federation::ServerResolver resolver(dns_, wellKnown, cache);
  HttpsKeyFetcher fetcher(resolver, options);
  federation::KeyQuery query{"x.test", {}, std::nullopt};
  auto request = federation::buildKeyQueryRequest(std::span(&query, 1));
  auto body = fetcher.fetchViaNotary(*federation::ServerName::parse(remote_.name), request);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_TRUE(body->contains("server_keys"));
  std::lock_guard lock(mutex_);
  EXPECT_EQ(lastBody_, json::canonical(request));
}

}  // namespace
}  // namespace plexus::federationapi
