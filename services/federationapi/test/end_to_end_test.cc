// The pieces together over loopback TLS: one server publishes its keys through the key routes,
// another fetches them with HttpsKeyFetcher into its RemoteKeyCache (persisted), then
// authenticates a request the first server signed, and serves those keys as a notary.
#include <gtest/gtest.h>

#include <filesystem>

#include "federation_api_fixture.h"
#include "federationapi/impl/https_fetchers.h"
#include "federationapi/impl/key_routes.h"
#include "federationapi/impl/request_auth.h"
#include "plexus/http/server.h"
#include "plexus/http/testing/test_certificates.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/storage/testing/test_database.h"

namespace plexus::federationapi {
namespace {

namespace fs = std::filesystem;
using testing::kNow;

class EndToEndTest : public testing::FederationApiTest {
 protected:
  void SetUp() override {
    FederationApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = fs::temp_directory_path() / ("plexus-fedapi-e2e-" + std::to_string(::getpid()) + "-" +
                                        std::string(dialectName(dialect())));
    auto ca = http::testing::TestCertificateAuthority::create(dir_);
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    ca_ = std::make_unique<http::testing::TestCertificateAuthority>(std::move(*ca));
    http::testing::CertificateSpec spec;
    spec.names = {"origin.test"};
    auto cert = ca_->issue("origin", spec);
    ASSERT_TRUE(cert.ok());

    // The origin server keeps its keys in a database of its own: on ours it would share the
    // signing key table with "us.test".
    originDb_ = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(originDb_.ok());
    ASSERT_TRUE(originStore_.migrate((*originDb_)->db()).ok());
    http::ServerOptions options;
    options.tls = http::ServerTlsOptions{cert->chain.string(), cert->key.string()};
    // The name is known only after binding; the key response reads it at request time.
    server_ = std::make_unique<http::Server>(options, [this](http::Request r, http::Responder s) {
      router_.dispatch(std::move(r), std::move(s));
    });
    ASSERT_TRUE(server_->start().ok());
    originName_ = "origin.test:" + std::to_string(server_->port());
    originKeys_ = std::make_unique<OwnSigningKeys>((*originDb_)->db(), originStore_, originName_,
                                                   [] { return realNowMs(); });
    ASSERT_TRUE(originKeys_->load().ok());
    originContext_.ownKeys = originKeys_.get();
    originContext_.remoteKeys = cache_.get();  // unused by the origin's own-key routes
    registerKeyRoutes(router_, originContext_);

    dns_.addAddress("origin.test", *federation::IpAddress::parse("127.0.0.1"));
    httpOptions_.tls.caFile = ca_->caFile().string();
    wellKnown_ = std::make_unique<HttpsWellKnownFetcher>(httpOptions_);
    resolver_ = std::make_unique<federation::ServerResolver>(dns_, *wellKnown_, wellKnownCache_);
    httpsFetcher_ = std::make_unique<HttpsKeyFetcher>(*resolver_, httpOptions_);
    now_ = realNowMs();
    httpsCache_ = std::make_unique<RemoteKeyCache>(
        db(), store_, *httpsFetcher_, RemoteKeyCacheOptions{}, [this] { return now_; });
  }

  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    DatabaseTest::TearDown();
  }

  fs::path dir_;
  std::unique_ptr<http::testing::TestCertificateAuthority> ca_;
  Result<std::unique_ptr<storage::testing::TestDatabase>> originDb_ =
      fail(ErrorCode::kInternal, "unset");
  SqlServerKeyStore originStore_;
  std::unique_ptr<OwnSigningKeys> originKeys_;
  KeyRoutesContext originContext_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::string originName_;

  federation::StaticDnsResolver dns_;
  FederationHttpOptions httpOptions_;
  std::unique_ptr<HttpsWellKnownFetcher> wellKnown_;
  federation::WellKnownCache wellKnownCache_;
  std::unique_ptr<federation::ServerResolver> resolver_;
  std::unique_ptr<HttpsKeyFetcher> httpsFetcher_;
  std::unique_ptr<RemoteKeyCache> httpsCache_;
};

TEST_P(EndToEndTest, AuthenticatesARequestWithKeysFetchedOverTls) {
  auto key = originKeys_->signingKey();
  std::string target = "/_matrix/federation/v1/send/txn1";
  json::Value content = json::Object{{"pdus", json::Array{}}};
  auto auth =
      federation::signRequest(originName_, "us.test", key.keyId, key.key, "PUT", target, &content);
  auto request = testing::makeRequest("PUT", target, json::canonical(content));
  request.headers.add("Authorization", federation::formatXMatrix(auth));

  auto result = authenticateRequest(request, "us.test", *httpsCache_);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->auth.origin, originName_);
  auto rows = store_.remoteKeys(db());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].serverName, originName_);
}

TEST_P(EndToEndTest, NotaryRelaysKeysFetchedOverTls) {
  KeyRoutesContext notary;
  notary.ownKeys = ownKeys_.get();
  notary.remoteKeys = httpsCache_.get();
  http::Router router;
  registerKeyRoutes(router, notary);
  auto response = testing::dispatch(
      router, testing::makeRequest("GET", "/_matrix/key/v2/query/" + originName_));
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = json::parseObject(response.body);
  ASSERT_TRUE(body.ok());
  federation::KeyRing ours;
  ours.addKey("us.test", ownKeys_->signingKey().keyId,
              {ownKeys_->signingKey().key.publicKey(), now_ + testing::kDay, {}});
  auto parsed = federation::parseNotaryResponse(*body, "us.test", ours.requestKeyLookup(now_));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->accepted.size(), 1u);
  EXPECT_TRUE(parsed->accepted[0].verifyKeys.contains(originKeys_->signingKey().keyId));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(EndToEndTest);

}  // namespace
}  // namespace plexus::federationapi
