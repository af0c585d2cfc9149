// GossipStore: signed records replace older versions, forgeries and expired or far-future
// records are refused, limits hold, and the wire format round-trips.
#include "plexus/overlay/gossip.h"

#include <gtest/gtest.h>

namespace plexus::overlay {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

crypto::SigningKey key(char c) { return *crypto::SigningKey::fromSeed(std::string(32, c)); }

TEST(GossipTest, NewerVersionReplacesOlderAndDuplicatesAreKnown) {
  GossipStore store;
  auto a = key('a');
  auto v1 =
      makeGossipRecord(GossipKind::kPublicRoom, "!r:x", R"({"name":"one"})", kNow - 10, 3600, a);
  auto v2 =
      makeGossipRecord(GossipKind::kPublicRoom, "!r:x", R"({"name":"two"})", kNow - 5, 3600, a);
  EXPECT_EQ(store.offer(v1, kNow), GossipStore::Offer::kNew);
  EXPECT_EQ(store.offer(v1, kNow), GossipStore::Offer::kKnown);
  EXPECT_EQ(store.offer(v2, kNow), GossipStore::Offer::kNew);
  EXPECT_EQ(store.offer(v1, kNow), GossipStore::Offer::kStale);
  auto rooms = store.records(GossipKind::kPublicRoom, kNow);
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].body, R"({"name":"two"})");
  EXPECT_TRUE(store.records(GossipKind::kProfile, kNow).empty());
}

TEST(GossipTest, ForgedOrAlteredRecordsAreRefused) {
  GossipStore store;
  auto r =
      makeGossipRecord(GossipKind::kProfile, "@u:x", R"({"displayname":"U"})", kNow, 60, key('a'));
  auto altered = r;
  altered.body = R"({"displayname":"Mallory"})";
  EXPECT_EQ(store.offer(altered, kNow), GossipStore::Offer::kInvalid);
  auto stolen = r;  // another author claiming the record
  stolen.author = *NodeId::fromBytes(key('b').publicKey().bytes());
  EXPECT_EQ(store.offer(stolen, kNow), GossipStore::Offer::kInvalid);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.offer(r, kNow), GossipStore::Offer::kNew);
}

TEST(GossipTest, LifetimeEndsAndFutureVersionsAreRefused) {
  GossipStore store;
  auto a = key('a');
  auto r = makeGossipRecord(GossipKind::kProfile, "@u:x", "{}", kNow, 60, a);
  EXPECT_EQ(store.offer(r, kNow), GossipStore::Offer::kNew);
  EXPECT_EQ(store.records(kNow + 59'000).size(), 1u);
  EXPECT_TRUE(store.records(kNow + 60'000).empty());
  store.expire(kNow + 60'000);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.offer(r, kNow + 61'000), GossipStore::Offer::kExpired);
  auto future = makeGossipRecord(GossipKind::kProfile, "@v:x", "{}", kNow + 3'600'000, 60, a);
  EXPECT_EQ(store.offer(future, kNow), GossipStore::Offer::kInvalid);
}

TEST(GossipTest, PerAuthorAndTotalLimitsHold) {
  GossipStore store(GossipLimits{.maxRecords = 5, .maxPerAuthor = 3});
  auto a = key('a');
  auto b = key('b');
  for (int i = 0; i < 4; ++i) {
    auto r =
        makeGossipRecord(GossipKind::kProfile, "@a" + std::to_string(i) + ":x", "{}", kNow, 60, a);
    EXPECT_EQ(store.offer(r, kNow), i < 3 ? GossipStore::Offer::kNew : GossipStore::Offer::kFull);
  }
  for (int i = 0; i < 3; ++i) {
    auto r =
        makeGossipRecord(GossipKind::kProfile, "@b" + std::to_string(i) + ":x", "{}", kNow, 60, b);
    EXPECT_EQ(store.offer(r, kNow), i < 2 ? GossipStore::Offer::kNew : GossipStore::Offer::kFull);
  }
  EXPECT_EQ(store.size(), 5u);
}

TEST(GossipTest, WireFormatRoundTripsAndRejectsGarbage) {
  auto r = makeGossipRecord(GossipKind::kPublicRoom, "!room:server", R"({"name":"n"})", kNow, 3600,
                            key('a'));
  auto bytes = encodeGossip(r);
  auto back = decodeGossip(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->body, r.body);
  EXPECT_EQ(back->signature, r.signature);
  GossipStore store;
  EXPECT_EQ(store.offer(*back, kNow), GossipStore::Offer::kNew);
  EXPECT_FALSE(decodeGossip(bytes + "x"));
  EXPECT_FALSE(decodeGossip(bytes.substr(0, bytes.size() - 1)));
  std::string badKind = bytes;
  badKind[0] = 9;
  EXPECT_FALSE(decodeGossip(badKind));
  EXPECT_FALSE(decodeGossip(""));
}

}  // namespace
}  // namespace plexus::overlay
