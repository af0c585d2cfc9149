// ShardedRoomserver over two real RoomserverServices (each on its own SQLite database, each
// owning the rooms shard_hash.h gives it): every room lives on exactly one shard, calls about a
// room reach that shard, and fan-out queries (events by ID, a user's rooms, aliases, the public
// directory) see every shard.
#include "root/sharded_roomserver.h"

#include <gtest/gtest.h>

#include <set>

#include "plexus/bus/outbox.h"
#include "plexus/storage/open_database.h"
#include "roomserver/impl/roomserver_service.h"
#include "root/shard_hash.h"

namespace plexus::node {
namespace {

using namespace roomserver;

const std::string kServer = "shards.test";
const std::string kAlice = "@alice:shards.test";
const std::string kBob = "@bob:shards.test";

struct Shard {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<bus::Outbox> outbox;
  std::unique_ptr<RoomserverService> service;
};

class ShardedRoomserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events::ServerIdentity identity{kServer, "ed25519:s", crypto::SigningKey::generate()};
    for (std::size_t i = 0; i < 2; ++i) {
      Shard s;
      auto db = storage::openDatabase("sqlite::memory:");
      ASSERT_TRUE(db.ok()) << db.error().message;
      s.db = std::move(db).value();
      auto outbox = bus::Outbox::open(*s.db);
      ASSERT_TRUE(outbox.ok());
      s.outbox = std::move(outbox).value();
      RoomserverService::Options options;
      options.ownsRoom = [i](std::string_view roomId) { return shardOf(roomId, 2) == i; };
      s.service = std::make_unique<RoomserverService>(
          identity, *s.db, *s.outbox,
          [](const CallContext&, std::string_view) { return Profile{}; }, options);
      ASSERT_TRUE(s.service->start().ok());
      shards_.push_back(std::move(s));
    }
    router_ = std::make_unique<ShardedRoomserver>(
        std::vector<RoomserverApi*>{shards_[0].service.get(), shards_[1].service.get()}, kServer,
        nullptr);
  }

  std::string createRoom(std::string version, Visibility visibility = Visibility::kPrivate) {
    CreateRoomRequest r;
    r.creator = kAlice;
    r.roomVersion = version;
    r.visibility = visibility;
    r.preset = Preset::kPublicChat;
    auto created = router_->performCreateRoom(ctx_, r);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? created->roomId : std::string();
  }

  bool existsOn(std::size_t shard, const std::string& roomId) {
    auto r = shards_[shard].service->queryRoomExists(ctx_, roomId);
    return r.ok() && r.value();
  }

  CallContext ctx_;
  std::vector<Shard> shards_;
  std::unique_ptr<ShardedRoomserver> router_;
};

TEST_F(ShardedRoomserverTest, EachNewRoomLivesOnlyOnTheShardItsIdHashesTo) {
  std::set<std::size_t> used;
  for (int i = 0; i < 8; ++i) {
    const std::string roomId = createRoom(i % 2 ? "12" : "10");
    ASSERT_FALSE(roomId.empty());
    const std::size_t owner = shardOf(roomId, 2);
    used.insert(owner);
    EXPECT_TRUE(existsOn(owner, roomId)) << roomId;
    EXPECT_FALSE(existsOn(1 - owner, roomId)) << roomId;
  }
  EXPECT_EQ(used.size(), 2u) << "creation alternates between shards";
}

TEST_F(ShardedRoomserverTest, RoomCallsReachTheOwnerAndFanOutQueriesSeeAllShards) {
  std::vector<std::string> rooms;
  std::vector<std::string> events;
  for (int i = 0; i < 4; ++i) {
    rooms.push_back(createRoom("12"));
    SendEventRequest send;
    send.roomId = rooms.back();
    send.sender = kAlice;
    send.type = "m.room.message";
    send.content = json::Object{{"body", "hi " + std::to_string(i)}, {"msgtype", "m.text"}};
    auto sent = router_->performSendEvent(ctx_, send);
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    events.push_back(sent->eventId);
    JoinRequest join;
    join.roomIdOrAlias = rooms.back();
    join.userId = kBob;
    ASSERT_TRUE(router_->performJoin(ctx_, join).ok());
  }
  auto bobRooms = router_->queryRoomsForUser(ctx_, kBob, "join");
  ASSERT_TRUE(bobRooms.ok());
  EXPECT_EQ(std::set<std::string>(bobRooms->begin(), bobRooms->end()),
            std::set<std::string>(rooms.begin(), rooms.end()));
  auto many = router_->queryEvents(ctx_, {events[3], "$missing", events[0], events[1]});
  ASSERT_TRUE(many.ok());
  ASSERT_EQ(many->size(), 3u);
  EXPECT_EQ((*many)[0].pdu.eventId(), events[3]);
  EXPECT_EQ((*many)[1].pdu.eventId(), events[0]);
  EXPECT_EQ((*many)[2].pdu.eventId(), events[1]);
  for (const auto& id : events) EXPECT_TRUE(router_->queryEvent(ctx_, id).ok()) << id;
  auto missing = router_->queryEvent(ctx_, "$nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto members = router_->queryJoinedMembers(ctx_, rooms[2]);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 2u);
}

TEST_F(ShardedRoomserverTest, AliasesResolveAcrossShardsAndStayUnique) {
  const std::string a = createRoom("12");
  std::string b;
  do b = createRoom("12");  // a room on the other shard (bounded: creation alternates)
  while (shardOf(b, 2) == shardOf(a, 2) && !b.empty());
  const std::string alias = "#team:" + kServer;
  ASSERT_TRUE(router_->performSetRoomAlias(ctx_, alias, a, kAlice).ok());
  auto taken = router_->performSetRoomAlias(ctx_, alias, b, kAlice);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kRoomInUse);
  auto resolved = router_->queryRoomIdForAlias(ctx_, alias);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->roomId, a);
  JoinRequest join;
  join.roomIdOrAlias = alias;
  join.userId = kBob;
  auto joined = router_->performJoin(ctx_, join);
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->roomId, a);
  ASSERT_TRUE(router_->performRemoveRoomAlias(ctx_, alias, kAlice).ok());
  EXPECT_FALSE(router_->queryRoomIdForAlias(ctx_, alias).ok());
}

TEST_F(ShardedRoomserverTest, PublicDirectoryMergesShardsAndPaginates) {
  std::set<std::string> published;
  for (int i = 0; i < 5; ++i) published.insert(createRoom("12", Visibility::kPublic));
  createRoom("12", Visibility::kPrivate);
  std::set<std::string> seen;
  PublicRoomsRequest page;
  page.limit = 2;
  for (int pages = 0; pages < 5; ++pages) {
    auto r = router_->queryPublicRooms(ctx_, page);
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const auto& room : r->chunk) EXPECT_TRUE(seen.insert(room.roomId).second);
    if (!r->nextBatch) break;
    page.since = r->nextBatch;
  }
  EXPECT_EQ(seen, published);
  page.since = "bogus";
  EXPECT_FALSE(router_->queryPublicRooms(ctx_, page).ok());
}

}  // namespace
}  // namespace plexus::node
