// The key, notary and version endpoints, dispatched through a Router.
#include "federationapi/impl/key_routes.h"

#include "federation_api_fixture.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::federationapi {
namespace {

using testing::dispatch;
using testing::kDay;
using testing::kNow;
using testing::makeRequest;

class KeyRoutesTest : public testing::FederationApiTest {
 protected:
  void SetUp() override {
    FederationApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    context_.ownKeys = ownKeys_.get();
    context_.remoteKeys = cache_.get();
    registerKeyRoutes(router_, context_);
  }

  json::Object bodyOf(const http::Response& response) {
    auto parsed = json::parseObject(response.body);
    EXPECT_TRUE(parsed.ok()) << response.body;
    return parsed.ok() ? *parsed : json::Object{};
  }

  // The notary's entries, each checked for our notary signature.
  std::vector<json::Object> notaryEntries(const http::Response& response) {
    EXPECT_EQ(response.status, 200) << response.body;
    std::vector<json::Object> out;
    auto body = bodyOf(response);
    const auto* list = body.find("server_keys");
    if (!list || !list->getArray()) return out;
    for (const auto& entry : *list->getArray()) out.push_back(*entry.getObject());
    return out;
  }

  KeyRoutesContext context_;
  http::Router router_;
};

TEST_P(KeyRoutesTest, ServesOurSelfSignedKeys) {
  for (std::string target : {"/_matrix/key/v2/server", "/_matrix/key/v2/server/ed25519:any"}) {
    auto response = dispatch(router_, makeRequest("GET", target));
    ASSERT_EQ(response.status, 200) << target;
    auto keys = federation::parseServerKeys(bodyOf(response), "us.test");
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    EXPECT_TRUE(keys->verifyKeys.contains(ownKeys_->signingKey().keyId));
    EXPECT_EQ(keys->validUntilTs, kNow + context_.ownKeyValidityMs);
  }
}

TEST_P(KeyRoutesTest, VersionNamesTheServer) {
  auto response = dispatch(router_, makeRequest("GET", "/_matrix/federation/v1/version"));
  ASSERT_EQ(response.status, 200);
  auto body = bodyOf(response);
  EXPECT_EQ(body.find("server")->getStringAt("name"), std::optional<std::string_view>("Plexus"));
}

TEST_P(KeyRoutesTest, NotaryServesRemoteKeysSignedByUs) {
  federation::KeyQuery query{"remote.test", {remote_.key.keyId}, kNow};
  auto request = federation::buildKeyQueryRequest(std::span(&query, 1));
  auto response =
      dispatch(router_, makeRequest("POST", "/_matrix/key/v2/query", json::canonical(request)));
  auto entries = notaryEntries(response);
  ASSERT_EQ(entries.size(), 1u);
  federation::KeyRing ourRing;
  ourRing.addKey("us.test", ownKeys_->signingKey().keyId,
                 {ownKeys_->signingKey().key.publicKey(), kNow + kDay, {}});
  auto parsed =
      federation::parseNotaryResponse(bodyOf(response), "us.test", ourRing.requestKeyLookup(kNow));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->accepted.size(), 1u) << (parsed->rejected.empty() ? "" : parsed->rejected[0]);
  EXPECT_EQ(parsed->accepted[0].serverName, "remote.test");
  EXPECT_EQ(fetcher_.directCalls, 1);

  // A second query is answered from the cache.
  dispatch(router_, makeRequest("POST", "/_matrix/key/v2/query", json::canonical(request)));
  EXPECT_EQ(fetcher_.directCalls, 1);
}

TEST_P(KeyRoutesTest, NotaryRefetchesWhenCacheIsNotValidLongEnough) {
  federation::KeyQuery query{"remote.test", {}, std::nullopt};
  auto body = json::canonical(federation::buildKeyQueryRequest(std::span(&query, 1)));
  ASSERT_EQ(
      notaryEntries(dispatch(router_, makeRequest("POST", "/_matrix/key/v2/query", body))).size(),
      1u);
  EXPECT_EQ(fetcher_.directCalls, 1);

  remote_.validUntilTs = kNow + 3 * kDay;
  fetcher_.add(remote_);
  now_ += 61'000;  // past the per-server fetch interval
  auto response = dispatch(router_, makeRequest("GET",
                                                "/_matrix/key/v2/query/remote.test"
                                                "?minimum_valid_until_ts=" +
                                                    std::to_string(kNow + 2 * kDay)));
  auto entries = notaryEntries(response);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(fetcher_.directCalls, 2);
  EXPECT_EQ(entries[0].find("valid_until_ts")->getInt(), remote_.validUntilTs);

  // Asking for more than the server publishes does not make us fetch on every query.
  std::string tooLong = "/_matrix/key/v2/query/remote.test?minimum_valid_until_ts=" +
                        std::to_string(kNow + 30 * kDay);
  dispatch(router_, makeRequest("GET", tooLong));
  dispatch(router_, makeRequest("GET", tooLong));
  EXPECT_EQ(fetcher_.directCalls, 2);
}

TEST_P(KeyRoutesTest, NotaryServesOurOwnKeysAndSkipsUnreachableServers) {
  std::vector<federation::KeyQuery> queries{{"us.test", {}, std::nullopt},
                                            {"gone.test", {}, std::nullopt}};
  auto response =
      dispatch(router_, makeRequest("POST", "/_matrix/key/v2/query",
                                    json::canonical(federation::buildKeyQueryRequest(queries))));
  auto entries = notaryEntries(response);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(json::Value(entries[0]).getStringAt("server_name"),
            std::optional<std::string_view>("us.test"));
}

TEST_P(KeyRoutesTest, NotaryRejectsMalformedQueries) {
  EXPECT_EQ(dispatch(router_, makeRequest("POST", "/_matrix/key/v2/query", "not json")).status,
            400);
  EXPECT_EQ(dispatch(router_, makeRequest("POST", "/_matrix/key/v2/query", R"({"server_keys":7})"))
                .status,
            400);
  EXPECT_EQ(dispatch(router_, makeRequest("GET",
                                          "/_matrix/key/v2/query/remote.test"
                                          "?minimum_valid_until_ts=soon"))
                .status,
            400);
  EXPECT_EQ(fetcher_.directCalls, 0);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(KeyRoutesTest);

}  // namespace
}  // namespace plexus::federationapi
