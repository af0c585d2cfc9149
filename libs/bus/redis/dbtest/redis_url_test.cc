// parseRedisUrl / redactedRedisUrl: every part of the URL, and refusals of malformed ones.
// (No Redis server needed.)
#include <gtest/gtest.h>

#include "plexus/bus/redis_streams_bus.h"

namespace plexus::bus {
namespace {

TEST(RedisUrlTest, ReadsHostPortDatabaseAndCredentials) {
  auto o = parseRedisUrl("redis://bus:s3cret@redis.internal:6380/2");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o.value().host, "redis.internal");
  EXPECT_EQ(o.value().port, 6380);
  EXPECT_EQ(o.value().db, 2);
  EXPECT_EQ(o.value().username, "bus");
  EXPECT_EQ(o.value().password, "s3cret");
}

TEST(RedisUrlTest, DefaultsAndPasswordOnly) {
  auto o = parseRedisUrl("redis://:pw@127.0.0.1");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o.value().port, 6379);
  EXPECT_EQ(o.value().db, 0);
  EXPECT_EQ(o.value().username, "");
  EXPECT_EQ(o.value().password, "pw");
  auto v6 = parseRedisUrl("redis://[::1]:7000/");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6.value().host, "::1");
  EXPECT_EQ(v6.value().port, 7000);
}

TEST(RedisUrlTest, RefusesMalformedUrls) {
  for (const char* bad : {"http://redis", "redis://", "redis://h:notaport", "redis://h:70000",
                          "redis://h/x", "redis://[::1"}) {
    EXPECT_FALSE(parseRedisUrl(bad).ok()) << bad;
  }
}

TEST(RedisUrlTest, RedactsThePassword) {
  EXPECT_EQ(redactedRedisUrl("redis://bus:s3cret@h:1/0"), "redis://bus:***@h:1/0");
  EXPECT_EQ(redactedRedisUrl("redis://s3cret@h"), "redis://***@h");
  EXPECT_EQ(redactedRedisUrl("redis://h:1"), "redis://h:1");
}

}  // namespace
}  // namespace plexus::bus
