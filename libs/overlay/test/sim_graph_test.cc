// The simulator's generators rebuild the reference graphs of shared/research/graphs exactly
// (their published SHA-256), so `plexus sim --topology ba|rgg` and the files agree.
#include "sim_graph.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

namespace plexus::overlay::sim {
namespace {

std::string edgeListSha256(const Graph& g) {
  std::string text;
  for (auto [a, b] : g.edges) text += std::to_string(a) + " " + std::to_string(b) + "\n";
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (auto b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

TEST(SimGraphTest, BarabasiAlbertMatchesTheReferenceGraph) {
  const Graph g = barabasiAlbert(1000, 2, 7);
  EXPECT_EQ(g.edges.size(), 1997u);
  EXPECT_TRUE(g.connected());
  EXPECT_EQ(edgeListSha256(g), "1ce1061b5b5691fbcd0fd79fcbaa7d2ba74a96545db83f2b03470e5431bc2eae");
}

TEST(SimGraphTest, RandomGeometricMatchesTheReferenceGraph) {
  const Graph g = randomGeometric(1000, 0.065, 7);
  EXPECT_EQ(g.edges.size(), 6350u);
  EXPECT_TRUE(g.connected());
  EXPECT_EQ(edgeListSha256(g), "ed06ef5ca9237a74058f8e2342a3ebd3aec5c0e5f3e1481f463c9d8273d10c54");
}

TEST(SimGraphTest, GeneratedTopologiesAreConnectedAndBreadthFirstDistancesAreRight) {
  for (const Graph& g :
       {grid(49), line(10), internetLike(400, 3), connectedRandomGeometric(300, 5)}) {
    EXPECT_TRUE(g.connected());
  }
  const Graph l = line(10);
  EXPECT_EQ(l.distancesFrom(0)[9], 9);
  const Graph sq = grid(49);
  EXPECT_EQ(sq.distancesFrom(0)[48], 12);
}

}  // namespace
}  // namespace plexus::overlay::sim
