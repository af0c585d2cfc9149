// SqlServerKeyStore, OwnSigningKeys and RemoteKeyCache on SQLite and PostgreSQL: our keys and
// their rotation, the remote key cache and its persistence.
#include "federation_api_fixture.h"

namespace plexus::federationapi {
namespace {

using testing::kDay;
using testing::kNow;

class ServerKeyStoreTest : public testing::FederationApiTest {};

TEST_P(ServerKeyStoreTest, MigrationIsIdempotent) { EXPECT_TRUE(store_.migrate(db()).ok()); }

TEST_P(ServerKeyStoreTest, LoadGeneratesOneCurrentKeyWithNodeStyleId) {
  auto keys = store_.ownKeys(db());
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE((*keys)[0].key.has_value());
  EXPECT_EQ((*keys)[0].keyId, keyIdFor(*(*keys)[0].key));
  EXPECT_EQ(ownKeys_->signingKey().keyId, (*keys)[0].keyId);
}

TEST_P(ServerKeyStoreTest, LoadKeepsTheStoredKeyOverTheInitialOne) {
  OwnSigningKeys again(db(), store_, "us.test", [] { return kNow; });
  federation::SigningKeyEntry other{"ed25519:other", crypto::SigningKey::generate()};
  ASSERT_TRUE(again.load(other).ok());
  EXPECT_EQ(again.signingKey().keyId, ownKeys_->signingKey().keyId);
}

TEST_P(ServerKeyStoreTest, FirstLoadImportsTheNodeKey) {
  ASSERT_TRUE(store_.retireOwnKeys(db(), kNow).ok());
  federation::SigningKeyEntry nodeKey{"ed25519:a_node", crypto::SigningKey::generate()};
  OwnSigningKeys keys(db(), store_, "us.test", [] { return kNow; });
  ASSERT_TRUE(keys.load(nodeKey).ok());
  EXPECT_EQ(keys.signingKey().keyId, "ed25519:a_node");
  EXPECT_EQ(keys.signingKey().key.publicKey(), nodeKey.key.publicKey());
}

TEST_P(ServerKeyStoreTest, RotationRetiresTheOldKeyAndPublishesItAsOld) {
  auto before = ownKeys_->signingKey();
  now_ = kNow + 5000;
  auto newId = ownKeys_->rotate();
  ASSERT_TRUE(newId.ok()) << newId.error().message;
  EXPECT_NE(*newId, before.keyId);
  EXPECT_EQ(ownKeys_->signingKey().keyId, *newId);

  auto response = ownKeys_->keyResponse(kDay);
  auto parsed = federation::parseServerKeys(response, "us.test");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->verifyKeys.size(), 1u);
  EXPECT_TRUE(parsed->verifyKeys.contains(*newId));
  ASSERT_TRUE(parsed->oldVerifyKeys.contains(before.keyId));
  EXPECT_EQ(parsed->oldVerifyKeys.at(before.keyId).expiredTs, kNow + 5000);
  EXPECT_EQ(parsed->validUntilTs, kNow + 5000 + kDay);

  // The retired key's private half is gone from storage.
  auto stored = store_.ownKeys(db());
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[1].keyId, before.keyId);
  EXPECT_FALSE((*stored)[1].key.has_value());
  EXPECT_EQ((*stored)[1].expiredTs, kNow + 5000);
}

TEST_P(ServerKeyStoreTest, RemoteKeysAreUpsertedAndReadBack) {
  RemoteKey key{"remote.test", "ed25519:k", {crypto::SigningKey::generate().publicKey(), 10, {}}};
  ASSERT_TRUE(store_.putRemoteKey(db(), key).ok());
  key.record.validUntilTs = 20;
  key.record.expiredTs = 15;
  ASSERT_TRUE(store_.putRemoteKey(db(), key).ok());
  auto keys = store_.remoteKeys(db());
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].record.validUntilTs, 20);
  EXPECT_EQ((*keys)[0].record.expiredTs, std::optional<std::int64_t>(15));
  EXPECT_EQ((*keys)[0].record.key, key.record.key);
}

TEST_P(ServerKeyStoreTest, KeyResponseKeepsTheLongestValid) {
  ASSERT_TRUE(store_.putKeyResponse(db(), {"remote.test", R"({"a":1})", 200, 1}).ok());
  ASSERT_TRUE(store_.putKeyResponse(db(), {"remote.test", R"({"a":2})", 100, 2}).ok());
  auto stored = store_.keyResponse(db(), "remote.test");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->responseJson, R"({"a":1})");
  ASSERT_TRUE(store_.putKeyResponse(db(), {"remote.test", R"({"a":3})", 300, 3}).ok());
  EXPECT_EQ((*store_.keyResponse(db(), "remote.test"))->responseJson, R"({"a":3})");
  EXPECT_FALSE(store_.keyResponse(db(), "other.test")->has_value());
}

TEST_P(ServerKeyStoreTest, CacheFetchesOnMissPersistsAndReloads) {
  auto server = *federation::ServerName::parse("remote.test");
  auto key = cache_->keyForRequest(server, remote_.key.keyId);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, remote_.key.key.publicKey());
  EXPECT_EQ(fetcher_.directCalls, 1);
  // Cached now: no second fetch.
  ASSERT_TRUE(cache_->keyForRequest(server, remote_.key.keyId).ok());
  EXPECT_EQ(fetcher_.directCalls, 1);

  auto rows = store_.remoteKeys(db());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].record.validUntilTs, remote_.validUntilTs);
  EXPECT_TRUE(store_.keyResponse(db(), "remote.test")->has_value());

  RemoteKeyCache reloaded(db(), store_, fetcher_, {}, [] { return kNow; });
  ASSERT_TRUE(reloaded.load().ok());
  ASSERT_TRUE(reloaded.keyForRequest(server, remote_.key.keyId).ok());
  EXPECT_EQ(fetcher_.directCalls, 1);
}

TEST_P(ServerKeyStoreTest, ExpiredCachedKeyIsFetchedAgain) {
  auto server = *federation::ServerName::parse("remote.test");
  ASSERT_TRUE(cache_->keyForRequest(server, remote_.key.keyId).ok());
  now_ = remote_.validUntilTs + 1;
  remote_.validUntilTs = now_ + kDay;
  fetcher_.add(remote_);
  ASSERT_TRUE(cache_->keyForRequest(server, remote_.key.keyId).ok());
  EXPECT_EQ(fetcher_.directCalls, 2);
}

TEST_P(ServerKeyStoreTest, UnknownKeyIdIsNotRefetchedWithinTheRetryInterval) {
  auto server = *federation::ServerName::parse("remote.test");
  EXPECT_FALSE(cache_->keyForRequest(server, "ed25519:nope").ok());
  EXPECT_FALSE(cache_->keyForRequest(server, "ed25519:nope").ok());
  EXPECT_EQ(fetcher_.directCalls, 1);
  now_ += 61'000;
  EXPECT_FALSE(cache_->keyForRequest(server, "ed25519:nope").ok());
  EXPECT_EQ(fetcher_.directCalls, 2);
}

TEST_P(ServerKeyStoreTest, ForgedResponseIsNotCached) {
  testing::FakeServer impostor;
  impostor.name = "remote.test";
  auto forged = impostor.keyResponse();
  forged["server_name"] = "evil.test";  // breaks the self-signature and the name check
  struct Fixed : federation::KeyFetcher {
    json::Object body;
    Result<json::Object> fetchDirect(const federation::ServerName&) override { return body; }
    Result<json::Object> fetchViaNotary(const federation::ServerName&,
                                        const json::Object&) override {
      return fail(ErrorCode::kUnavailable, "none");
    }
  } fixed;
  fixed.body = forged;
  RemoteKeyCache cache(db(), store_, fixed, {}, [] { return kNow; });
  auto server = *federation::ServerName::parse("remote.test");
  EXPECT_FALSE(cache.keyForRequest(server, impostor.key.keyId).ok());
  EXPECT_TRUE(store_.remoteKeys(db())->empty());
  EXPECT_FALSE(store_.keyResponse(db(), "remote.test")->has_value());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(ServerKeyStoreTest);

}  // namespace
}  // namespace plexus::federationapi
