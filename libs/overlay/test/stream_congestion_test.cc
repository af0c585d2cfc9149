// RttEstimator (stream_rtt.h, RFC 6298) and CongestionController (stream_congestion.h).
#include "plexus/overlay/stream_congestion.h"

#include <gtest/gtest.h>

#include "plexus/overlay/stream_rtt.h"

namespace plexus::overlay {
namespace {

TEST(StreamRttTest, FollowsRfc6298) {
  RttEstimator rtt(1'000'000, 200'000, 60'000'000);
  EXPECT_EQ(rtt.rtoUs(), 1'000'000);  // initial RTO before any sample
  rtt.sample(100'000);
  EXPECT_EQ(rtt.srttUs(), 100'000);   // SRTT = R
  EXPECT_EQ(rtt.rttVarUs(), 50'000);  // RTTVAR = R / 2
  EXPECT_EQ(rtt.rtoUs(), 300'000);    // SRTT + 4 * RTTVAR
  rtt.sample(200'000);
  EXPECT_EQ(rtt.rttVarUs(), (3 * 50'000 + 100'000) / 4);  // beta = 1/4
  EXPECT_EQ(rtt.srttUs(), (7 * 100'000 + 200'000) / 8);   // alpha = 1/8
}

TEST(StreamRttTest, ClampsAndBacksOff) {
  RttEstimator rtt(1'000'000, 200'000, 2'000'000);
  rtt.sample(1'000);
  EXPECT_EQ(rtt.rtoUs(), 200'000);  // lower bound
  rtt.backoff();
  EXPECT_EQ(rtt.rtoUs(), 400'000);
  rtt.backoff();
  rtt.backoff();
  rtt.backoff();
  EXPECT_EQ(rtt.rtoUs(), 2'000'000);  // upper bound
  rtt.resetBackoff();
  EXPECT_EQ(rtt.rtoUs(), 200'000);
}

TEST(StreamCongestionTest, SlowStartThenHalvesOncePerRecovery) {
  CongestionController cc;
  const std::uint64_t mss = CongestionController::kDatagram;
  EXPECT_EQ(cc.window(), 10 * mss);
  for (std::uint64_t pn = 0; pn < 10; ++pn) cc.onSent(mss);
  EXPECT_FALSE(cc.canSend(mss));
  for (std::uint64_t pn = 0; pn < 10; ++pn) cc.onAcked(pn, mss);
  EXPECT_EQ(cc.window(), 20 * mss);  // doubled in one round trip
  EXPECT_EQ(cc.bytesInFlight(), 0u);
  for (std::uint64_t pn = 10; pn < 30; ++pn) cc.onSent(mss);
  cc.onLost(12, mss, 30);
  EXPECT_EQ(cc.window(), 10 * mss);
  cc.onLost(15, mss, 30);  // same flight: no second cut
  EXPECT_EQ(cc.window(), 10 * mss);
  cc.onAcked(20, mss);  // sent before recovery: no growth
  EXPECT_EQ(cc.window(), 10 * mss);
  cc.onSent(mss);
  cc.onAcked(30, mss);  // sent after: congestion avoidance, sub-linear growth
  EXPECT_EQ(cc.window(), 10 * mss);
  for (std::uint64_t pn = 31; pn < 41; ++pn) {
    cc.onSent(mss);
    cc.onAcked(pn, mss);
  }
  EXPECT_EQ(cc.window(), 11 * mss);  // one datagram per window of ACKed bytes
  cc.onLost(50, mss, 60);
  EXPECT_LT(cc.window(), 11 * mss);
}

TEST(StreamCongestionTest, TimeoutCollapsesToTheMinimumWindow) {
  CongestionController cc;
  cc.onRetransmissionTimeout();
  EXPECT_EQ(cc.window(), CongestionController::kMinimumWindow);
  EXPECT_TRUE(cc.canSend(CongestionController::kDatagram));  // nothing in flight
}

}  // namespace
}  // namespace plexus::overlay
