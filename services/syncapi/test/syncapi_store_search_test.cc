// SyncStore on SQLite and PostgreSQL: the full-text index (match, rank order, recency paging,
// count, redaction removes a body from the index), the device-list change log answering any
// position range, and notifications keeping their actions and read flag.
#include "plexus/storage/testing/database_test.h"
#include "syncapi/storage/migrations.h"
#include "syncapi/storage/syncapi_store.h"

namespace plexus::syncapi {
namespace {

class SyncStoreSearchTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto made = makeSqlSyncStore(db());
    ASSERT_TRUE(made.ok()) << made.error().message;
    store_ = std::move(*made);
  }

  std::int64_t message(const std::string& id, const std::string& body,
                       std::vector<NotificationWrite> notifications = {}) {
    RoomEventWrite w;
    w.event.roomId = "!r:test";
    w.event.eventId = id;
    w.event.type = "m.room.message";
    w.event.sender = "@a:test";
    w.event.json = "{}";
    w.event.body = body;
    w.notifications = std::move(notifications);
    auto pos = store_->storeRoomEvent(w);
    EXPECT_TRUE(pos.ok() && *pos) << (pos.ok() ? "duplicate" : pos.error().message);
    return pos.ok() && *pos ? **pos : 0;
  }

  SearchQuery query(const std::string& term, bool byRank) {
    SearchQuery q;
    q.roomIds = {"!r:test"};
    q.types = {"m.room.message"};
    q.term = term;
    q.byRank = byRank;
    return q;
  }

  static std::vector<std::string> ids(const std::vector<SearchHit>& hits) {
    std::vector<std::string> out;
    for (const auto& h : hits) out.push_back(h.event.eventId);
    return out;
  }

  std::unique_ptr<SyncStore> store_;
};

TEST_P(SyncStoreSearchTest, MatchesEveryWordCaseInsensitivelyAndCounts) {
  message("$1", "The quick brown fox");
  message("$2", "a lazy dog");
  message("$3", "QUICK thinking, fox!");
  message("$4", "quickly foxes");  // no stemming: other words
  auto hits = store_->querySearch(query("fox quick", false));
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  EXPECT_EQ(ids(*hits), (std::vector<std::string>{"$3", "$1"}));
  auto count = store_->querySearchCount(query("fox quick", false));
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, 2);
  // Punctuation and FTS operators in user input are literal, never a syntax error.
  auto odd = store_->querySearch(query("fox\" OR \"dog* NEAR(", false));
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  auto none = store_->querySearch(query("?!", true));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());
}

TEST_P(SyncStoreSearchTest, RankOrdersBetterMatchesFirstWithRealScores) {
  message("$weak", "fox in a long sentence about many other things entirely unrelated to it");
  message("$strong", "fox fox fox");
  message("$none", "nothing");
  auto hits = store_->querySearch(query("fox", true));
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  ASSERT_EQ(ids(*hits), (std::vector<std::string>{"$strong", "$weak"}));
  EXPECT_GT((*hits)[0].rank, (*hits)[1].rank);
  EXPECT_GT((*hits)[1].rank, 0.0);
  SearchQuery second = query("fox", true);
  second.offset = 1;
  second.limit = 1;
  auto page = store_->querySearch(second);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(ids(*page), (std::vector<std::string>{"$weak"}));
}

TEST_P(SyncStoreSearchTest, RecentPagesByPositionAndRedactionLeavesTheIndex) {
  std::int64_t p1 = message("$1", "alpha one");
  message("$2", "alpha two");
  message("$3", "alpha three");
  SearchQuery q = query("alpha", false);
  q.limit = 2;
  auto first = store_->querySearch(q);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(ids(*first), (std::vector<std::string>{"$3", "$2"}));
  q.beforePos = first->back().event.pos;
  auto second = store_->querySearch(q);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(ids(*second), (std::vector<std::string>{"$1"}));
  EXPECT_EQ(second->front().event.pos, p1);

  ASSERT_TRUE(store_->redactEvent("$2", "{}", "{}").ok());
  auto after = store_->querySearch(query("alpha", false));
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(ids(*after), (std::vector<std::string>{"$3", "$1"}));
  EXPECT_EQ(*store_->querySearchCount(query("two", false)), 0);
}

TEST_P(SyncStoreSearchTest, DeviceListLogAnswersAnyRange) {
  auto a1 = store_->storeDeviceListChange("@a:test");
  auto b1 = store_->storeDeviceListChange("@b:test");
  auto a2 = store_->storeDeviceListChange("@a:test");
  ASSERT_TRUE(a1.ok() && b1.ok() && a2.ok());
  // Only the first change of @a lies in (0, b1]: a latest-only table would miss it.
  auto early = store_->queryDeviceListChanges(0, *b1);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early, (std::map<std::string, std::int64_t>{{"@a:test", *a1}, {"@b:test", *b1}}));
  auto late = store_->queryDeviceListChanges(*b1, *a2);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, (std::map<std::string, std::int64_t>{{"@a:test", *a2}}));
}

TEST_P(SyncStoreSearchTest, NotificationsKeepActionsAndReceiptsMarkThemRead) {
  NotificationWrite n;
  n.userId = "@b:test";
  n.highlight = true;
  n.actions = R"(["notify",{"set_tweak":"highlight"}])";
  n.ts = 1234;
  message("$1", "one", {n});
  n.highlight = false;
  n.actions = R"(["notify"])";
  message("$2", "two", {n});
  Receipt r;
  r.roomId = "!r:test";
  r.userId = "@b:test";
  r.receiptType = "m.read";
  r.eventId = "$1";
  ASSERT_TRUE(store_->storeReceipt(r, true).ok());
  auto rows = store_->queryNotificationEvents("@b:test", 1000000, false, 10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].event.eventId, "$2");
  EXPECT_FALSE((*rows)[0].read);
  EXPECT_EQ((*rows)[0].actions, R"(["notify"])");
  EXPECT_EQ((*rows)[1].event.eventId, "$1");
  EXPECT_TRUE((*rows)[1].read);
  EXPECT_TRUE((*rows)[1].highlight);
  EXPECT_EQ((*rows)[1].ts, 1234);
  auto counts = store_->queryUnreadCounts("@b:test", "!r:test");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->notifications, 1);
  EXPECT_EQ(counts->highlights, 0);
}

// A database written by the v2 schema: its bodies become searchable, its device-list changes
// enter the log and its notifications stay unread with default actions.
class SyncStoreUpgradeTest : public storage::testing::DatabaseTest {};

TEST_P(SyncStoreUpgradeTest, UpgradeIndexesExistingRows) {
  ASSERT_TRUE(storage::migrate(db(), "syncapi", syncMigrations().first(2)).ok());
  ASSERT_TRUE(db().execute("INSERT INTO syncapi_events (pos, room_id, event_id, depth, type, "
                           "sender, json, origin_ts, body) VALUES (1, '!r:test', '$old', 1, "
                           "'m.room.message', '@a:test', '{}', 5, 'an old walrus')").ok());
  ASSERT_TRUE(db().execute("INSERT INTO syncapi_notifications (user_id, room_id, pos, highlight, "
                           "thread_id) VALUES ('@b:test', '!r:test', 1, 0, '')").ok());
  ASSERT_TRUE(db().execute("INSERT INTO syncapi_device_list_changes (user_id, pos) "
                           "VALUES ('@a:test', 1)").ok());
  ASSERT_TRUE(db().execute("UPDATE syncapi_stream SET pos = 1 WHERE id = 1").ok());
  auto made = makeSqlSyncStore(db());
  ASSERT_TRUE(made.ok()) << made.error().message;
  auto& store = *made;
  SearchQuery q;
  q.roomIds = {"!r:test"};
  q.types = {"m.room.message"};
  q.term = "WALRUS";
  auto hits = store->querySearch(q);
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(hits->front().event.eventId, "$old");
  auto changes = store->queryDeviceListChanges(0, 1);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->count("@a:test"), 1u);
  auto rows = store->queryNotificationEvents("@b:test", 100, false, 10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_FALSE(rows->front().read);
  EXPECT_EQ(rows->front().actions, R"(["notify"])");
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncStoreSearchTest);
PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncStoreUpgradeTest);

}  // namespace
}  // namespace plexus::syncapi
