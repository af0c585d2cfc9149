// RecentEventsCache on its own (the range each room's entry vouches for) and inside SyncService:
// incremental syncs read their timeline from it, and what they show equals what the store holds,
// also after a redaction changed a cached event and when more arrived than the cache keeps.
#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

StoredEvent eventAt(const std::string& roomId, std::int64_t pos) {
  StoredEvent e;
  e.roomId = roomId;
  e.pos = pos;
  e.eventId = std::string("$").append(std::to_string(pos));
  return e;
}

std::vector<std::int64_t> positions(const std::vector<StoredEvent>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.pos);
  return out;
}

TEST(RecentEventsCacheTest, AnswersOnlyRangesAfterTheFirstEventItSaw) {
  RecentEventsCache cache;
  EXPECT_FALSE(cache.newestFirst("!a", 0, 100, 20));  // nothing known
  cache.append(eventAt("!a", 10));
  cache.append(eventAt("!b", 11));
  cache.append(eventAt("!a", 12));
  // Events of !a before 10 may exist in the store: a range reaching below 10 is not answered.
  EXPECT_FALSE(cache.newestFirst("!a", 8, 12, 20));
  auto all = cache.newestFirst("!a", 9, 12, 20);
  ASSERT_TRUE(all);
  EXPECT_EQ(positions(*all), (std::vector<std::int64_t>{12, 10}));
  auto upTo11 = cache.newestFirst("!a", 9, 11, 20);
  ASSERT_TRUE(upTo11);
  EXPECT_EQ(positions(*upTo11), (std::vector<std::int64_t>{10}));
  auto limited = cache.newestFirst("!a", 9, 12, 1);
  ASSERT_TRUE(limited);
  EXPECT_EQ(positions(*limited), (std::vector<std::int64_t>{12}));
  auto none = cache.newestFirst("!a", 12, 20, 20);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(cache.hits(), 4u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(RecentEventsCacheTest, DroppingOldEventsNarrowsTheRange) {
  RecentEventsCache cache(RecentEventsCache::Limits{10, 3, 100});
  for (std::int64_t pos = 1; pos <= 5; ++pos) cache.append(eventAt("!a", pos));
  EXPECT_FALSE(cache.newestFirst("!a", 1, 5, 20));  // 2 was dropped
  auto kept = cache.newestFirst("!a", 2, 5, 20);
  ASSERT_TRUE(kept);
  EXPECT_EQ(positions(*kept), (std::vector<std::int64_t>{5, 4, 3}));
}

TEST(RecentEventsCacheTest, EventsWrittenElsewhereAndForgottenRoomsGoToTheStore) {
  RecentEventsCache cache;
  cache.append(eventAt("!a", 10));
  cache.append(eventAt("!a", 20));
  cache.distrustUpTo("!a", 15);
  EXPECT_FALSE(cache.newestFirst("!a", 9, 20, 20));
  auto after = cache.newestFirst("!a", 15, 20, 20);
  ASSERT_TRUE(after);
  EXPECT_EQ(positions(*after), (std::vector<std::int64_t>{20}));
  // A room first seen after another writer's events starts after them.
  cache.distrustUpTo("!b", 30);
  cache.append(eventAt("!b", 25));  // stored here earlier, caught up later: not vouched for
  cache.append(eventAt("!b", 31));
  EXPECT_FALSE(cache.newestFirst("!b", 29, 31, 20));
  EXPECT_TRUE(cache.newestFirst("!b", 30, 31, 20));
  cache.forget("!a");
  EXPECT_FALSE(cache.newestFirst("!a", 15, 20, 20));
}

TEST(RecentEventsCacheTest, TheLeastRecentlyWrittenRoomIsDroppedFirst) {
  RecentEventsCache cache(RecentEventsCache::Limits{2, 10, 100});
  cache.append(eventAt("!a", 1));
  cache.append(eventAt("!b", 2));
  cache.append(eventAt("!a", 3));
  cache.append(eventAt("!c", 4));  // drops !b
  EXPECT_TRUE(cache.newestFirst("!a", 0, 4, 20));
  EXPECT_FALSE(cache.newestFirst("!b", 1, 4, 20));
  EXPECT_TRUE(cache.newestFirst("!c", 3, 4, 20));
}

class RecentEventsSyncTest : public SyncServiceTest {};

TEST_P(RecentEventsSyncTest, IncrementalTimelinesComeFromMemoryAndMatchTheStore) {
  TestRoom room = makeRoom("!r1:test", true);
  json::Object first = sync("@bob:test", "BOB1");
  std::string since = *first.find("next_batch")->getString();
  for (int i = 0; i < 3; ++i)
    feed(room.message("@alice:test", std::string("m").append(std::to_string(i))));
  std::uint64_t hits = sync_->recentEvents().hits();
  json::Object second = sync("@bob:test", "BOB1", since);
  EXPECT_GT(sync_->recentEvents().hits(), hits);
  json::Array timeline = array(second, {"rooms", "join", "!r1:test", "timeline", "events"});
  EXPECT_EQ(bodies(timeline), (std::vector<std::string>{"m0", "m1", "m2"}));

  // More than the cache keeps per room: the store answers, with the same limited timeline.
  since = *second.find("next_batch")->getString();
  for (int i = 0; i < 40; ++i)
    feed(room.message("@alice:test", std::string("n").append(std::to_string(i))));
  json::Object third = sync("@bob:test", "BOB1", since);
  json::Array limited = array(third, {"rooms", "join", "!r1:test", "timeline", "events"});
  ASSERT_EQ(limited.size(), 10u);
  EXPECT_EQ(bodies(limited).front(), "n30");
  EXPECT_EQ(bodies(limited).back(), "n39");
  json::Value root(third);
  EXPECT_EQ(*at(root, {"rooms", "join", "!r1:test", "timeline", "limited"}), json::Value(true));
}

TEST_P(RecentEventsSyncTest, ARedactionReachesSyncsThatWouldReadTheCachedEvent) {
  TestRoom room = makeRoom("!r1:test", true);
  json::Object first = sync("@bob:test", "BOB1");
  std::string since = *first.find("next_batch")->getString();
  auto msg = room.message("@alice:test", "secret");
  feed(msg);
  redact(room, msg.eventId);
  json::Object second = sync("@bob:test", "BOB1", since);
  json::Array timeline = array(second, {"rooms", "join", "!r1:test", "timeline", "events"});
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(*timeline[0].get("event_id"), json::Value(msg.eventId));
  EXPECT_TRUE(timeline[0].get("content")->getObject()->empty()) << "served the unredacted copy";
  EXPECT_TRUE(at(timeline[0], {"unsigned", "redacted_because"}));
}

}  // namespace

PLEXUS_INSTANTIATE_DATABASE_TESTS(RecentEventsSyncTest);

}  // namespace plexus::syncapi::testing
