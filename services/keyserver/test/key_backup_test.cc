// KeyserverApi: server-side key backup versions, keys and the replacement rules.
#include "keyserver_fixture.h"

namespace plexus::keyserver::testing {
namespace {

const std::string kAlice = "@alice:example.org";
const std::string kAlgorithm = "m.megolm_backup.v1.curve25519-aes-sha2";
const std::string kRoom = "!room:example.org";

class KeyBackupTest : public KeyserverServiceTest {
 protected:
  std::string createVersion() {
    auto v = service().performCreateBackupVersion(ctx(), kAlice, kAlgorithm,
                                                  json::Object{{"public_key", "abc"}});
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : "";
  }
  static BackupKeyData key(bool verified, std::int64_t first, std::int64_t forwarded,
                           const std::string& tag) {
    return BackupKeyData{first, forwarded, verified, json::Object{{"tag", tag}}};
  }
  Result<BackupKeysSummary> put(const std::string& version, const BackupKeyData& data,
                                const std::string& session = "s1") {
    return service().performUploadBackupKeys(ctx(), kAlice, version, {{kRoom, {{session, data}}}});
  }
  std::string storedTag(const std::string& version, const std::string& session = "s1") {
    auto keys = service().queryBackupKeys(ctx(), kAlice, version, {kRoom, session});
    if (!keys.ok()) return "<" + keys.error().message + ">";
    return *keys->at(kRoom).at(session).sessionData.find("tag")->getString();
  }
};

TEST_P(KeyBackupTest, CreatesGetsUpdatesAndDeletesVersions) {
  EXPECT_EQ(service().queryBackupVersion(ctx(), kAlice, std::nullopt).error().code,
            ErrorCode::kNotFound);
  std::string v1 = createVersion();
  std::string v2 = createVersion();
  EXPECT_EQ(v1, "1");
  EXPECT_EQ(v2, "2");
  auto latest = service().queryBackupVersion(ctx(), kAlice, std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, v2);
  EXPECT_EQ(latest->algorithm, kAlgorithm);
  EXPECT_EQ(latest->count, 0);

  ASSERT_TRUE(service()
                  .performUpdateBackupVersion(ctx(), kAlice, v1, kAlgorithm,
                                              json::Object{{"public_key", "new"}})
                  .ok());
  EXPECT_EQ(*service().queryBackupVersion(ctx(), kAlice, v1)->authData.find("public_key")->getString(),
            "new");
  EXPECT_EQ(service()
                .performUpdateBackupVersion(ctx(), kAlice, v1, "other.algorithm", json::Object{})
                .error()
                .code,
            ErrorCode::kInvalidParam);

  ASSERT_TRUE(service().performDeleteBackupVersion(ctx(), kAlice, v2).ok());
  EXPECT_EQ(service().queryBackupVersion(ctx(), kAlice, std::nullopt)->version, v1);
  EXPECT_EQ(service().performDeleteBackupVersion(ctx(), kAlice, v2).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service().queryBackupVersion(ctx(), kAlice, std::string("junk")).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(createVersion(), "3");  // deleted numbers are not reused
}

TEST_P(KeyBackupTest, UploadsOnlyToTheCurrentVersion) {
  std::string v1 = createVersion();
  EXPECT_EQ(put(v1, key(false, 0, 0, "a"))->count, 1);
  std::string v2 = createVersion();
  auto stale = put(v1, key(false, 0, 0, "b"));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kWrongRoomKeysVersion);
  EXPECT_EQ(stale.error().errcode(), "M_WRONG_ROOM_KEYS_VERSION");
  EXPECT_EQ(put("99", key(false, 0, 0, "c")).error().code, ErrorCode::kWrongRoomKeysVersion);
  EXPECT_EQ(put(v2, key(false, 0, 0, "d"))->count, 1);
}

TEST_P(KeyBackupTest, KeepsTheBetterKey) {
  std::string v = createVersion();
  ASSERT_TRUE(put(v, key(false, 5, 2, "first")).ok());
  auto etag1 = service().queryBackupVersion(ctx(), kAlice, v)->etag;
  ASSERT_TRUE(put(v, key(false, 5, 3, "more-forwarded")).ok());  // worse: kept first
  EXPECT_EQ(storedTag(v), "first");
  EXPECT_EQ(service().queryBackupVersion(ctx(), kAlice, v)->etag, etag1);  // nothing changed
  ASSERT_TRUE(put(v, key(false, 5, 1, "less-forwarded")).ok());
  EXPECT_EQ(storedTag(v), "less-forwarded");
  EXPECT_NE(service().queryBackupVersion(ctx(), kAlice, v)->etag, etag1);
  ASSERT_TRUE(put(v, key(false, 2, 9, "earlier-index")).ok());
  EXPECT_EQ(storedTag(v), "earlier-index");
  ASSERT_TRUE(put(v, key(true, 9, 9, "verified")).ok());
  EXPECT_EQ(storedTag(v), "verified");
  ASSERT_TRUE(put(v, key(false, 0, 0, "unverified-but-earlier")).ok());
  EXPECT_EQ(storedTag(v), "verified");
  ASSERT_TRUE(put(v, key(true, 9, 9, "tie")).ok());
  EXPECT_EQ(storedTag(v), "verified");
}

TEST_P(KeyBackupTest, GetsAndDeletesKeysAtEveryLevel) {
  std::string v = createVersion();
  BackupKeys keys{{kRoom, {{"s1", key(false, 0, 0, "1")}, {"s2", key(false, 0, 0, "2")}}},
                  {"!other:example.org", {{"s3", key(false, 0, 0, "3")}}}};
  auto summary = service().performUploadBackupKeys(ctx(), kAlice, v, keys);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->count, 3);

  EXPECT_EQ(service().queryBackupKeys(ctx(), kAlice, v, {})->size(), 2u);
  EXPECT_EQ(service().queryBackupKeys(ctx(), kAlice, v, {kRoom, std::nullopt})->at(kRoom).size(), 2u);
  EXPECT_TRUE(service().queryBackupKeys(ctx(), kAlice, v, {"!none:x", std::nullopt})->empty());
  EXPECT_EQ(service().queryBackupKeys(ctx(), kAlice, v, {kRoom, "nope"}).error().code,
            ErrorCode::kNotFound);

  auto afterSession = service().performDeleteBackupKeys(ctx(), kAlice, v, {kRoom, "s1"});
  EXPECT_EQ(afterSession->count, 2);
  auto afterRoom = service().performDeleteBackupKeys(ctx(), kAlice, v, {kRoom, std::nullopt});
  EXPECT_EQ(afterRoom->count, 1);
  EXPECT_NE(afterRoom->etag, afterSession->etag);
  auto afterAll = service().performDeleteBackupKeys(ctx(), kAlice, v, {});
  EXPECT_EQ(afterAll->count, 0);
  EXPECT_EQ(service().performDeleteBackupKeys(ctx(), kAlice, "7", {}).error().code,
            ErrorCode::kNotFound);

  auto json = backupKeysToJson(keys);
  auto parsed = backupKeysFromJson(json);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at(kRoom).at("s2").sessionData, keys.at(kRoom).at("s2").sessionData);
}

TEST_P(KeyBackupTest, DeletingAVersionDeletesItsKeys) {
  std::string v = createVersion();
  ASSERT_TRUE(put(v, key(false, 0, 0, "a")).ok());
  ASSERT_TRUE(service().performDeleteBackupVersion(ctx(), kAlice, v).ok());
  EXPECT_EQ(service().queryBackupKeys(ctx(), kAlice, v, {}).error().code, ErrorCode::kNotFound);
}

TEST(BackupKeyDataJson, RejectsMissingFields) {
  EXPECT_FALSE(BackupKeyData::fromJson(json::Object{{"first_message_index", 1}}).ok());
  EXPECT_FALSE(backupKeysFromJson(json::Object{{"rooms", 5}}).ok());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(KeyBackupTest);

}  // namespace
}  // namespace plexus::keyserver::testing
