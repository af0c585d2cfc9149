// KeyserverService with publishOneTimeKeyChanges (the cluster): every change to what /sync
// reports of a device's one-time and fallback keys enqueues a OneTimeKeysChanged in the outbox,
// in the transaction of the change (the rows are there when the call returns), on SQLite and
// PostgreSQL.
#include <condition_variable>
#include <mutex>

#include "keyserver/api/output.h"
#include "keyserver_fixture.h"
#include "plexus/bus/typed_topic.h"
#include "plexus/json/parse.h"

namespace plexus::keyserver::testing {
namespace {

const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";

json::Object otk(const std::string& id) {
  return json::Object{{"signed_curve25519:" + id, json::Object{{"key", "otk-" + id}}}};
}
json::Object fallback(const std::string& id) {
  return json::Object{{"signed_curve25519:" + id, json::Object{{"key", "fb-" + id}}}};
}

class OneTimeKeysOutputTest : public KeyserverServiceTest {
 protected:
  KeyserverService::Options serviceOptions() override {
    KeyserverService::Options options;
    options.publishOneTimeKeyChanges = publish_;
    return options;
  }

  // The OneTimeKeysChanged rows in the outbox, oldest first, as "user/device".
  std::vector<std::string> published() {
    std::vector<std::string> out;
    auto rows = db().query("SELECT payload FROM bus_outbox WHERE topic = $1 ORDER BY id",
                           storage::Params{std::string(OneTimeKeysChanged::kTopic)});
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok()) return out;
    for (auto row : *rows) {
      auto payload = row.text(0);
      EXPECT_TRUE(payload.ok());
      if (!payload.ok()) continue;
      auto object = json::parseObject(*payload);
      EXPECT_TRUE(object.ok());
      if (!object.ok()) continue;
      auto change = OneTimeKeysChanged::fromJson(*object);
      EXPECT_TRUE(change.ok());
      if (change.ok()) out.push_back(change->userId + "/" + change->deviceId);
    }
    return out;
  }

  Result<ClaimKeysResponse> claim(const std::string& user, const std::string& device) {
    return service().performClaimKeys(ctx(), {{user, {{device, "signed_curve25519"}}}});
  }

  bool publish_ = true;
};

TEST_P(OneTimeKeysOutputTest, UploadOfOneTimeKeysPublishesOncePerDevice) {
  json::Object keys = otk("A1");
  keys.set("signed_curve25519:A2", json::Object{{"key", "otk-A2"}});
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), keys);
  EXPECT_EQ(published(), std::vector<std::string>{kAlice + "/DEV1"});
}

TEST_P(OneTimeKeysOutputTest, UploadChangingNoKeyPublishesNothing) {
  auto key = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", key);  // device keys only
  EXPECT_TRUE(published().empty());
  uploadDevice(kAlice, "DEV1", key, otk("A1"), fallback("F1"));
  ASSERT_EQ(published().size(), 1u);
  // The same keys again: nothing changes, nothing is published.
  ASSERT_TRUE(service()
                  .performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, otk("A1"), fallback("F1"))
                  .ok());
  EXPECT_EQ(published().size(), 1u);
}

TEST_P(OneTimeKeysOutputTest, FallbackKeyUploadPublishes) {
  ASSERT_TRUE(
      service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, {}, fallback("F1")).ok());
  EXPECT_EQ(published(), std::vector<std::string>{kAlice + "/DEV1"});
}

TEST_P(OneTimeKeysOutputTest, ClaimPublishesForTheClaimedDevice) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), otk("A1"));
  uploadDevice(kBob, "DEV9", crypto::SigningKey::generate(), otk("B1"));
  ASSERT_EQ(published().size(), 2u);
  auto claimed = claim(kAlice, "DEV1");
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_TRUE(claimed->oneTimeKeys.contains(kAlice));
  auto all = published();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2], kAlice + "/DEV1");
}

TEST_P(OneTimeKeysOutputTest, FallbackKeyHandedOutPublishes) {
  ASSERT_TRUE(
      service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, {}, fallback("F1")).ok());
  ASSERT_EQ(published().size(), 1u);
  auto before = service().queryUnusedFallbackKeyTypes(ctx(), kAlice, "DEV1");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->size(), 1u);
  auto claimed = claim(kAlice, "DEV1");  // no one-time key: the fallback key is used
  ASSERT_TRUE(claimed.ok());
  ASSERT_TRUE(claimed->oneTimeKeys.contains(kAlice));
  EXPECT_TRUE(service().queryUnusedFallbackKeyTypes(ctx(), kAlice, "DEV1")->empty());
  EXPECT_EQ(published(), (std::vector<std::string>{kAlice + "/DEV1", kAlice + "/DEV1"}));
}

TEST_P(OneTimeKeysOutputTest, ClaimOfNothingPublishesNothing) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  auto claimed = claim(kAlice, "DEV1");
  ASSERT_TRUE(claimed.ok());
  EXPECT_FALSE(claimed->oneTimeKeys.contains(kAlice));
  EXPECT_TRUE(published().empty());
}

TEST_P(OneTimeKeysOutputTest, DeviceDeletionPublishes) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), otk("A1"));
  // One-time keys of a device that never uploaded device keys go too.
  ASSERT_TRUE(service().performUploadKeys(ctx(), kAlice, "DEV2", std::nullopt, otk("A2"), {}).ok());
  ASSERT_EQ(published().size(), 2u);
  ASSERT_TRUE(service().performDeleteDeviceKeys(ctx(), kAlice, {"DEV1", "DEV2"}).ok());
  auto all = published();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[2], kAlice + "/DEV1");
  EXPECT_EQ(all[3], kAlice + "/DEV2");
  EXPECT_EQ(service().queryOneTimeKeyCounts(ctx(), kAlice, "DEV2")->at("signed_curve25519"), 0);
}

TEST_P(OneTimeKeysOutputTest, UserDeletionPublishesForEveryDevice) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), otk("A1"));
  ASSERT_TRUE(service().performDeleteUserKeys(ctx(), kAlice).ok());
  auto all = published();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], kAlice + "/");  // empty device: all of the user's devices
}

TEST_P(OneTimeKeysOutputTest, FailedUploadPublishesNothing) {
  auto key = crypto::SigningKey::generate();
  uploadDevice(kAlice, "DEV1", key, otk("A1"));
  ASSERT_EQ(published().size(), 1u);
  // A2 is new but A1 conflicts: the transaction rolls back with its message.
  json::Object keys{{"signed_curve25519:A1", json::Object{{"key", "other"}}},
                    {"signed_curve25519:A2", json::Object{{"key", "otk-A2"}}}};
  EXPECT_FALSE(service().performUploadKeys(ctx(), kAlice, "DEV1", std::nullopt, keys, {}).ok());
  EXPECT_EQ(published().size(), 1u);
}

TEST_P(OneTimeKeysOutputTest, DeliveredToSubscribers) {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<OneTimeKeysChanged> got;
  auto sub = bus::subscribeTyped<OneTimeKeysChanged>(
      bus(), "test", [&](const OneTimeKeysChanged& c, std::uint64_t) -> Status {
        std::lock_guard lock(mutex);
        got.push_back(c);
        cv.notify_all();
        return {};
      });
  ASSERT_TRUE(sub.ok());
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), otk("A1"));
  ASSERT_TRUE(claim(kAlice, "DEV1").ok());
  std::unique_lock lock(mutex);
  cv.wait_for(lock, std::chrono::seconds(5), [&] { return got.size() >= 2; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].userId, kAlice);
  EXPECT_EQ(got[1].deviceId, "DEV1");
}

// The node's default: sync-api asks the keyserver directly and nothing is enqueued.
class OneTimeKeysUnpublishedTest : public OneTimeKeysOutputTest {
 protected:
  KeyserverService::Options serviceOptions() override {
    publish_ = false;
    return OneTimeKeysOutputTest::serviceOptions();
  }
};

TEST_P(OneTimeKeysUnpublishedTest, NothingEnqueuedWithoutTheOption) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate(), otk("A1"), fallback("F1"));
  ASSERT_TRUE(claim(kAlice, "DEV1").ok());
  ASSERT_TRUE(service().performDeleteDeviceKeys(ctx(), kAlice, {"DEV1"}).ok());
  EXPECT_TRUE(published().empty());
}

TEST(OneTimeKeysChangedJson, RoundTrips) {
  auto back = OneTimeKeysChanged::fromJson(OneTimeKeysChanged{"@a:b", "DEV"}.toJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->userId, "@a:b");
  EXPECT_EQ(back->deviceId, "DEV");
  auto user = OneTimeKeysChanged::fromJson(OneTimeKeysChanged{"@a:b", ""}.toJson());
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE(user->deviceId.empty());
  EXPECT_FALSE(OneTimeKeysChanged::fromJson(json::Object{{"device_id", "DEV"}}).ok());
  EXPECT_FALSE(
      OneTimeKeysChanged::fromJson(json::Object{{"user_id", "@a:b"}, {"device_id", 3}}).ok());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(OneTimeKeysOutputTest);
PLEXUS_INSTANTIATE_DATABASE_TESTS(OneTimeKeysUnpublishedTest);

}  // namespace
}  // namespace plexus::keyserver::testing
