// serverOfUserId: the server part of a user ID, which decides where a PDU goes.
#include "federationsender/impl/room_servers.h"

#include <gtest/gtest.h>

namespace plexus::federationsender {
namespace {

TEST(ServerOfUserIdTest, TakesEverythingAfterTheFirstColon) {
  EXPECT_EQ(serverOfUserId("@alice:example.org"), "example.org");
  EXPECT_EQ(serverOfUserId("@alice:example.org:8448"), "example.org:8448");
  EXPECT_EQ(serverOfUserId("@a:[::1]:8448"), "[::1]:8448");
}

TEST(ServerOfUserIdTest, MalformedIdsHaveNoServer) {
  EXPECT_EQ(serverOfUserId(""), "");
  EXPECT_EQ(serverOfUserId("alice:example.org"), "");
  EXPECT_EQ(serverOfUserId("@alice"), "");
  EXPECT_EQ(serverOfUserId("@alice:"), "");
}

}  // namespace
}  // namespace plexus::federationsender
