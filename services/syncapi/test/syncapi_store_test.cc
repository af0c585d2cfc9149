// SyncStore on SQLite and PostgreSQL: migrations, positions, idempotent event writes, state
// deltas, receipts clearing notifications, to-device acknowledgement, filters, lazy members.
#include "syncapi/storage/syncapi_store.h"

#include <limits>

#include "plexus/storage/testing/database_test.h"

namespace plexus::syncapi {
namespace {

class SyncStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto made = makeSqlSyncStore(db());
    ASSERT_TRUE(made.ok()) << made.error().message;
    store_ = std::move(*made);
  }

  RoomEventWrite stateEvent(const std::string& id, const std::string& type, const std::string& key,
                            const std::string& json) {
    RoomEventWrite w;
    w.event.roomId = "!r:test";
    w.event.eventId = id;
    w.event.type = type;
    w.event.sender = "@a:test";
    w.event.stateKey = key;
    w.event.json = json;
    w.addsStateEventIds = {id};
    return w;
  }

  static Receipt receipt(const std::string& eventId) {
    Receipt r;
    r.roomId = "!r:test";
    r.userId = "@b:test";
    r.receiptType = "m.read";
    r.eventId = eventId;
    r.ts = 5;
    return r;
  }

  std::unique_ptr<SyncStore> store_;
};

TEST_P(SyncStoreTest, MigrationsRunTwiceWithoutChange) {
  auto again = makeSqlSyncStore(db());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*store_->queryCurrentPosition(), 0);
}

TEST_P(SyncStoreTest, SeveralEventsAreStoredTogetherInOrderSkippingOnesAlreadyStored) {
  auto create = stateEvent("$c", "m.room.create", "", R"({"content":{}})");
  ASSERT_TRUE(store_->storeRoomEvent(create).ok());
  std::vector<RoomEventWrite> writes;
  for (int i = 0; i < 5; ++i) {
    RoomEventWrite w;
    w.event.roomId = "!r:test";
    w.event.eventId = "$m" + std::to_string(i);
    w.event.type = "m.room.message";
    w.event.sender = "@a:test";
    w.event.json = R"({"content":{"body":"hi"}})";
    NotificationWrite n;
    n.userId = "@b:test";
    n.ts = 7;
    w.notifications.push_back(n);
    writes.push_back(w);
  }
  writes.insert(writes.begin() + 2, create);  // a redelivered event among new ones
  auto positions = store_->storeRoomEvents(writes);
  ASSERT_TRUE(positions.ok()) << positions.error().message;
  ASSERT_EQ(positions->size(), 6u);
  EXPECT_FALSE((*positions)[2].has_value());
  std::int64_t last = 0;
  for (std::size_t i = 0; i < positions->size(); ++i) {
    if (i == 2) continue;
    ASSERT_TRUE((*positions)[i].has_value());
    EXPECT_GT(*(*positions)[i], last);
    last = *(*positions)[i];
  }
  EXPECT_EQ(*store_->queryCurrentPosition(), last);
  auto events = store_->queryRoomEvents("!r:test", 0, last, 10, false);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 6u);
  EXPECT_EQ(events->back().eventId, "$m4");
  auto counts = store_->queryUnreadCounts("@b:test", "!r:test");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->notifications, 5);
}

TEST_P(SyncStoreTest, EventWritesAreIdempotentAndPositionsIncrease) {
  auto w = stateEvent("$1", "m.room.create", "", R"({"content":{}})");
  auto first = store_->storeRoomEvent(w);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->has_value());
  auto again = store_->storeRoomEvent(w);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto second = store_->storeRoomEvent(stateEvent("$2", "m.room.name", "", R"({"content":{}})"));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(**second, **first);
  EXPECT_EQ(*store_->queryCurrentPosition(), **second);
}

TEST_P(SyncStoreTest, StateChangesUpdateCurrentStateDeltasAndMemberships) {
  ASSERT_TRUE(store_
                  ->storeRoomEvent(stateEvent("$m1", "m.room.member", "@u:test",
                                              R"({"content":{"membership":"join"}})"))
                  .ok());
  auto leave =
      stateEvent("$m2", "m.room.member", "@u:test", R"({"content":{"membership":"leave"}})");
  leave.removesStateEventIds = {"$m1"};
  ASSERT_TRUE(store_->storeRoomEvent(leave).ok());
  auto state = store_->queryCurrentState("!r:test");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->at(StateKeyRef{"m.room.member", "@u:test"}), "$m2");
  auto deltas = store_->queryStateDeltas("!r:test", std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(deltas.ok());
  EXPECT_EQ(deltas->size(), 2u);
  auto ms = store_->queryMembershipsOfUser("@u:test");
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 1u);
  EXPECT_EQ(ms->front().membership, "leave");
  EXPECT_TRUE(store_->queryActiveMemberships()->empty());
}

TEST_P(SyncStoreTest, ReadReceiptClearsNotificationsUpToTheEvent) {
  RoomEventWrite a;
  a.event.roomId = "!r:test";
  a.event.eventId = "$a";
  a.event.type = "m.room.message";
  a.event.sender = "@a:test";
  a.event.json = "{}";
  a.notifications = {{"@b:test", true, ""}};
  RoomEventWrite b = a;
  b.event.eventId = "$b";
  b.notifications = {{"@b:test", false, ""}};
  ASSERT_TRUE(store_->storeRoomEvent(a).ok());
  ASSERT_TRUE(store_->storeRoomEvent(b).ok());
  auto counts = store_->queryUnreadCounts("@b:test", "!r:test");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->notifications, 2);
  EXPECT_EQ(counts->highlights, 1);
  ASSERT_TRUE(store_->storeReceipt(receipt("$a"), true).ok());
  counts = store_->queryUnreadCounts("@b:test", "!r:test");
  EXPECT_EQ(counts->notifications, 1);
  EXPECT_EQ(counts->highlights, 0);
  auto receipts = store_->queryReceipts("!r:test", 0, *store_->queryCurrentPosition());
  ASSERT_TRUE(receipts.ok());
  ASSERT_EQ(receipts->size(), 1u);
  EXPECT_EQ(receipts->front().eventId, "$a");
}

TEST_P(SyncStoreTest, ToDeviceIsDedupedPerTransactionAndDeletedOnAcknowledgement) {
  ToDeviceMessage m;
  m.userId = "@b:test";
  m.deviceId = "D";
  m.type = "m.x";
  m.content = "{}";
  std::vector<ToDeviceMessage> msgs{m};
  auto pos = store_->storeToDevice("@a:test", "A", "t1", msgs);
  ASSERT_TRUE(pos.ok() && pos->has_value());
  auto dup = store_->storeToDevice("@a:test", "A", "t1", msgs);
  ASSERT_TRUE(dup.ok());
  EXPECT_FALSE(dup->has_value());
  EXPECT_EQ(store_->queryToDevice("@b:test", "D", **pos, 100)->size(), 1u);
  ASSERT_TRUE(store_->deleteToDevice("@b:test", "D", **pos).ok());
  EXPECT_TRUE(store_->queryToDevice("@b:test", "D", **pos, 100)->empty());
}

TEST_P(SyncStoreTest, FiltersAreScopedToTheirUser) {
  auto id = store_->storeFilter("@a:test", R"({"room":{}})");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*store_->queryFilter("@a:test", *id), std::optional<std::string>(R"({"room":{}})"));
  EXPECT_EQ(*store_->queryFilter("@b:test", *id), std::nullopt);
}

TEST_P(SyncStoreTest, LazyMembersAreTrackedPerDeviceAndCleared) {
  ASSERT_TRUE(store_->storeLazyMembersSent("@a:test", "D", "!r:test", {"@x:test", "@y:test"}).ok());
  EXPECT_EQ(store_->queryLazyMembersSent("@a:test", "D", "!r:test")->size(), 2u);
  EXPECT_TRUE(store_->queryLazyMembersSent("@a:test", "E", "!r:test")->empty());
  auto before = store_->queryCurrentPosition();
  ASSERT_TRUE(before.ok());
  auto cleared = store_->clearLazyMembersSent("@a:test", "D");
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  EXPECT_GT(*cleared, *before);
  EXPECT_EQ(*store_->queryCurrentPosition(), *cleared);
  EXPECT_TRUE(store_->queryLazyMembersSent("@a:test", "D", "!r:test")->empty());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncStoreTest);

}  // namespace
}  // namespace plexus::syncapi
