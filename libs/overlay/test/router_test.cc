// Router behaviour on small simulated networks (the simulator's Network drives real Routers):
// trees agree on their roots, the key-space ring closes, packets arrive with shortest or
// near-shortest paths, a cut link is routed around, and forged or malformed frames are dropped.
#include "plexus/overlay/router.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "router_wire.h"
#include "sim_graph.h"
#include "sim_network.h"

namespace plexus::overlay {
namespace {

constexpr Micros kSecond = 1'000'000;

NodeId keyOf(int i) {
  sim::SplitMix rng(static_cast<std::uint64_t>(i) * 977 + 3);
  NodeId id;
  for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng.next());
  return id;
}

struct Delivery {
  int node;
  NodeId source;
  std::string payload;
  int hops;
};

class RouterTest : public ::testing::Test {
 protected:
  void build(const sim::Graph& g) {
    RouterConfig config;
    config.signAnnouncements = false;
    net = std::make_unique<sim::Network>(config, 1, 0.0);
    graph = g;
    for (int i = 0; i < g.nodes; ++i) net->addNode(keyOf(i));
    for (auto [a, b] : g.edges) net->addLink(a, b, 2000);
    net->onDeliver([this](int node, const NodeId& src, std::string_view payload, int hops) {
      deliveries.push_back(Delivery{node, src, std::string(payload), hops});
    });
    for (int l = 0; l < net->linkCount(); ++l) net->setLinkUp(l, true);
    net->runUntil(60 * kSecond);
  }

  // Sends one datagram and returns the hops it took, or -1 when it did not arrive.
  int roundTrip(int from, int to) {
    deliveries.clear();
    net->router(from).send(net->key(to), "ping", net->now());
    net->runUntil(net->now() + 2 * kSecond);
    for (const auto& d : deliveries) {
      if (d.node == to && d.payload == "ping" && d.source == net->key(from)) return d.hops;
    }
    return -1;
  }

  sim::Graph graph;
  std::unique_ptr<sim::Network> net;
  std::vector<Delivery> deliveries;
};

TEST_F(RouterTest, EveryTreeAgreesOnTheHighestRankedRoot) {
  build(sim::barabasiAlbert(60, 2, 5));
  for (int t = 0; t < 3; ++t) {
    int best = 0;
    for (int i = 1; i < net->nodeCount(); ++i) {
      if (treeRank(t, net->key(i)) > treeRank(t, net->key(best))) best = i;
    }
    for (int i = 0; i < net->nodeCount(); ++i) {
      EXPECT_EQ(net->router(i).tree(t).root, net->key(best)) << "tree " << t << " node " << i;
    }
  }
}

TEST_F(RouterTest, KeySpaceNeighboursFormTheSortedRing) {
  build(sim::connectedRandomGeometric(80, 3));
  std::vector<int> order(static_cast<std::size_t>(net->nodeCount()));
  for (int i = 0; i < net->nodeCount(); ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return net->key(a) < net->key(b); });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const int next = order[(i + 1) % order.size()];
    ASSERT_TRUE(net->router(order[i]).successor());
    EXPECT_EQ(*net->router(order[i]).successor(), net->key(next));
    ASSERT_TRUE(net->router(next).predecessor());
    EXPECT_EQ(*net->router(next).predecessor(), net->key(order[i]));
  }
}

TEST_F(RouterTest, DeliversToEveryNodeOfALineAlongTheOnlyPath) {
  build(sim::line(12));
  for (int to = 1; to < 12; ++to) EXPECT_EQ(roundTrip(0, to), to) << "to " << to;
}

TEST_F(RouterTest, SecondPacketUsesLearntCoordinatesAndIsNoLongerThanTheFirst) {
  build(sim::grid(49));
  const auto dist = graph.distancesFrom(0);
  const int first = roundTrip(0, 48);
  ASSERT_GT(first, 0);
  const int second = roundTrip(0, 48);
  EXPECT_GE(second, dist[48]);
  EXPECT_LE(second, first);
  EXPECT_GT(net->router(0).cachedCoordinates(), 0u);
}

TEST_F(RouterTest, ReroutesAroundACutLink) {
  // A ring of 10: cutting the link on the short way forces the long way round.
  sim::Graph ring = sim::line(10);
  ring.edges.emplace_back(9, 0);
  ring.finish();
  build(ring);
  ASSERT_EQ(roundTrip(0, 2), 2);
  for (int l : net->linksOf(1)) {
    if (net->otherEnd(l, 1) == 2) net->setLinkUp(l, false);
  }
  net->runUntil(net->now() + 5 * kSecond);
  // The first packet may start on 0's stale coordinates for 2 (through 1), but must arrive.
  const int first = roundTrip(0, 2);
  EXPECT_GE(first, 8);
  EXPECT_LE(first, 10);
  // A packet from 2 teaches 0 its new coordinates; then the long way round is the only way.
  EXPECT_EQ(roundTrip(2, 0), 8);
  EXPECT_EQ(roundTrip(0, 2), 8);
}

TEST_F(RouterTest, ANodeThatLeavesIsRoutedAroundAndTheRootMovesOn) {
  build(sim::barabasiAlbert(40, 2, 9));
  int root = 0;
  for (int i = 0; i < net->nodeCount(); ++i) {
    if (net->router(i).tree(0).root == net->key(i)) root = i;
  }
  net->setNodeOnline(root, false);
  net->runUntil(net->now() + 10 * kSecond);
  int delivered = 0, tried = 0;
  for (int a = 0; a < net->nodeCount(); a += 3) {
    const int b = (a + 7) % net->nodeCount();
    if (a == root || b == root || a == b) continue;
    ++tried;
    delivered += roundTrip(a, b) > 0 ? 1 : 0;
  }
  EXPECT_EQ(delivered, tried);
  for (int i = 0; i < net->nodeCount(); ++i) {
    if (i == root) continue;
    EXPECT_NE(net->router(i).tree(0).root, net->key(root));
  }
}

class RecordingHost : public RouterHost {
 public:
  void sendFrame(Port, RouterFrame, std::string, bool) override { ++sent; }
  void deliver(const NodeId&, std::string_view, int) override {}
  void penalise(Port, int points) override { penalty += points; }
  int sent = 0;
  int penalty = 0;
};

TEST(RouterTimerTest, ANodeLeftWithoutPeersHasNoTimerDueNow) {
  // A key-space search falls due after the last peer went: the timer must move on (or go
  // away), not stay due at the same instant — a node's event loop would spin on it.
  RecordingHost host;
  RouterConfig config;
  config.signAnnouncements = false;
  Router router(config, keyOf(1), host, {});
  router.addPeer(1, keyOf(2), 0);
  router.removePeer(1, kSecond / 10);
  Micros now = kSecond;  // past the first search, scheduled half a second after the link
  for (int i = 0; i < 5; ++i) {
    const Micros due = router.nextTimer();
    if (due > 100 * 3600 * kSecond) break;  // nothing scheduled soon
    now = std::max(now, due);
    router.onTimer(now);
    EXPECT_GT(router.nextTimer(), now) << "timer still due at " << now << " after firing";
  }
}

TEST(RouterInputTest, MalformedAndForgedFramesArePenalisedNotFatal) {
  RecordingHost host;
  RouterConfig config;
  config.signAnnouncements = false;
  Router r(config, keyOf(1), host, AnnouncementSigner{});
  r.addPeer(1, keyOf(2), 0);
  r.onFrame(1, RouterFrame::kTraffic, "garbage", 1);
  r.onFrame(1, RouterFrame::kTreeAnnounce, std::string(5000, '\xff'), 2);
  EXPECT_GE(r.counters().droppedMalformed, 2u);
  // An announcement whose last hop is not the sending peer is forged.
  detail::TreeAnnounce forged;
  forged.tree = 0;
  forged.sequence = 9;
  forged.hops.push_back(detail::WireHop{keyOf(3), 4, std::string(64, '\0')});
  r.onFrame(1, RouterFrame::kTreeAnnounce, detail::encode(forged), 3);
  EXPECT_EQ(r.counters().droppedForged, 1u);
  EXPECT_GT(host.penalty, 0);
  EXPECT_EQ(r.tree(0).root, keyOf(1));  // nothing forged was believed
}

TEST(RouterInputTest, SignedAnnouncementsFromAnotherKeyAreRejected) {
  RecordingHost host;
  RouterConfig config;
  int verified = 0;
  AnnouncementSigner signer{[](std::string_view) { return std::string(64, 'x'); },
                            [&](const NodeId&, std::string_view, std::string_view sig) {
                              ++verified;
                              return sig == std::string(64, 'x');
                            }};
  Router r(config, keyOf(1), host, signer);
  r.addPeer(1, keyOf(2), 0);
  detail::TreeAnnounce a;
  a.tree = 0;
  a.sequence = 1;
  a.hops.push_back(detail::WireHop{keyOf(2), 7, std::string(64, 'y')});  // bad signature
  r.onFrame(1, RouterFrame::kTreeAnnounce, detail::encode(a), 1);
  EXPECT_EQ(r.counters().droppedForged, 1u);
  a.hops.back().signature = std::string(64, 'x');
  r.onFrame(1, RouterFrame::kTreeAnnounce, detail::encode(a), 2);
  EXPECT_EQ(r.counters().droppedForged, 1u);
  EXPECT_GE(verified, 2);
}

TEST(RouterWireTest, TrafficRoundTripsAndRejectsTrailingBytes) {
  detail::Traffic t;
  t.kind = detail::TrafficKind::kData;
  t.keyspace = true;
  t.destination = keyOf(1);
  t.source = keyOf(2);
  t.sourceCoords = {detail::TreeCoords{0, 42, {1, 2, 300}}};
  t.target = keyOf(3);
  t.avoid = keyOf(4);
  t.payload = "hello";
  const auto bytes = detail::encode(t);
  auto back = detail::decodeTraffic(bytes, 64, 1400);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sourceCoords, t.sourceCoords);
  EXPECT_EQ(back->avoid, t.avoid);
  EXPECT_EQ(back->payload, "hello");
  EXPECT_FALSE(detail::decodeTraffic(bytes + "x", 64, 1400));
  EXPECT_FALSE(detail::decodeTraffic(bytes, 64, 4));  // payload over the limit
}

}  // namespace
}  // namespace plexus::overlay
