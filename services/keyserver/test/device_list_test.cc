// KeyserverApi: the device-list stream (positions, /keys/changes) and its bus output.
#include <condition_variable>
#include <mutex>

#include "keyserver/api/output.h"
#include "keyserver_fixture.h"
#include "plexus/bus/typed_topic.h"

namespace plexus::keyserver::testing {
namespace {

const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";

class DeviceListTest : public KeyserverServiceTest {};

// Collects DeviceListUpdate messages from the bus.
class Collector {
 public:
  explicit Collector(bus::Bus& bus) {
    auto sub = bus::subscribeTyped<DeviceListUpdate>(
        bus, "test", [this](const DeviceListUpdate& u, std::uint64_t) -> Status {
          std::lock_guard lock(mutex_);
          updates_.push_back(u);
          cv_.notify_all();
          return {};
        });
    EXPECT_TRUE(sub.ok());
    if (sub.ok()) subscription_ = std::move(*sub);
  }
  // Waits (at most 5 s) until n updates arrived; returns what arrived.
  std::vector<DeviceListUpdate> waitFor(std::size_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return updates_.size() >= n; });
    return updates_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<DeviceListUpdate> updates_;
  std::unique_ptr<bus::Subscription> subscription_;
};

TEST_P(DeviceListTest, KeyChangesBetweenPositions) {
  auto p0 = service().queryDeviceListPosition(ctx());
  ASSERT_TRUE(p0.ok());
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  auto p1 = *service().queryDeviceListPosition(ctx());
  uploadDevice(kBob, "DEV9", crypto::SigningKey::generate());
  auto p2 = *service().queryDeviceListPosition(ctx());
  EXPECT_LT(*p0, p1);
  EXPECT_LT(p1, p2);

  auto all = service().queryKeyChanges(ctx(), kAlice, *p0, p2);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->changed, (std::vector<std::string>{kAlice, kBob}));
  auto later = service().queryKeyChanges(ctx(), kAlice, p1, p2);
  EXPECT_EQ(later->changed, std::vector<std::string>{kBob});
  EXPECT_TRUE(service().queryKeyChanges(ctx(), kAlice, p2, p2)->changed.empty());
  EXPECT_FALSE(service().queryKeyChanges(ctx(), kAlice, p2, p1).ok());
}

TEST_P(DeviceListTest, CrossSigningAndDeletionAreChanges) {
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  auto p1 = *service().queryDeviceListPosition(ctx());
  auto master = crypto::SigningKey::generate();
  ASSERT_TRUE(service()
                  .performUploadCrossSigningKeys(
                      ctx(), kAlice, {crossSigningKey(kAlice, "master", master), {}, {}})
                  .ok());
  auto p2 = *service().queryDeviceListPosition(ctx());
  EXPECT_GT(p2, p1);
  ASSERT_TRUE(service().performDeleteDeviceKeys(ctx(), kAlice, {"DEV1"}).ok());
  auto p3 = *service().queryDeviceListPosition(ctx());
  EXPECT_GT(p3, p2);
  EXPECT_EQ(service().queryKeyChanges(ctx(), kBob, p2, p3)->changed,
            std::vector<std::string>{kAlice});
}

TEST_P(DeviceListTest, PublishesDeviceListUpdatesAfterCommit) {
  Collector collector(bus());
  uploadDevice(kAlice, "DEV1", crypto::SigningKey::generate());
  ASSERT_TRUE(service().performDeleteDeviceKeys(ctx(), kAlice, {"DEV1"}).ok());
  auto updates = collector.waitFor(2);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0].userId, kAlice);
  EXPECT_EQ(updates[0].deviceId, "DEV1");
  EXPECT_FALSE(updates[0].deleted);
  EXPECT_TRUE(updates[1].deleted);
  EXPECT_LT(updates[0].streamPosition, updates[1].streamPosition);
  EXPECT_EQ(updates[1].streamPosition, *service().queryDeviceListPosition(ctx()));
}

TEST_P(DeviceListTest, FailedUploadPublishesNothing) {
  Collector collector(bus());
  auto bad = deviceKeys(kAlice, "DEV1", crypto::SigningKey::generate());
  bad.set("user_id", kBob);
  EXPECT_FALSE(service().performUploadKeys(ctx(), kAlice, "DEV1", bad, {}, {}).ok());
  uploadDevice(kBob, "DEV2", crypto::SigningKey::generate());
  auto updates = collector.waitFor(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].userId, kBob);
}

TEST(DeviceListUpdateJson, RoundTrips) {
  DeviceListUpdate u{"@a:b", "DEV", 42, true};
  auto back = DeviceListUpdate::fromJson(u.toJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->userId, "@a:b");
  EXPECT_EQ(back->deviceId, "DEV");
  EXPECT_EQ(back->streamPosition, 42);
  EXPECT_TRUE(back->deleted);
  EXPECT_FALSE(DeviceListUpdate::fromJson(json::Object{{"user_id", 3}}).ok());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(DeviceListTest);

}  // namespace
}  // namespace plexus::keyserver::testing
