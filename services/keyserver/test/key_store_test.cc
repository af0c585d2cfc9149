// SqlKeyStore on SQLite and PostgreSQL: keys, fallback flags, signatures, the device-list
// stream, remote users' tracking rows and backup version numbering.
#include <gtest/gtest.h>

#include "keyserver/storage/sql_key_store.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::keyserver {
namespace {

class KeyStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto migrated = store_.migrate(db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }
  SqlKeyStore store_;
};

TEST_P(KeyStoreTest, MigrationIsIdempotent) { EXPECT_TRUE(store_.migrate(db()).ok()); }

TEST_P(KeyStoreTest, StoresDevicesWithKeysAndNames) {
  ASSERT_TRUE(store_.setDeviceKeys(db(), "@a:x", "D1", R"({"k":1})").ok());
  ASSERT_TRUE(store_.setDisplayName(db(), "@a:x", "D1", std::string("phone")).ok());
  ASSERT_TRUE(store_.setDisplayName(db(), "@a:x", "D2", std::string("laptop")).ok());
  auto devices = store_.devices(db(), "@a:x");
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)[0].keyJson, std::optional<std::string>(R"({"k":1})"));
  EXPECT_EQ((*devices)[0].displayName, std::optional<std::string>("phone"));
  EXPECT_FALSE((*devices)[1].keyJson.has_value());
  EXPECT_TRUE(*store_.deleteDevice(db(), "@a:x", "D1"));
  EXPECT_FALSE(*store_.deleteDevice(db(), "@a:x", "D1"));
}

TEST_P(KeyStoreTest, ClaimsOneTimeKeysInKeyOrderAndOnlyOnce) {
  for (std::string id : {"b", "a", "c"}) {
    ASSERT_TRUE(store_.addOneTimeKey(db(), "@a:x", "D1", "signed_curve25519",
                                     {"signed_curve25519:" + id, "\"" + id + "\""})
                    .ok());
  }
  ASSERT_TRUE(store_.addOneTimeKey(db(), "@a:x", "D1", "curve25519", {"curve25519:z", "\"z\""}).ok());
  auto counts = store_.countOneTimeKeys(db(), "@a:x", "D1");
  EXPECT_EQ(counts->at("signed_curve25519"), 3);
  EXPECT_EQ(counts->at("curve25519"), 1);
  std::vector<std::string> order;
  while (true) {
    auto key = store_.claimOneTimeKey(db(), "@a:x", "D1", "signed_curve25519");
    ASSERT_TRUE(key.ok()) << key.error().message;
    if (!*key) break;
    order.push_back((*key)->keyId);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"signed_curve25519:a", "signed_curve25519:b",
                                             "signed_curve25519:c"}));
  EXPECT_EQ(store_.countOneTimeKeys(db(), "@a:x", "D1")->count("signed_curve25519"), 0u);
}

TEST_P(KeyStoreTest, FallbackKeyIsMarkedUsedAndResetByReplacement) {
  EXPECT_FALSE(store_.useFallbackKey(db(), "@a:x", "D1", "signed_curve25519")->has_value());
  ASSERT_TRUE(store_.setFallbackKey(db(), "@a:x", "D1", "signed_curve25519",
                                    {"signed_curve25519:f1", "{}"})
                  .ok());
  EXPECT_EQ(*store_.unusedFallbackAlgorithms(db(), "@a:x", "D1"),
            std::vector<std::string>{"signed_curve25519"});
  EXPECT_EQ((*store_.useFallbackKey(db(), "@a:x", "D1", "signed_curve25519"))->keyId,
            "signed_curve25519:f1");
  EXPECT_TRUE(store_.unusedFallbackAlgorithms(db(), "@a:x", "D1")->empty());
  EXPECT_TRUE((*store_.fallbackKey(db(), "@a:x", "D1", "signed_curve25519"))->used);
  ASSERT_TRUE(store_.setFallbackKey(db(), "@a:x", "D1", "signed_curve25519",
                                    {"signed_curve25519:f2", "{}"})
                  .ok());
  EXPECT_FALSE((*store_.fallbackKey(db(), "@a:x", "D1", "signed_curve25519"))->used);
}

TEST_P(KeyStoreTest, StoresCrossSigningKeysAndSignatures) {
  ASSERT_TRUE(store_.setCrossSigningKey(db(), "@a:x", CrossSigningKeyType::kMaster, "{}").ok());
  ASSERT_TRUE(store_.setCrossSigningKey(db(), "@a:x", CrossSigningKeyType::kMaster, "{\"v\":2}").ok());
  EXPECT_EQ(*store_.crossSigningKey(db(), "@a:x", CrossSigningKeyType::kMaster),
            std::optional<std::string>("{\"v\":2}"));
  EXPECT_FALSE(store_.crossSigningKey(db(), "@a:x", CrossSigningKeyType::kUserSigning)->has_value());
  ASSERT_TRUE(store_.putSignature(db(), {"@a:x", "ed25519:S", "@a:x", "D1", "sig1"}).ok());
  ASSERT_TRUE(store_.putSignature(db(), {"@a:x", "ed25519:S", "@a:x", "D1", "sig2"}).ok());
  auto sigs = store_.signaturesOn(db(), "@a:x", "D1");
  ASSERT_EQ(sigs->size(), 1u);
  EXPECT_EQ((*sigs)[0].signature, "sig2");
  auto deleted = store_.deleteUser(db(), "@a:x");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(store_.signaturesOn(db(), "@a:x", "D1")->empty());
  EXPECT_FALSE(store_.crossSigningKey(db(), "@a:x", CrossSigningKeyType::kMaster)->has_value());
}

TEST_P(KeyStoreTest, DeviceListStreamPositionsIncrease) {
  EXPECT_EQ(*store_.deviceListPosition(db()), 0);
  auto p1 = store_.appendDeviceListChange(db(), "@a:x", "D1", false);
  auto p2 = store_.appendDeviceListChange(db(), "@b:x", "", false);
  auto p3 = store_.appendDeviceListChange(db(), "@a:x", "D2", true);
  ASSERT_TRUE(p1.ok() && p2.ok() && p3.ok());
  EXPECT_EQ(*p1, 1);
  EXPECT_EQ(*p3, 3);
  EXPECT_EQ(*store_.deviceListPosition(db()), 3);
  EXPECT_EQ(*store_.usersChangedBetween(db(), 0, 3), (std::vector<std::string>{"@a:x", "@b:x"}));
  EXPECT_EQ(*store_.usersChangedBetween(db(), 1, 2), std::vector<std::string>{"@b:x"});
}

TEST_P(KeyStoreTest, PreviousDeviceChangeSkipsCrossSigningChanges) {
  auto p1 = *store_.appendDeviceListChange(db(), "@a:x", "D1", false);
  auto p2 = *store_.appendDeviceListChange(db(), "@a:x", "", false);  // cross-signing
  auto p3 = *store_.appendDeviceListChange(db(), "@b:x", "D9", false);
  auto p4 = *store_.appendDeviceListChange(db(), "@a:x", "D2", true);
  EXPECT_EQ(*store_.previousDeviceChange(db(), "@a:x", p4), std::optional<std::int64_t>(p1));
  EXPECT_EQ(*store_.previousDeviceChange(db(), "@a:x", p4 + 1), std::optional<std::int64_t>(p4));
  EXPECT_EQ(*store_.previousDeviceChange(db(), "@a:x", p1), std::nullopt);
  EXPECT_EQ(*store_.previousDeviceChange(db(), "@c:x", p4 + 1), std::nullopt);
  (void)p2, (void)p3;
}

TEST_P(KeyStoreTest, TracksRemoteDeviceLists) {
  EXPECT_EQ(*store_.remoteDeviceList(db(), "@r:remote"), std::nullopt);
  ASSERT_TRUE(store_.setRemoteDeviceList(db(), "@r:remote", RemoteDeviceList{7, false}).ok());
  ASSERT_TRUE(store_.setRemoteDeviceList(db(), "@r:remote", RemoteDeviceList{9, true}).ok());
  auto list = store_.remoteDeviceList(db(), "@r:remote");
  ASSERT_TRUE(list.ok() && list->has_value());
  EXPECT_EQ((*list)->streamId, 9);
  EXPECT_TRUE((*list)->stale);
  ASSERT_TRUE(
      store_.setCrossSigningKey(db(), "@r:remote", CrossSigningKeyType::kMaster, "{}").ok());
  ASSERT_TRUE(store_.deleteCrossSigningKey(db(), "@r:remote", CrossSigningKeyType::kMaster).ok());
  EXPECT_EQ(*store_.crossSigningKey(db(), "@r:remote", CrossSigningKeyType::kMaster), std::nullopt);
}

TEST_P(KeyStoreTest, BackupVersionsCountUpPerUser) {
  EXPECT_EQ(*store_.createBackupVersion(db(), "@a:x", "alg", "{}"), 1);
  EXPECT_EQ(*store_.createBackupVersion(db(), "@a:x", "alg", "{}"), 2);
  EXPECT_EQ(*store_.createBackupVersion(db(), "@b:x", "alg", "{}"), 1);
  EXPECT_TRUE(*store_.deleteBackupVersion(db(), "@a:x", 2));
  EXPECT_EQ((*store_.backupVersion(db(), "@a:x", std::nullopt))->version, 1);
  EXPECT_EQ(*store_.createBackupVersion(db(), "@a:x", "alg", "{}"), 3);
  ASSERT_TRUE(store_.putBackupKey(db(), "@a:x", 3, "!r", "s", {1, 2, true, json::Object{}}).ok());
  EXPECT_EQ(*store_.countBackupKeys(db(), "@a:x", 3), 1);
  auto keys = store_.backupKeys(db(), "@a:x", 3, {});
  EXPECT_TRUE(keys->at("!r").at("s").isVerified);
  EXPECT_EQ(keys->at("!r").at("s").forwardedCount, 2);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(KeyStoreTest);

}  // namespace
}  // namespace plexus::keyserver
