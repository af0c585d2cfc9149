// PeerManager (src/peer_manager.h): bootstrap peers are dialled at once, redialled with capped,
// jittered exponential backoff after failures, soon after an open link closes, and parked while
// a link to their key exists either way round.
#include "peer_manager.h"

#include <gtest/gtest.h>

#include <limits>

namespace plexus::overlay {
namespace {

constexpr std::int64_t kMs = 1000;

TEST(PeerManagerTest, DialsAtOnceThenBacksOffExponentiallyUpToTheCap) {
  PeerManager peers(1, 100 * kMs, 800 * kMs, 0.2, 7);
  auto none = [](const crypto::PublicKey&) { return false; };
  EXPECT_EQ(peers.due(0, none), std::vector<std::size_t>{0});
  EXPECT_TRUE(peers.due(0, none).empty());  // dialling: not due twice
  EXPECT_EQ(peers.nextDueUs(), std::numeric_limits<std::int64_t>::max());

  std::int64_t now = 0;
  const std::int64_t expected[] = {100, 200, 400, 800, 800, 800};
  for (std::int64_t base : expected) {
    peers.attemptFailed(0, now);
    const std::int64_t delay = peers.nextDueUs() - now;
    EXPECT_GE(delay, base * kMs * 8 / 10) << "base " << base;
    EXPECT_LE(delay, base * kMs * 12 / 10) << "base " << base;
    EXPECT_TRUE(peers.due(peers.nextDueUs() - 1, none).empty());
    now = peers.nextDueUs();
    EXPECT_EQ(peers.due(now, none).size(), 1u);
  }
}

TEST(PeerManagerTest, RedialsSoonAfterALinkClosesAndParksWhileLinkedOtherwise) {
  PeerManager peers(1, 100 * kMs, 10'000 * kMs, 0, 7);
  const auto key = crypto::SigningKey::generate().publicKey();
  bool linked = false;
  auto haveLink = [&](const crypto::PublicKey& k) { return linked && k == key; };
  ASSERT_EQ(peers.due(0, haveLink).size(), 1u);
  for (int i = 0; i < 5; ++i) {
    peers.attemptFailed(0, 0);
    ASSERT_EQ(peers.due(peers.nextDueUs(), haveLink).size(), 1u);
  }
  peers.opened(0, key);
  EXPECT_EQ(peers.failures(0), 0);
  peers.closed(0, 1000 * kMs);
  EXPECT_EQ(peers.nextDueUs(), 1100 * kMs);  // back to the initial delay

  linked = true;  // the peer dialled us meanwhile
  EXPECT_TRUE(peers.due(1100 * kMs, haveLink).empty());
  EXPECT_EQ(peers.nextDueUs(), std::numeric_limits<std::int64_t>::max());
  linked = false;
  peers.keyUnlinked(key, 2000 * kMs);
  EXPECT_EQ(peers.due(2100 * kMs, haveLink).size(), 1u);
}

}  // namespace
}  // namespace plexus::overlay
