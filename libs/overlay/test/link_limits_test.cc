// LinkLimits: bursts within the bucket pass, a flood is dropped and then disconnected, the rate
// refills with time, penalties add up and decay.
#include "plexus/overlay/link_limits.h"

#include <gtest/gtest.h>

namespace plexus::overlay {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

LinkLimitsConfig smallConfig() {
  LinkLimitsConfig config;
  config.framesPerSecond = 100;
  config.bytesPerSecond = 100'000;
  config.burstSeconds = 2;
  config.overRatePoints = 1;
  config.disconnectScore = 50;
  config.scoreDecayPerSecond = 5;
  return config;
}

TEST(LinkLimitsTest, FloodIsDroppedThenDisconnected) {
  LinkLimits limits(smallConfig(), 0);
  int accepted = 0, dropped = 0;
  LimitDecision last = LimitDecision::kAccept;
  for (int i = 0; i < 1000 && last != LimitDecision::kDisconnect; ++i) {
    last = limits.onFrame(10, 0);  // all at the same instant
    if (last == LimitDecision::kAccept) ++accepted;
    if (last == LimitDecision::kDrop) ++dropped;
  }
  EXPECT_EQ(accepted, 200);  // two seconds of burst
  EXPECT_EQ(dropped, 49);
  EXPECT_EQ(last, LimitDecision::kDisconnect);
  EXPECT_EQ(limits.droppedFrames(), 50u);
}

TEST(LinkLimitsTest, SteadyTrafficAtTheRateIsAccepted) {
  LinkLimits limits(smallConfig(), 0);
  // 100 frames per second for a minute: every one accepted.
  for (std::int64_t i = 0; i < 6000; ++i) {
    ASSERT_EQ(limits.onFrame(100, i * kSecond / 100), LimitDecision::kAccept) << i;
  }
}

TEST(LinkLimitsTest, ByteRateIsEnforcedToo) {
  LinkLimits limits(smallConfig(), 0);
  EXPECT_EQ(limits.onFrame(150'000, 0), LimitDecision::kAccept);
  EXPECT_EQ(limits.onFrame(60'000, 0), LimitDecision::kDrop);
  EXPECT_EQ(limits.onFrame(60'000, kSecond), LimitDecision::kAccept);  // refilled 100 KB
}

TEST(LinkLimitsTest, PenaltiesAccumulateAndDecay) {
  LinkLimits limits(smallConfig(), 0);
  EXPECT_EQ(limits.penalise(30, 0), LimitDecision::kAccept);
  EXPECT_DOUBLE_EQ(limits.score(2 * kSecond), 20);
  EXPECT_EQ(limits.penalise(20, 2 * kSecond), LimitDecision::kAccept);
  EXPECT_EQ(limits.penalise(10, 2 * kSecond), LimitDecision::kDisconnect);
  EXPECT_DOUBLE_EQ(limits.score(100 * kSecond), 0);
}

TEST(LinkLimitsTest, DefaultsAreGenerousForRealUse) {
  LinkLimits limits(LinkLimitsConfig{}, 0);
  // One second of 2,000 frames of 1 KiB each (2 MiB/s) is nowhere near the defaults.
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(limits.onFrame(1024, i * (kSecond / 2000)), LimitDecision::kAccept);
  }
}

}  // namespace
}  // namespace plexus::overlay
