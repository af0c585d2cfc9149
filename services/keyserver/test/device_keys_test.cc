// KeyserverApi: device key upload and query, one-time and fallback keys, claims (also under
// concurrency), on SQLite and PostgreSQL.
#include <mutex>
#include <set>
#include <thread>

#include "keyserver_fixture.h"

namespace plexus::keyserver::testing {
namespace {

const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";

json::Object oneTimeKeys(const std::string& prefix, int n) {
  json::Object keys;
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "%03d", i);
    keys.set("signed_curve25519:" + prefix + id,
             json::Object{{"key", "otk-" + prefix + id}});
  }
  return keys;
}

TEST_P(KeyserverServiceTest, UploadsAndQueriesDeviceKeys) {
  auto key = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", key);
  ASSERT_TRUE(service().performSetDeviceDisplayName(ctx(), kAlice, "DEV1", "Alice's phone").ok());

  auto result = service().queryKeys(ctx(), kBob, {{kAlice, {}}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const json::Value* dev = result->deviceKeys.find(kAlice)->get("DEV1");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->getStringAt("device_id"), "DEV1");
  EXPECT_EQ(dev->get("unsigned")->getStringAt("device_display_name"), "Alice's phone");
  // The stored object still verifies with the device's key.
  EXPECT_TRUE(crypto::verifyJsonSignature(*dev->getObject(), kAlice, "ed25519:DEV1",
                                          key.publicKey())
                  .ok());
}

TEST_P(KeyserverServiceTest, QueryFiltersByDeviceId) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  uploadDevice(kAlice, "DEV2", crypto::SigningKey::generate());
  auto result = service().queryKeys(ctx(), kAlice, {{kAlice, {"DEV2"}}, {kBob, {}}});
  ASSERT_TRUE(result.ok());
  const json::Object* devices = result->deviceKeys.find(kAlice)->getObject();
  EXPECT_EQ(devices->size(), 1u);
  EXPECT_TRUE(devices->contains("DEV2"));
  EXPECT_FALSE(result->deviceKeys.contains(kBob));
}

TEST_P(KeyserverServiceTest, RejectsDeviceKeysWithBadSignature) {
  auto key = crypto::SigningKey::generate();
  auto other = crypto::SigningKey::generate();
  json::Object keys = deviceKeys(kAlice, "DEV1", key);
  crypto::signJson(keys, kAlice, "ed25519:DEV1", other);  // replaces the good signature
  auto result = service().performUploadKeys(ctx(), kAlice, "DEV1", keys, {}, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidSignature);
  auto query = service().queryKeys(ctx(), kAlice, {{kAlice, {}}});
  EXPECT_TRUE(query->deviceKeys.empty());
}

TEST_P(KeyserverServiceTest, RejectsDeviceKeysForAnotherDevice) {
  auto key = crypto::SigningKey::generate();
  auto result =
      service().performUploadKeys(ctx(), kAlice, "DEV2", deviceKeys(kAlice, "DEV1", key), {}, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidParam);
}

TEST_P(KeyserverServiceTest, RefusesDifferentKeysForAnExistingDevice) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  auto again = service().performUploadKeys(
      ctx(), kAlice, "DEV1", deviceKeys(kAlice, "DEV1", crypto::SigningKey::generate()), {}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidParam);
}

TEST_P(KeyserverServiceTest, AcceptsTheSameDeviceKeysTwice) {
  auto key = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", key);
  auto before = service().queryDeviceListPosition(ctx());
  uploadDevice(kAlice, "DEV1", key);
  EXPECT_EQ(*service().queryDeviceListPosition(ctx()), *before);  // no new change
}

TEST_P(KeyserverServiceTest, CountsOneTimeKeys) {
  auto counts = service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt,
                                            oneTimeKeys("a", 5), {});
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->at("signed_curve25519"), 5);
  auto empty = service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV2");
  EXPECT_EQ(empty->at("signed_curve25519"), 0);
}

TEST_P(KeyserverServiceTest, RejectsOneTimeKeyIdReusedWithOtherContent) {
  ASSERT_TRUE(service()
                  .performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, oneTimeKeys("a", 2), {})
                  .ok());
  // The same keys again are fine.
  ASSERT_TRUE(service()
                  .performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, oneTimeKeys("a", 2), {})
                  .ok());
  json::Object clash{{"signed_curve25519:a000", json::Object{{"key", "different"}}},
                     {"signed_curve25519:zzz", json::Object{{"key", "new"}}}};
  auto result = service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, clash, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidParam);
  // Nothing of the failed request was stored.
  EXPECT_EQ(service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV1")->at("signed_curve25519"), 2);
}

TEST_P(KeyserverServiceTest, RejectsMalformedOneTimeKeyIds) {
  json::Object bad{{"nocolon", "x"}};
  auto result = service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, bad, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadJson);
}

TEST_P(KeyserverServiceTest, ClaimTakesEachKeyOnceThenTheFallbackKey) {
  json::Object fallback{{"signed_curve25519:fb1",
                         json::Object{{"fallback", true}, {"key", "fallback-key"}}}};
  ASSERT_TRUE(service()
                  .performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, oneTimeKeys("a", 2),
                                     fallback)
                  .ok());
  EXPECT_EQ(*service().queryUnusedFallbackKeyTypes(ctx(), kAlice, "DEV1"),
            std::vector<std::string>{"signed_curve25519"});

  std::set<std::string> seen;
  for (int i = 0; i < 2; ++i) {
    auto claimed = service().performClaimKeys(ctx(), {{kAlice, {{"DEV1", "signed_curve25519"}}}});
    ASSERT_TRUE(claimed.ok());
    const json::Object* keys = claimed->oneTimeKeys.find(kAlice)->get("DEV1")->getObject();
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_TRUE(seen.insert(keys->begin()->first).second);
  }
  EXPECT_EQ(service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV1")->at("signed_curve25519"), 0);

  for (int i = 0; i < 2; ++i) {  // the fallback key may be handed out repeatedly
    auto claimed = service().performClaimKeys(ctx(), {{kAlice, {{"DEV1", "signed_curve25519"}}}});
    const json::Value* keys = claimed->oneTimeKeys.find(kAlice)->get("DEV1");
    ASSERT_NE(keys, nullptr);
    EXPECT_TRUE(keys->getObject()->contains("signed_curve25519:fb1"));
  }
  EXPECT_TRUE(service().queryUnusedFallbackKeyTypes(ctx(), kAlice, "DEV1")->empty());
}

TEST_P(KeyserverServiceTest, ClaimReturnsNothingForDevicesWithoutKeys) {
  auto claimed = service().performClaimKeys(ctx(), {{kBob, {{"NOPE", "signed_curve25519"}}}});
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->oneTimeKeys.empty());
}

TEST_P(KeyserverServiceTest, NewFallbackKeyIsUnusedButTheSameKeyKeepsItsUsedFlag) {
  json::Object fb1{{"signed_curve25519:fb1", json::Object{{"fallback", true}, {"key", "k1"}}}};
  json::Object fb2{{"signed_curve25519:fb2", json::Object{{"fallback", true}, {"key", "k2"}}}};
  ASSERT_TRUE(service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, {}, fb1).ok());
  ASSERT_TRUE(service().performClaimKeys(ctx(), {{kAlice, {{"DEV1", "signed_curve25519"}}}}).ok());
  ASSERT_TRUE(service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, {}, fb1).ok());
  EXPECT_TRUE(service().queryUnusedFallbackKeyTypes(ctx(), kAlice, "DEV1")->empty());
  ASSERT_TRUE(service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, {}, fb2).ok());
  EXPECT_EQ(service().queryUnusedFallbackKeyTypes(ctx(), kAlice, "DEV1")->size(), 1u);
  auto claimed = service().performClaimKeys(ctx(), {{kAlice, {{"DEV1", "signed_curve25519"}}}});
  EXPECT_TRUE(claimed->oneTimeKeys.find(kAlice)->get("DEV1")->getObject()->contains(
      "signed_curve25519:fb2"));
}

TEST_P(KeyserverServiceTest, ConcurrentClaimsNeverShareAKey) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  ASSERT_TRUE(service()
                  .performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt,
                                     oneTimeKeys("c", kThreads * kPerThread), {})
                  .ok());
  std::mutex mutex;
  std::vector<std::string> claimedIds;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        auto claimed =
            service().performClaimKeys(ctx(), {{kAlice, {{"DEV1", "signed_curve25519"}}}});
        std::lock_guard lock(mutex);
        if (!claimed.ok()) {
          errors.push_back(claimed.error().message);
          continue;
        }
        const json::Value* keys = claimed->oneTimeKeys.find(kAlice)
                                      ? claimed->oneTimeKeys.find(kAlice)->get("DEV1")
                                      : nullptr;
        if (keys) {
          for (const auto& [id, value] : *keys->getObject()) claimedIds.push_back(id);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  std::set<std::string> unique(claimedIds.begin(), claimedIds.end());
  EXPECT_EQ(unique.size(), claimedIds.size());
  EXPECT_EQ(claimedIds.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV1")->at("signed_curve25519"), 0);
}

TEST_P(KeyserverServiceTest, DeletingADeviceRemovesItsKeys) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), oneTimeKeys("a", 3));
  uploadDevice(kAlice, "DEV2", crypto::SigningKey::generate());
  ASSERT_TRUE(service().performDeleteDeviceKeys(ctx(), kAlice, {"DEV1", "UNKNOWN"}).ok());
  auto query = service().queryKeys(ctx(), kAlice, {{kAlice, {}}});
  const json::Object* devices = query->deviceKeys.find(kAlice)->getObject();
  EXPECT_FALSE(devices->contains("DEV1"));
  EXPECT_TRUE(devices->contains("DEV2"));
  EXPECT_EQ(service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV1")->at("signed_curve25519"), 0);
  // The device ID may be reused with new keys afterwards.
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
}

TEST_P(KeyserverServiceTest, DeletingAUserRemovesEverything) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), oneTimeKeys("a", 3));
  ASSERT_TRUE(service().performDeleteUserKeys(ctx(), kAlice).ok());
  auto query = service().queryKeys(ctx(), kAlice, {{kAlice, {}}});
  EXPECT_TRUE(query->deviceKeys.empty());
  EXPECT_EQ(service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV1")->at("signed_curve25519"), 0);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(KeyserverServiceTest);

}  // namespace
}  // namespace plexus::keyserver::testing
