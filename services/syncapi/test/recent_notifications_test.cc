// RecentNotifications: counts answered from memory only for ranges every notification of which
// it recorded; trimming, dropping and other writers narrow that range.
#include "syncapi/impl/recent_notifications.h"

#include <gtest/gtest.h>

namespace plexus::syncapi {
namespace {

TEST(RecentNotificationsTest, CountsWhatItRecordedSinceItsFirstRecord) {
  RecentNotifications notes;
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 0, 100));  // never recorded: ask the store
  notes.record("@bob", "!a", 10, false);
  notes.record("@bob", "!a", 12, true);
  notes.record("@carol", "!a", 12, false);
  notes.record("@bob", "!b", 13, false);
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 5, 12));  // 6..9 may hold older ones
  auto both = notes.countBetween("@bob", "!a", 9, 12);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->notifications, 2);
  EXPECT_EQ(both->highlights, 1);
  auto first = notes.countBetween("@bob", "!a", 9, 11);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->notifications, 1);
  EXPECT_EQ(first->highlights, 0);
  auto none = notes.countBetween("@bob", "!a", 12, 40);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->notifications, 0);
}

TEST(RecentNotificationsTest, TrimmingAndDroppingNarrowTheRange) {
  RecentNotifications notes(RecentNotifications::Limits{100, 2, 100});
  notes.record("@bob", "!a", 10, false);
  notes.record("@bob", "!a", 11, false);
  notes.trim("@bob", "!a", 10);
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 9, 11));
  EXPECT_EQ(notes.countBetween("@bob", "!a", 10, 11)->notifications, 1);
  notes.record("@bob", "!a", 12, false);
  notes.record("@bob", "!a", 13, false);  // beyond two: 11 is dropped
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 10, 13));
  EXPECT_EQ(notes.countBetween("@bob", "!a", 11, 13)->notifications, 2);
}

TEST(RecentNotificationsTest, AnotherWritersEventsSendCountsToTheStore) {
  RecentNotifications notes;
  notes.record("@bob", "!a", 10, false);
  notes.distrustUpTo("!a", 20);
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 9, 25));
  EXPECT_TRUE(notes.countBetween("@bob", "!a", 20, 25));
  // A key first recorded after the distrust starts after it too.
  notes.record("@carol", "!a", 15, false);
  notes.record("@carol", "!a", 21, false);
  EXPECT_FALSE(notes.countBetween("@carol", "!a", 14, 21));
  EXPECT_EQ(notes.countBetween("@carol", "!a", 20, 21)->notifications, 1);
}

TEST(RecentNotificationsTest, DroppingEveryKeyLeavesNoWrongCount) {
  RecentNotifications notes(RecentNotifications::Limits{1, 10, 100});
  notes.record("@bob", "!a", 10, false);
  notes.record("@carol", "!a", 11, false);  // second key: all dropped, then carol's made
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 9, 11));
  notes.record("@bob", "!a", 12, false);
  EXPECT_FALSE(notes.countBetween("@bob", "!a", 9, 12));
  EXPECT_EQ(notes.countBetween("@bob", "!a", 11, 12)->notifications, 1);
}

}  // namespace
}  // namespace plexus::syncapi
