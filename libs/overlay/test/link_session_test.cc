// LinkSession with injected time: the handshake opens both sides, user frames flow, keepalives go
// out after the idle interval, a silent peer is declared dead, a flood closes the link, and
// closing is seen by the other side with its reason.
#include "plexus/overlay/link_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plexus::overlay {
namespace {

using crypto::SigningKey;
constexpr std::int64_t kSecond = 1'000'000;

class LinkSessionTest : public ::testing::Test {
 protected:
  void makePair(LinkOptions options = {}) {
    a_ = std::make_unique<LinkSession>(LinkRole::kInitiator, alice_, bob_.publicKey(), options,
                                       now_);
    b_ = std::make_unique<LinkSession>(LinkRole::kResponder, bob_, std::nullopt, options, now_);
  }
  // Delivers everything pending both ways until quiet; returns the user frames each side got.
  void exchange() {
    for (int i = 0; i < 10; ++i) {
      const std::string toB = a_->takeOutput(now_);
      const std::string toA = b_->takeOutput(now_);
      if (toA.empty() && toB.empty()) return;
      for (auto& f : b_->receive(toB, now_)) gotB_.push_back(std::move(f));
      for (auto& f : a_->receive(toA, now_)) gotA_.push_back(std::move(f));
    }
  }

  SigningKey alice_ = SigningKey::generate();
  SigningKey bob_ = SigningKey::generate();
  std::int64_t now_ = 1000 * kSecond;
  std::unique_ptr<LinkSession> a_, b_;
  std::vector<OpenedFrame> gotA_, gotB_;
};

TEST_F(LinkSessionTest, OpensAndCarriesUserFramesBothWays) {
  makePair();
  ASSERT_TRUE(a_->send(16, "queued before open", TrafficClass::kTraffic, 0));
  exchange();
  ASSERT_TRUE(a_->open());
  ASSERT_TRUE(b_->open());
  EXPECT_EQ(b_->remoteKey(), alice_.publicKey());
  ASSERT_TRUE(b_->send(200, "reply", TrafficClass::kControl, 0));
  exchange();
  ASSERT_EQ(gotB_.size(), 1u);
  EXPECT_EQ(gotB_[0].payload, "queued before open");
  ASSERT_EQ(gotA_.size(), 1u);
  EXPECT_EQ(gotA_[0].type, 200);
  EXPECT_EQ(a_->counters().framesOut[16], 1u);
  EXPECT_EQ(a_->counters().framesIn[200], 1u);
}

TEST_F(LinkSessionTest, RefusesLinkFrameTypesAndOversizePayloads) {
  makePair();
  EXPECT_FALSE(a_->send(kFrameClose, "x", TrafficClass::kControl, 0));
  EXPECT_FALSE(
      a_->send(16, std::string(kDefaultMaxFramePayload + 1, 'x'), TrafficClass::kTraffic, 0));
  EXPECT_EQ(a_->counters().rejectedSends, 2u);
}

TEST_F(LinkSessionTest, SendsKeepaliveAfterIdleInterval) {
  LinkOptions options;
  options.keepaliveIntervalUs = 20 * kSecond;
  options.deadAfterUs = 60 * kSecond;
  makePair(options);
  exchange();
  ASSERT_TRUE(a_->open() && b_->open());
  EXPECT_EQ(a_->nextDeadlineUs(), now_ + 20 * kSecond);
  now_ += 19 * kSecond;
  a_->tick(now_);
  EXPECT_FALSE(a_->hasOutput());
  now_ += kSecond;
  a_->tick(now_);
  ASSERT_TRUE(a_->hasOutput());
  exchange();
  EXPECT_EQ(b_->counters().framesIn[kFrameKeepalive], 1u);
  EXPECT_EQ(a_->nextDeadlineUs(), now_ + 20 * kSecond);
}

TEST_F(LinkSessionTest, KeepalivesKeepAnIdleLinkAliveForever) {
  makePair();
  exchange();
  for (int i = 0; i < 100; ++i) {  // 500 s of idleness in 5 s steps
    now_ += 5 * kSecond;
    a_->tick(now_);
    b_->tick(now_);
    exchange();
  }
  EXPECT_TRUE(a_->open());
  EXPECT_TRUE(b_->open());
  EXPECT_GE(a_->counters().framesOut[kFrameKeepalive], 20u);
}

TEST_F(LinkSessionTest, SilentPeerIsDeclaredDead) {
  makePair();
  exchange();
  // b stops talking (its output is never delivered); a keeps sending keepalives.
  for (int i = 0; i < 13 && a_->open(); ++i) {
    now_ += 5 * kSecond;
    a_->tick(now_);
    a_->takeOutput(now_);
  }
  ASSERT_TRUE(a_->closed());
  EXPECT_EQ(a_->endReason(), LinkEndReason::kPeerDead);
  EXPECT_EQ(now_, 1000 * kSecond + 60 * kSecond);
}

TEST_F(LinkSessionTest, HandshakeTimesOut) {
  LinkOptions options;
  options.handshakeTimeoutUs = 3 * kSecond;
  makePair(options);
  a_->takeOutput(now_);
  EXPECT_EQ(a_->nextDeadlineUs(), now_ + 3 * kSecond);
  a_->tick(now_ + 3 * kSecond - 1);
  EXPECT_FALSE(a_->closed());
  a_->tick(now_ + 3 * kSecond);
  ASSERT_TRUE(a_->closed());
  EXPECT_EQ(a_->endReason(), LinkEndReason::kHandshakeTimeout);
}

TEST_F(LinkSessionTest, CloseIsSeenByThePeerWithItsCode) {
  makePair();
  exchange();
  ASSERT_TRUE(a_->send(16, "queued before close", TrafficClass::kTraffic, 0));
  a_->close(LinkCloseCode::kShutdown);
  EXPECT_TRUE(a_->closed());
  EXPECT_FALSE(a_->send(16, "too late", TrafficClass::kTraffic, 0));
  exchange();
  ASSERT_TRUE(b_->closed());
  EXPECT_EQ(b_->endReason(), LinkEndReason::kPeerClosed);
  EXPECT_EQ(b_->peerCloseCode(), LinkCloseCode::kShutdown);
  ASSERT_EQ(gotB_.size(), 1u);
  EXPECT_EQ(gotB_[0].payload, "queued before close");
}

TEST_F(LinkSessionTest, FloodClosesTheLinkForMisbehaviour) {
  LinkOptions options;
  options.limits.framesPerSecond = 10;
  options.limits.burstSeconds = 1;
  options.limits.disconnectScore = 5;
  options.queue.totalBytes = 1 << 20;
  makePair(options);
  exchange();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(a_->send(16, "spam", TrafficClass::kTraffic, 0));
  exchange();
  EXPECT_EQ(gotB_.size(), 10u);
  EXPECT_EQ(b_->counters().droppedByLimits, 5u);
  ASSERT_TRUE(b_->closed());
  EXPECT_EQ(b_->endReason(), LinkEndReason::kMisbehaviour);
  ASSERT_TRUE(a_->closed());
  EXPECT_EQ(a_->peerCloseCode(), LinkCloseCode::kMisbehaviour);
}

TEST_F(LinkSessionTest, PenaltiesFromTheUserCloseTheLink) {
  makePair();
  exchange();
  EXPECT_EQ(b_->penalise(60, now_), LimitDecision::kAccept);
  EXPECT_EQ(b_->penalise(60, now_), LimitDecision::kDisconnect);
  EXPECT_EQ(b_->endReason(), LinkEndReason::kMisbehaviour);
}

TEST_F(LinkSessionTest, CorruptRecordIsAProtocolError) {
  makePair();
  exchange();
  ASSERT_TRUE(a_->send(16, "data", TrafficClass::kTraffic, 0));
  std::string wire = a_->takeOutput(now_);
  wire[5] = static_cast<char>(wire[5] ^ 0x20);
  b_->receive(wire, now_);
  ASSERT_TRUE(b_->closed());
  EXPECT_EQ(b_->endReason(), LinkEndReason::kProtocolError);
}

}  // namespace
}  // namespace plexus::overlay
