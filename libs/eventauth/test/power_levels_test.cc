// Unit tests for PowerLevels, parsePowerLevel and PowerLevelsCache.
#include "plexus/eventauth/power_levels.h"

#include <gtest/gtest.h>

#include "test_events.h"

namespace plexus::eventauth {
namespace {

using testing::makePdu;

const events::RoomVersion& version(std::string_view id) { return *events::findRoomVersion(id); }

TEST(ParsePowerLevelTest, AcceptsIntegersInEveryVersion) {
  for (const events::RoomVersion& v : events::supportedRoomVersions()) {
    EXPECT_EQ(parsePowerLevel(json::Value(42), v), 42) << v.id;
    EXPECT_EQ(parsePowerLevel(json::Value(-3), v), -3) << v.id;
  }
}

TEST(ParsePowerLevelTest, AcceptsIntegerStringsBeforeV10) {
  const auto& v9 = version("9");
  EXPECT_EQ(parsePowerLevel(json::Value("50"), v9), 50);
  EXPECT_EQ(parsePowerLevel(json::Value(" +050 "), v9), 50);
  EXPECT_EQ(parsePowerLevel(json::Value("-7"), v9), -7);
  EXPECT_EQ(parsePowerLevel(json::Value("000100"), v9), 100);
  EXPECT_EQ(parsePowerLevel(json::Value("\t12\n"), v9), 12);
}

TEST(ParsePowerLevelTest, RejectsMalformedStrings) {
  const auto& v9 = version("9");
  for (const char* bad :
       {"", " ", "+", "-", "1e2", "10.0", "1 0", "+-1", "0x10", "abc", "99999999999999999999"}) {
    EXPECT_FALSE(parsePowerLevel(json::Value(bad), v9).has_value()) << "'" << bad << "'";
  }
}

TEST(ParsePowerLevelTest, HandlesInt64Extremes) {
  const auto& v9 = version("9");
  EXPECT_EQ(parsePowerLevel(json::Value("-9223372036854775808"), v9),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parsePowerLevel(json::Value("9223372036854775807"), v9),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_FALSE(parsePowerLevel(json::Value("9223372036854775808"), v9).has_value());
}

TEST(ParsePowerLevelTest, RejectsStringsFromV10) {
  EXPECT_FALSE(parsePowerLevel(json::Value("50"), version("10")).has_value());
  EXPECT_FALSE(parsePowerLevel(json::Value("50"), version("12")).has_value());
}

TEST(ParsePowerLevelTest, TruncatesFloatsOnlyWhereFloatsExist) {
  EXPECT_EQ(parsePowerLevel(json::Value(50.9), version("1")), 50);
  EXPECT_EQ(parsePowerLevel(json::Value(-1.5), version("5")), -1);
  EXPECT_FALSE(parsePowerLevel(json::Value(50.9), version("6")).has_value());
  EXPECT_FALSE(parsePowerLevel(json::Value(1e300), version("1")).has_value());
}

TEST(ParsePowerLevelTest, RejectsOtherTypes) {
  const auto& v1 = version("1");
  EXPECT_FALSE(parsePowerLevel(json::Value(true), v1).has_value());
  EXPECT_FALSE(parsePowerLevel(json::Value(nullptr), v1).has_value());
  EXPECT_FALSE(parsePowerLevel(json::Value(json::Object{}), v1).has_value());
}

TEST(PowerLevelsTest, DefaultsWithoutPowerLevelsEventGiveContentCreator100BeforeV11) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@carol:example.org"}})",
                        "10");
  auto levels = PowerLevels::fromState(create, nullptr);
  ASSERT_TRUE(levels.ok());
  EXPECT_FALSE(levels->hasPowerLevelsEvent());
  EXPECT_EQ(levels->userLevel("@carol:example.org"), 100);
  EXPECT_EQ(levels->userLevel("@alice:example.org"), 0);
  EXPECT_EQ(levels->eventLevel("m.room.name", true), 50);
  EXPECT_EQ(levels->eventLevel("m.room.message", false), 0);
  EXPECT_EQ(levels->ban(), 50);
  EXPECT_EQ(levels->kick(), 50);
  EXPECT_EQ(levels->redact(), 50);
  EXPECT_EQ(levels->invite(), 0);
  EXPECT_EQ(levels->notificationLevel("room"), 50);
}

TEST(PowerLevelsTest, DefaultsWithoutPowerLevelsEventGiveSender100FromV11) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@carol:example.org"}})",
                        "11");
  auto levels = PowerLevels::fromState(create, nullptr);
  ASSERT_TRUE(levels.ok());
  EXPECT_EQ(levels->userLevel("@alice:example.org"), 100);
  EXPECT_EQ(levels->userLevel("@carol:example.org"), 0);
  EXPECT_FALSE(levels->isCreator("@alice:example.org"));  // no infinite power before v12
}

TEST(PowerLevelsTest, ReadsPowerLevelsContent) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "10");
  auto pl = makePdu(R"({"event_id":"$pl","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{"ban":70,"kick":60,"invite":10,"redact":20,
      "events_default":5,"state_default":40,"users_default":3,
      "events":{"m.room.name":80},"notifications":{"room":90},
      "users":{"@alice:example.org":100,"@bob:example.org":42}}})",
                    "10");
  auto levels = PowerLevels::fromState(create, &pl);
  ASSERT_TRUE(levels.ok()) << levels.error().message;
  EXPECT_TRUE(levels->hasPowerLevelsEvent());
  EXPECT_EQ(levels->ban(), 70);
  EXPECT_EQ(levels->kick(), 60);
  EXPECT_EQ(levels->invite(), 10);
  EXPECT_EQ(levels->redact(), 20);
  EXPECT_EQ(levels->eventsDefault(), 5);
  EXPECT_EQ(levels->stateDefault(), 40);
  EXPECT_EQ(levels->usersDefault(), 3);
  EXPECT_EQ(levels->userLevel("@bob:example.org"), 42);
  EXPECT_EQ(levels->userLevel("@zed:example.org"), 3);
  EXPECT_EQ(levels->eventLevel("m.room.name", true), 80);
  EXPECT_EQ(levels->eventLevel("m.room.name", false), 80);
  EXPECT_EQ(levels->eventLevel("m.room.topic", true), 40);
  EXPECT_EQ(levels->eventLevel("m.room.message", false), 5);
  EXPECT_EQ(levels->notificationLevel("room"), 90);
  EXPECT_EQ(levels->notificationLevel("other"), 50);
}

TEST(PowerLevelsTest, PowerLevelsEventRemovesTheImplicitCreatorLevel) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{}})",
                        "11");
  auto pl = makePdu(R"({"event_id":"$pl","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{}})",
                    "11");
  auto levels = PowerLevels::fromState(create, &pl);
  ASSERT_TRUE(levels.ok());
  EXPECT_EQ(levels->userLevel("@alice:example.org"), 0);
}

TEST(PowerLevelsTest, RejectsNonIntegerValuesFromV10) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "10");
  for (const char* content : {R"({"ban":"50"})", R"({"users":{"@a:b.c":"1"}})", R"({"events":[]})",
                              R"({"notifications":{"room":true}})"}) {
    auto pl = makePdu(std::string(R"({"event_id":"$pl","type":"m.room.power_levels",
        "state_key":"","sender":"@alice:example.org","content":)") +
                          content + "}",
                      "10");
    auto levels = PowerLevels::fromState(create, &pl);
    ASSERT_FALSE(levels.ok()) << content;
    EXPECT_EQ(levels.error().code, ErrorCode::kBadJson);
  }
}

TEST(PowerLevelsTest, FallsBackToDefaultsForUnparseableValuesBeforeV10) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "9");
  auto pl = makePdu(R"({"event_id":"$pl","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{"ban":"lots","kick":"60","events":[],
      "users":{"@alice:example.org":"100","@bob:example.org":{}}}})",
                    "9");
  auto levels = PowerLevels::fromState(create, &pl);
  ASSERT_TRUE(levels.ok()) << levels.error().message;
  EXPECT_EQ(levels->ban(), 50);
  EXPECT_EQ(levels->kick(), 60);
  EXPECT_EQ(levels->userLevel("@alice:example.org"), 100);
  EXPECT_EQ(levels->userLevel("@bob:example.org"), 0);
}

TEST(PowerLevelsTest, V12CreatorsHaveInfinitePower) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org",
      "content":{"additional_creators":["@bob:other.org","@bob:other.org","@carol:x.org"]}})",
                        "12");
  auto pl = makePdu(R"({"event_id":"$pl","type":"m.room.power_levels","state_key":"",
      "room_id":"!c","sender":"@alice:example.org",
      "content":{"users":{"@dave:example.org":9007199254740991}}})",
                    "12");
  for (const events::Pdu* plEvent :
       {static_cast<const events::Pdu*>(nullptr), static_cast<const events::Pdu*>(&pl)}) {
    auto levels = PowerLevels::fromState(create, plEvent);
    ASSERT_TRUE(levels.ok());
    EXPECT_EQ(levels->userLevel("@alice:example.org"), kCreatorPowerLevel);
    EXPECT_EQ(levels->userLevel("@bob:other.org"), kCreatorPowerLevel);
    EXPECT_TRUE(levels->isCreator("@carol:x.org"));
    EXPECT_EQ(levels->creators().size(), 3u);
    EXPECT_EQ(levels->creators().front(), "@alice:example.org");
    EXPECT_LT(levels->userLevel("@dave:example.org"), kCreatorPowerLevel);
    EXPECT_EQ(levels->userLevel("@erin:example.org"), 0);
  }
}

TEST(PowerLevelsTest, AdditionalCreatorsAreIgnoredBeforeV12) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"additional_creators":["@bob:other.org"]}})",
                        "11");
  auto levels = PowerLevels::fromState(create, nullptr);
  ASSERT_TRUE(levels.ok());
  EXPECT_FALSE(levels->isCreator("@bob:other.org"));
  EXPECT_EQ(levels->userLevel("@bob:other.org"), 0);
  EXPECT_TRUE(levels->creators().empty());
}

TEST(PowerLevelsCacheTest, BuildsOncePerCreateAndPowerLevelsPair) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "10");
  auto pl1 = makePdu(R"({"event_id":"$pl1","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{"users":{"@bob:example.org":1}}})",
                     "10");
  auto pl2 = makePdu(R"({"event_id":"$pl2","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{"users":{"@bob:example.org":2}}})",
                     "10");
  PowerLevelsCache cache;
  for (int i = 0; i < 3; ++i) {
    auto a = cache.get(create, &pl1);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ((*a)->userLevel("@bob:example.org"), 1);
    auto b = cache.get(create, &pl2);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ((*b)->userLevel("@bob:example.org"), 2);
    auto none = cache.get(create, nullptr);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ((*none)->userLevel("@alice:example.org"), 100);
  }
  EXPECT_EQ(cache.misses(), 3u);
}

TEST(PowerLevelsCacheTest, EvictsRoundRobinAndRebuilds) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "10");
  std::vector<events::Pdu> pls;
  for (int i = 0; i < 6; ++i) {
    pls.push_back(makePdu(R"({"event_id":"$pl)" + std::to_string(i) +
                              R"(","type":"m.room.power_levels","state_key":"",
        "sender":"@alice:example.org","content":{"users":{"@bob:example.org":)" +
                              std::to_string(i) + "}}}",
                          "10"));
  }
  PowerLevelsCache cache;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 6; ++i) {
      auto levels = cache.get(create, &pls[i]);
      ASSERT_TRUE(levels.ok());
      EXPECT_EQ((*levels)->userLevel("@bob:example.org"), i);
    }
  }
  EXPECT_EQ(cache.misses(), 12u);
}

TEST(PowerLevelsCacheTest, DoesNotCacheErrors) {
  auto create = makePdu(R"({"event_id":"$c","type":"m.room.create","state_key":"",
      "sender":"@alice:example.org","content":{"creator":"@alice:example.org"}})",
                        "10");
  auto bad = makePdu(R"({"event_id":"$pl","type":"m.room.power_levels","state_key":"",
      "sender":"@alice:example.org","content":{"ban":"x"}})",
                     "10");
  PowerLevelsCache cache;
  EXPECT_FALSE(cache.get(create, &bad).ok());
  EXPECT_FALSE(cache.get(create, &bad).ok());
}

}  // namespace
}  // namespace plexus::eventauth
