// LinkFairQueue: control before traffic, byte-fair round robin across flows, per-flow and total
// caps with drops taken from the longest flow and counted by reason.
#include "plexus/overlay/link_fair_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace plexus::overlay {
namespace {

QueuedFrame frame(std::uint32_t flow, std::size_t bytes,
                  TrafficClass trafficClass = TrafficClass::kTraffic, std::uint8_t type = 16) {
  return QueuedFrame{type, std::string(bytes - 1, 'x'), trafficClass, flow};  // cost == bytes
}

TEST(LinkFairQueueTest, ControlGoesBeforeTraffic) {
  LinkFairQueue queue;
  ASSERT_TRUE(queue.push(frame(0, 100)));
  ASSERT_TRUE(queue.push(frame(3, 100)));
  ASSERT_TRUE(queue.push(frame(1, 50, TrafficClass::kControl, 20)));
  auto first = queue.pop();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->trafficClass, TrafficClass::kControl);
  EXPECT_EQ(first->type, 20);
  EXPECT_EQ(queue.frames(), 2u);
}

TEST(LinkFairQueueTest, FloodingFlowDoesNotStarveAnother) {
  LinkFairQueueLimits limits;
  limits.perFlowBytes = 1 << 20;
  limits.totalBytes = 4 << 20;
  limits.quantum = 1000;
  LinkFairQueue queue(limits);
  // Flow 1 floods 1000 frames of 1000 bytes; flow 2 has 100 small frames of 100 bytes.
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.push(frame(1, 1000)));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(queue.push(frame(2, 100)));
  // Within the first 20 KB sent, flow 2 gets about half the bytes.
  std::map<std::uint32_t, std::size_t> sent;
  std::size_t total = 0;
  while (total < 20000) {
    auto next = queue.pop();
    ASSERT_TRUE(next);
    sent[next->flow] += LinkFairQueue::cost(*next);
    total += LinkFairQueue::cost(*next);
  }
  EXPECT_GE(sent[2], 9000u);
  EXPECT_LE(sent[2], 11000u);
}

TEST(LinkFairQueueTest, SharesBytesNotFrames) {
  LinkFairQueueLimits limits;
  limits.quantum = 500;
  LinkFairQueue queue(limits);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(queue.push(frame(1, 1000)));
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(queue.push(frame(2, 100)));
  std::map<std::uint32_t, std::size_t> frames;
  for (int i = 0; i < 110; ++i) ++frames[queue.pop()->flow];
  // Equal bytes: roughly ten small frames per big one.
  EXPECT_NEAR(static_cast<double>(frames[2]) / frames[1], 10.0, 1.5);
}

TEST(LinkFairQueueTest, EmptiesCompletelyInFifoOrderPerFlow) {
  LinkFairQueue queue;
  for (int i = 0; i < 10; ++i) {
    QueuedFrame f = frame(i % 2, 10 + i);
    ASSERT_TRUE(queue.push(std::move(f)));
  }
  std::map<std::uint32_t, std::size_t> lastSize;
  int popped = 0;
  while (auto next = queue.pop()) {
    EXPECT_GT(next->payload.size(), lastSize[next->flow]);
    lastSize[next->flow] = next->payload.size();
    ++popped;
  }
  EXPECT_EQ(popped, 10);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(LinkFairQueueTest, PerFlowCapDropsTheNewFrame) {
  LinkFairQueueLimits limits;
  limits.perFlowBytes = 1000;
  LinkFairQueue queue(limits);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(queue.push(frame(1, 100)));
  EXPECT_FALSE(queue.push(frame(1, 100)));
  EXPECT_EQ(queue.drops(QueueDropReason::kFlowFull), 1u);
  EXPECT_TRUE(queue.push(frame(2, 100)));  // other flows are unaffected
  EXPECT_EQ(queue.flowBytes(TrafficClass::kTraffic, 1), 1000u);
}

TEST(LinkFairQueueTest, TotalCapEvictsFromTheLongestFlow) {
  LinkFairQueueLimits limits;
  limits.perFlowBytes = 10000;
  limits.totalBytes = 2000;
  LinkFairQueue queue(limits);
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(queue.push(frame(1, 100)));  // the hog
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.push(frame(2, 100)));
  ASSERT_EQ(queue.bytes(), 2000u);
  // A newcomer flow gets in; the hog pays.
  EXPECT_TRUE(queue.push(frame(3, 100)));
  EXPECT_EQ(queue.flowBytes(TrafficClass::kTraffic, 1), 1400u);
  EXPECT_EQ(queue.flowBytes(TrafficClass::kTraffic, 2), 500u);
  EXPECT_EQ(queue.drops(QueueDropReason::kQueueFull), 1u);
  // The hog itself cannot push more: its own new frame is the one dropped.
  EXPECT_FALSE(queue.push(frame(1, 100)));
  EXPECT_EQ(queue.flowBytes(TrafficClass::kTraffic, 1), 1400u);
  EXPECT_EQ(queue.drops(QueueDropReason::kQueueFull), 2u);
  EXPECT_EQ(queue.bytes(), 2000u);
}

TEST(LinkFairQueueTest, ControlFramesEvictTrafficButNotTheReverse) {
  LinkFairQueueLimits limits;
  limits.totalBytes = 1000;
  LinkFairQueue queue(limits);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(queue.push(frame(i, 100, TrafficClass::kControl)));
  EXPECT_FALSE(queue.push(frame(1, 100)));  // traffic never pushes control out
  EXPECT_EQ(queue.flowBytes(TrafficClass::kControl, 1), 100u);
  queue.clear();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(queue.push(frame(1, 100)));
  EXPECT_TRUE(queue.push(frame(0, 100, TrafficClass::kControl)));
  EXPECT_EQ(queue.flowBytes(TrafficClass::kTraffic, 1), 900u);
}

}  // namespace
}  // namespace plexus::overlay
