// The room-version registry: every stable version 1-12 with the properties its spec page lists.
#include "plexus/events/room_version.h"

#include <gtest/gtest.h>

#include <string>

namespace plexus::events {
namespace {

const RoomVersion& v(int n) { return *findRoomVersion(std::to_string(n)); }

TEST(RoomVersionTest, SupportsVersionsOneToTwelveInOrder) {
  auto all = supportedRoomVersions();
  ASSERT_EQ(all.size(), 12u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].id, std::to_string(i + 1));
    EXPECT_TRUE(all[i].stable);
    EXPECT_EQ(findRoomVersion(all[i].id), &all[i]);
  }
  EXPECT_EQ(findRoomVersion("13"), nullptr);
  EXPECT_EQ(findRoomVersion(""), nullptr);
  EXPECT_EQ(findRoomVersion("org.matrix.msc2176"), nullptr);
}

TEST(RoomVersionTest, DefaultIsTwelve) { EXPECT_EQ(defaultRoomVersion().id, "12"); }

TEST(RoomVersionTest, EventIdFormatsChangeAtThreeAndFour) {
  EXPECT_EQ(v(1).eventIdFormat, EventIdFormat::kInEvent);
  EXPECT_EQ(v(2).eventIdFormat, EventIdFormat::kInEvent);
  EXPECT_EQ(v(3).eventIdFormat, EventIdFormat::kBase64Hash);
  for (int n = 4; n <= 12; ++n) EXPECT_EQ(v(n).eventIdFormat, EventIdFormat::kUrlSafeHash) << n;
  for (int n = 1; n <= 12; ++n) EXPECT_EQ(v(n).eventIdsInEvents, n <= 2) << n;
}

TEST(RoomVersionTest, StateResolutionAlgorithms) {
  EXPECT_EQ(v(1).stateRes, StateResAlgorithm::kV1);
  for (int n = 2; n <= 11; ++n) EXPECT_EQ(v(n).stateRes, StateResAlgorithm::kV2) << n;
  EXPECT_EQ(v(12).stateRes, StateResAlgorithm::kV2_1);
}

TEST(RoomVersionTest, RedactionRuleSets) {
  const RedactionRules expected[] = {
      RedactionRules::kV1, RedactionRules::kV1, RedactionRules::kV1, RedactionRules::kV1,
      RedactionRules::kV1, RedactionRules::kV6, RedactionRules::kV6, RedactionRules::kV8,
      RedactionRules::kV9, RedactionRules::kV9, RedactionRules::kV11, RedactionRules::kV11};
  for (int n = 1; n <= 12; ++n) EXPECT_EQ(v(n).redaction, expected[n - 1]) << n;
}

TEST(RoomVersionTest, FeatureFlagsStartAtTheirVersions) {
  for (int n = 1; n <= 12; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(v(n).enforceKeyValidity, n >= 5);
    EXPECT_EQ(v(n).specialCaseAliasesAuth, n <= 5);
    EXPECT_EQ(v(n).strictCanonicalJson, n >= 6);
    EXPECT_EQ(v(n).limitNotificationsPowerLevels, n >= 6);
    EXPECT_EQ(v(n).knocking, n >= 7);
    EXPECT_EQ(v(n).restrictedJoins, n >= 8);
    EXPECT_EQ(v(n).knockRestrictedJoinRule, n >= 10);
    EXPECT_EQ(v(n).integerPowerLevels, n >= 10);
    EXPECT_EQ(v(n).updatedRedactionRules, n >= 11);
    EXPECT_EQ(v(n).implicitRoomCreator, n >= 11);
    EXPECT_EQ(v(n).privilegedCreators, n >= 12);
    EXPECT_EQ(v(n).roomIdFromCreateEvent, n >= 12);
  }
}

}  // namespace
}  // namespace plexus::events
