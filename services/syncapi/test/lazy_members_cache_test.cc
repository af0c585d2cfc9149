// LazyMembersCache: kept sets are trusted only for the request that continues from the token
// last delivered to the device; any other token, an initial sync or forget() drops them.
#include "syncapi/impl/lazy_members_cache.h"

#include <gtest/gtest.h>

namespace plexus::syncapi {
namespace {

using Members = LazyMembersCache::Members;

TEST(LazyMembersCacheTest, TrustedOnlyForTheTokenLastDelivered) {
  LazyMembersCache cache;
  EXPECT_EQ(cache.lookup("@u:x", "D", "s1", "!r"), std::nullopt);
  cache.remember("@u:x", "D", "s1", "!r", {"@a:x"});
  EXPECT_EQ(cache.lookup("@u:x", "D", "s1", "!r"),
            Members{"@a:x"});  // same request, another room pass
  cache.add("@u:x", "D", "!r", {"@b:x"});
  cache.delivered("@u:x", "D", "s1", "s2");
  EXPECT_EQ(cache.lookup("@u:x", "D", "s1", "!r"), std::nullopt);  // an old token: not trusted
  EXPECT_EQ(cache.lookup("@u:x", "D", "s2", "!r"), (Members{"@a:x", "@b:x"}));
  EXPECT_EQ(cache.lookup("@u:x", "D", "s2", "!other"), std::nullopt);
  EXPECT_EQ(cache.lookup("@u:x", "E", "s2", "!r"), std::nullopt);  // another device
  EXPECT_EQ(cache.lookup("@u:x", "D", "", "!r"), std::nullopt);    // an initial sync
}

TEST(LazyMembersCacheTest, ARequestFromAnotherTokenStartsAfresh) {
  LazyMembersCache cache;
  cache.remember("@u:x", "D", "s1", "!r", {"@a:x"});
  cache.delivered("@u:x", "D", "s1", "s2");
  // The device comes back with a token this replica never gave it (it moved, or started over).
  cache.remember("@u:x", "D", "s9", "!q", {"@c:x"});
  cache.delivered("@u:x", "D", "s9", "s10");
  EXPECT_EQ(cache.lookup("@u:x", "D", "s10", "!r"), std::nullopt);
  EXPECT_EQ(cache.lookup("@u:x", "D", "s10", "!q"), Members{"@c:x"});
  // A response built for a token other than the one kept throws the kept sets away.
  cache.delivered("@u:x", "D", "s4", "s11");
  EXPECT_EQ(cache.lookup("@u:x", "D", "s11", "!q"), std::nullopt);
}

TEST(LazyMembersCacheTest, AddKeepsOnlyRoomsAlreadyKnownAndForgetDropsTheDevice) {
  LazyMembersCache cache;
  cache.add("@u:x", "D", "!r", {"@a:x"});  // nothing known of the device: not kept
  cache.remember("@u:x", "D", "s1", "!r", {});
  cache.add("@u:x", "D", "!unknown", {"@a:x"});
  cache.delivered("@u:x", "D", "s1", "s2");
  EXPECT_EQ(cache.lookup("@u:x", "D", "s2", "!r"), Members{});
  EXPECT_EQ(cache.lookup("@u:x", "D", "s2", "!unknown"), std::nullopt);
  cache.forget("@u:x", "D");
  EXPECT_EQ(cache.lookup("@u:x", "D", "s2", "!r"), std::nullopt);
}

TEST(LazyMembersCacheTest, StaysWithinItsBound) {
  LazyMembersCache cache(10);
  for (int i = 0; i < 100; ++i) {
    std::string user = "@u" + std::to_string(i) + ":x";
    cache.remember(user, "D", "s1", "!r", {"@a:x"});
    cache.delivered(user, "D", "s1", "s2");
    EXPECT_EQ(cache.lookup(user, "D", "s2", "!r"), Members{"@a:x"});
  }
  int kept = 0;
  for (int i = 0; i < 100; ++i) {
    kept += cache.lookup("@u" + std::to_string(i) + ":x", "D", "s2", "!r").has_value() ? 1 : 0;
  }
  EXPECT_LE(kept, 10);
}

}  // namespace
}  // namespace plexus::syncapi
