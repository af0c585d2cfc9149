// SqlRoomserverStore on SQLite and PostgreSQL: interning, rooms, events, state snapshots,
// current state, extremities, memberships, transactions and aliases.
#include <gtest/gtest.h>

#include "plexus/storage/errors.h"
#include "plexus/storage/testing/database_test.h"
#include "roomserver/storage/sql_roomserver_store.h"

namespace plexus::roomserver {
namespace {

class RoomserverStoreTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = std::make_unique<SqlRoomserverStore>(db());
    ASSERT_TRUE(store_->migrate().ok());
  }

  std::int64_t addRoom(const std::string& roomId) {
    auto nid = store_->insertRoom(db(), roomId, "12");
    EXPECT_TRUE(nid.ok());
    return nid.ok() ? *nid : 0;
  }

  std::int64_t addEvent(std::int64_t roomNid, const std::string& id, std::int64_t depth,
                        std::optional<std::string> stateKey = std::nullopt) {
    NewEvent e;
    e.roomNid = roomNid;
    e.eventId = id;
    e.typeNid = *store_->eventTypeNid(stateKey ? "m.room.member" : "m.room.message");
    if (stateKey) e.stateKeyNid = *store_->stateKeyNid(*stateKey);
    e.sender = "@a:x";
    e.depth = depth;
    e.originServerTs = 1000 + depth;
    e.json = std::string("{\"id\":\"").append(id).append("\",\"nul\":\"");
    e.json.push_back('\0');  // blobs keep NUL bytes
    e.json.append("\"}");
    auto nid = store_->insertEvent(db(), e);
    EXPECT_TRUE(nid.ok()) << (nid.ok() ? "" : nid.error().message);
    return nid.ok() ? *nid : 0;
  }

  std::unique_ptr<SqlRoomserverStore> store_;
};

TEST_P(RoomserverStoreTest, MigrationIsIdempotent) { EXPECT_TRUE(store_->migrate().ok()); }

TEST_P(RoomserverStoreTest, InterningGivesStableIdsBothWays) {
  auto a = store_->eventTypeNid("m.room.message");
  auto b = store_->eventTypeNid("m.room.member");
  auto again = store_->eventTypeNid("m.room.message");
  ASSERT_TRUE(a.ok() && b.ok() && again.ok());
  EXPECT_EQ(*a, *again);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*store_->eventType(*b), "m.room.member");
  auto empty = store_->stateKeyNid("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*store_->stateKey(*empty), "");
  // A second store over the same database sees the same ids.
  SqlRoomserverStore other(db());
  EXPECT_EQ(*other.eventTypeNid("m.room.member"), *b);
}

TEST_P(RoomserverStoreTest, RoomsAreUniqueAndCarryVersionSnapshotAndVisibility) {
  std::int64_t nid = addRoom("!r:x");
  EXPECT_TRUE(storage::isUniqueViolation(store_->insertRoom(db(), "!r:x", "11")));
  ASSERT_TRUE(store_->setRoomSnapshot(db(), nid, 42).ok());
  ASSERT_TRUE(store_->setPublished(db(), nid, true).ok());
  auto room = store_->room(db(), "!r:x");
  ASSERT_TRUE(room.ok() && room->has_value());
  EXPECT_EQ((*room)->roomVersion, "12");
  EXPECT_EQ((*room)->snapshotNid, 42);
  EXPECT_TRUE((*room)->published);
  EXPECT_EQ(store_->publishedRooms(db())->size(), 1u);
  EXPECT_FALSE(store_->room(db(), "!other:x")->has_value());
}

TEST_P(RoomserverStoreTest, EventsRoundTripBytesAndRedaction) {
  std::int64_t room = addRoom("!r:x");
  std::int64_t e1 = addEvent(room, "$1", 1);
  std::int64_t e2 = addEvent(room, "$2", 2, "@a:x");
  auto events = store_->eventsByIds(db(), {"$1", "$2", "$missing"});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  for (const auto& e : *events) {
    if (e.eventNid == e1) {
      EXPECT_EQ(e.type, "m.room.message");
      EXPECT_FALSE(e.stateKey.has_value());
      EXPECT_EQ(e.json, std::string("{\"id\":\"$1\",\"nul\":\"\0\"}", 21));
    } else {
      EXPECT_EQ(e.eventNid, e2);
      EXPECT_EQ(e.stateKey, "@a:x");
      EXPECT_EQ(e.depth, 2);
    }
  }
  ASSERT_TRUE(store_->markRedacted(db(), e1, "{}", "$r").ok());
  auto redacted = store_->eventsByNids(db(), {e1});
  ASSERT_EQ(redacted->size(), 1u);
  EXPECT_EQ((*redacted)[0].json, "{}");
  EXPECT_EQ((*redacted)[0].redactedBy, "$r");
}

TEST_P(RoomserverStoreTest, SnapshotsChainDeltasOverFullSnapshots) {
  std::int64_t room = addRoom("!r:x");
  auto full = store_->insertSnapshot(db(), room, std::nullopt, {{1, 1, 10}, {1, 2, 11}});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->chainLength, 0);
  auto delta = store_->insertSnapshot(db(), room, *full, {{1, 2, 12}, {2, 1, 13}});
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(delta->chainLength, 1);
  auto loaded = store_->loadSnapshot(db(), delta->snapshotNid);
  ASSERT_TRUE(loaded.ok());
  std::vector<StateEntry> expected{{1, 1, 10}, {1, 2, 12}, {2, 1, 13}};
  EXPECT_EQ(*loaded, expected);
  EXPECT_EQ(*store_->loadSnapshot(db(), full->snapshotNid),
            (std::vector<StateEntry>{{1, 1, 10}, {1, 2, 11}}));
  EXPECT_TRUE(store_->loadSnapshot(db(), 0)->empty());
  EXPECT_EQ(store_->loadSnapshot(db(), 999999).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->snapshotInfo(db(), delta->snapshotNid)->chainLength, 1);
}

TEST_P(RoomserverStoreTest, CurrentStateUpsertsPerKey) {
  std::int64_t room = addRoom("!r:x");
  ASSERT_TRUE(store_->setCurrentState(db(), room, {1, 1, 10}).ok());
  ASSERT_TRUE(store_->setCurrentState(db(), room, {1, 2, 11}).ok());
  ASSERT_TRUE(store_->setCurrentState(db(), room, {1, 1, 12}).ok());
  EXPECT_EQ(*store_->currentState(db(), room),
            (std::vector<StateEntry>{{1, 1, 12}, {1, 2, 11}}));
}

TEST_P(RoomserverStoreTest, ExtremitiesReplacePrevEvents) {
  std::int64_t room = addRoom("!r:x");
  std::int64_t a = addEvent(room, "$a", 1);
  std::int64_t b = addEvent(room, "$b", 2);
  std::int64_t c = addEvent(room, "$c", 2);
  ASSERT_TRUE(store_->replaceExtremities(db(), room, {}, a).ok());
  ASSERT_TRUE(store_->replaceExtremities(db(), room, {a}, b).ok());
  ASSERT_TRUE(store_->replaceExtremities(db(), room, {a}, c).ok());
  auto x = store_->extremities(db(), room);
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->size(), 2u);
  EXPECT_EQ((*x)[0].eventId, "$c");  // deepest first, newest first among equals
  EXPECT_EQ((*x)[1].eventId, "$b");
}

TEST_P(RoomserverStoreTest, MembershipsTrackForgottenAndListRooms) {
  std::int64_t r1 = addRoom("!r1:x");
  std::int64_t r2 = addRoom("!r2:x");
  std::int64_t e1 = addEvent(r1, "$m1", 1, "@u:x");
  std::int64_t e2 = addEvent(r2, "$m2", 1, "@u:x");
  ASSERT_TRUE(store_->setMembership(db(), r1, "@u:x", "join", e1).ok());
  ASSERT_TRUE(store_->setMembership(db(), r2, "@u:x", "leave", e2).ok());
  EXPECT_EQ(*store_->roomsForUser(db(), "@u:x", "join"), std::vector<std::string>{"!r1:x"});
  ASSERT_TRUE(store_->setForgotten(db(), r2, "@u:x").ok());
  EXPECT_TRUE(store_->roomsForUser(db(), "@u:x", "leave")->empty());
  auto m = store_->membership(db(), r2, "@u:x");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_TRUE((*m)->forgotten);
  EXPECT_EQ((*m)->eventId, "$m2");
  ASSERT_TRUE(store_->setMembership(db(), r2, "@u:x", "join", e2).ok());
  EXPECT_FALSE((*store_->membership(db(), r2, "@u:x"))->forgotten);
  EXPECT_EQ(store_->membersWith(db(), r1, "join")->size(), 1u);
}

TEST_P(RoomserverStoreTest, TransactionsAreUniquePerUserDevice) {
  ASSERT_TRUE(store_->insertTransaction(db(), "@u:x", "D", "t", "$e").ok());
  auto dup = store_->insertTransaction(db(), "@u:x", "D", "t", "$f");
  EXPECT_TRUE(storage::isUniqueViolation(dup));
  EXPECT_EQ(*store_->transactionEvent(db(), "@u:x", "D", "t"), "$e");
  EXPECT_FALSE(store_->transactionEvent(db(), "@u:x", "E", "t")->has_value());
}

TEST_P(RoomserverStoreTest, AliasesInsertLookupRemove) {
  ASSERT_TRUE(store_->insertAlias(db(), {"#a:x", "!r:x", "@u:x"}).ok());
  EXPECT_TRUE(storage::isUniqueViolation(store_->insertAlias(db(), {"#a:x", "!s:x", "@u:x"})));
  EXPECT_EQ((*store_->alias(db(), "#a:x"))->roomId, "!r:x");
  EXPECT_EQ(*store_->aliasesForRoom(db(), "!r:x"), std::vector<std::string>{"#a:x"});
  EXPECT_TRUE(*store_->removeAlias(db(), "#a:x"));
  EXPECT_FALSE(*store_->removeAlias(db(), "#a:x"));
}

TEST_P(RoomserverStoreTest, RolledBackTransactionLeavesNothing) {
  auto status = db().runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY_VOID(store_->insertRoom(tx, "!gone:x", "12"));
    return fail(ErrorCode::kForbidden, "abort");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(store_->room(db(), "!gone:x")->has_value());
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(RoomserverStoreTest);

}  // namespace
}  // namespace plexus::roomserver
