// DeviceTouchThrottle: the first touch of a device goes through, repeats within the interval
// from the same IP do not, a new IP or the interval's end does; devices are independent; the
// table stays within its bound.
#include "clientapi/impl/device_touch_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace plexus::clientapi {
namespace {

TEST(DeviceTouchThrottleTest, ForwardsTheFirstTouchThenOnlyAfterTheIntervalOrANewIp) {
  DeviceTouchThrottle throttle(60'000);
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV", "10.0.0.1", 1'000));
  EXPECT_FALSE(throttle.shouldForward("@a:x", "DEV", "10.0.0.1", 2'000));
  EXPECT_FALSE(throttle.shouldForward("@a:x", "DEV", "10.0.0.1", 60'999));
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV", "10.0.0.1", 61'000));
  EXPECT_FALSE(throttle.shouldForward("@a:x", "DEV", "10.0.0.1", 61'001));
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV", "10.0.0.2", 61'002));  // moved
  EXPECT_FALSE(throttle.shouldForward("@a:x", "DEV", "10.0.0.2", 61'003));
}

TEST(DeviceTouchThrottleTest, DevicesAndUsersAreKeptApart) {
  DeviceTouchThrottle throttle(60'000);
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV", "ip", 0));
  EXPECT_TRUE(throttle.shouldForward("@a:x", "OTHER", "ip", 0));
  EXPECT_TRUE(throttle.shouldForward("@b:x", "DEV", "ip", 0));
  // "@a:x" + "DEV2" must not collide with "@a:xD" + "EV2".
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV2", "ip", 0));
  EXPECT_TRUE(throttle.shouldForward("@a:xD", "EV2", "ip", 0));
  EXPECT_EQ(throttle.size(), 5u);
}

TEST(DeviceTouchThrottleTest, AClockThatWentBackForwardsAgain) {
  DeviceTouchThrottle throttle(60'000);
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV", "ip", 100'000));
  EXPECT_TRUE(throttle.shouldForward("@a:x", "DEV", "ip", 50'000));
  EXPECT_FALSE(throttle.shouldForward("@a:x", "DEV", "ip", 50'001));
}

TEST(DeviceTouchThrottleTest, TheTableStaysWithinItsBound) {
  DeviceTouchThrottle throttle(60'000, 100);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(throttle.shouldForward("@u" + std::to_string(i) + ":x", "D", "ip", 0));
    EXPECT_LE(throttle.size(), 100u);
  }
}

}  // namespace
}  // namespace plexus::clientapi
