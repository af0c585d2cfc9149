// Redactions (stored JSON redacted, bus output), aliases, the public room directory and room
// upgrades.
#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class RedactionDirectoryTest : public RoomserverTest {};

TEST_P(RedactionDirectoryTest, RedactionRedactsTheStoredTargetAndIsPublished) {
  std::size_t before = 0;
  for (const char* version : {"10", "11", "12"}) {
    SCOPED_TRACE(version);
    std::string roomId = createRoom(Preset::kPublicChat, version);
    auto target = sendMessage(roomId, kAlice, "secret");
    ASSERT_TRUE(target.ok());
    before += 6;  // five events of a public room and the message
    auto redaction = api().performRedact(
        ctx_, RedactRequest{roomId, kAlice, target->eventId, std::string("oops"), std::nullopt});
    ASSERT_TRUE(redaction.ok()) << redaction.error().message;
    auto stored = api().queryEvent(ctx_, target->eventId);
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(stored->pdu.content().empty());
    EXPECT_EQ(stored->redactedBecause, redaction->eventId);
    // The redacted event keeps its ID and still verifies.
    EXPECT_EQ(stored->pdu.eventId(), target->eventId);
    auto integrity = events::checkEventIntegrity(stored->pdu, keys());
    ASSERT_TRUE(integrity.ok());
    auto redactionEvent = api().queryEvent(ctx_, redaction->eventId);
    ASSERT_TRUE(redactionEvent.ok());
    EXPECT_EQ(redactionEvent->pdu.redacts(), target->eventId);
    auto outputs = waitForOutputs(before + 2);
    ASSERT_EQ(outputs.size(), before + 2);
    EXPECT_EQ(outputs[before].kind, OutputRoomEvent::Kind::kNewRoomEvent);
    EXPECT_EQ(outputs[before].eventId, redaction->eventId);
    EXPECT_EQ(outputs[before + 1].kind, OutputRoomEvent::Kind::kRedaction);
    EXPECT_EQ(outputs[before + 1].redactsEventId, target->eventId);
    EXPECT_EQ(outputs[before + 1].eventId, redaction->eventId);
    before += 2;
  }
}

TEST_P(RedactionDirectoryTest, OnlySenderOrModeratorMayRedact) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  auto alices = sendMessage(roomId, kAlice, "mine");
  auto bobs = sendMessage(roomId, kBob, "his");
  ASSERT_TRUE(alices.ok() && bobs.ok());
  EXPECT_EQ(api().performRedact(ctx_, {roomId, kBob, alices->eventId, {}, {}}).error().code,
            ErrorCode::kForbidden);
  EXPECT_TRUE(api().performRedact(ctx_, {roomId, kBob, bobs->eventId, {}, {}}).ok());
  auto other = sendMessage(roomId, kBob, "again");
  EXPECT_TRUE(api().performRedact(ctx_, {roomId, kAlice, other->eventId, {}, {}}).ok());
  EXPECT_EQ(api().performRedact(ctx_, {roomId, kAlice, "$unknown", {}, {}}).error().code,
            ErrorCode::kNotFound);
}

TEST_P(RedactionDirectoryTest, AliasesCanBeSetResolvedAndRemoved) {
  std::string roomId = createRoom(Preset::kPublicChat);
  ASSERT_TRUE(api().performSetRoomAlias(ctx_, "#a:test.local", roomId, kAlice).ok());
  EXPECT_EQ(api().performSetRoomAlias(ctx_, "#a:test.local", roomId, kAlice).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(api().performSetRoomAlias(ctx_, "#a:elsewhere", roomId, kAlice).error().code,
            ErrorCode::kInvalidParam);
  EXPECT_EQ(api().performSetRoomAlias(ctx_, "#b:test.local", "!none:test.local", kAlice).error().code,
            ErrorCode::kNotFound);
  auto info = api().queryRoomIdForAlias(ctx_, "#a:test.local");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->roomId, roomId);
  EXPECT_EQ(info->servers, std::vector<std::string>{kServer});
  EXPECT_EQ(*api().queryAliasesForRoom(ctx_, roomId), std::vector<std::string>{"#a:test.local"});
  // Bob neither created it nor is an admin.
  ASSERT_TRUE(api().performJoin(ctx_, {roomId, kBob, {}, {}}).ok());
  ASSERT_TRUE(api().performSetRoomAlias(ctx_, "#bob:test.local", roomId, kBob).ok());
  EXPECT_EQ(api().performRemoveRoomAlias(ctx_, "#a:test.local", kBob).error().code,
            ErrorCode::kForbidden);
  EXPECT_TRUE(api().performRemoveRoomAlias(ctx_, "#bob:test.local", kBob).ok());
  // The room admin removes anyone's alias.
  ASSERT_TRUE(api().performSetRoomAlias(ctx_, "#bob2:test.local", roomId, kBob).ok());
  EXPECT_TRUE(api().performRemoveRoomAlias(ctx_, "#bob2:test.local", kAlice).ok());
  EXPECT_TRUE(api().performRemoveRoomAlias(ctx_, "#a:test.local", kAlice).ok());
  EXPECT_EQ(api().queryRoomIdForAlias(ctx_, "#a:test.local").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api().performRemoveRoomAlias(ctx_, "#a:test.local", kAlice).error().code,
            ErrorCode::kNotFound);
}

TEST_P(RedactionDirectoryTest, PublicRoomsAreListedSearchedAndPaginated) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    CreateRoomRequest r;
    r.creator = kAlice;
    r.visibility = Visibility::kPublic;
    r.name = std::string("Room ").append(std::to_string(i));
    r.topic = i == 1 ? "About cats" : "About dogs";
    ids.push_back(createRoom(r));
  }
  createRoom(Preset::kPrivateChat);  // not published
  // Room 2 gets a second member so it sorts first.
  ASSERT_TRUE(api().performJoin(ctx_, {ids[2], kBob, {}, {}}).ok());
  auto all = api().queryPublicRooms(ctx_, {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->chunk.size(), 3u);
  EXPECT_EQ(all->totalRoomCountEstimate, 3);
  EXPECT_EQ(all->chunk[0].roomId, ids[2]);
  EXPECT_EQ(all->chunk[0].numJoinedMembers, 2);
  EXPECT_EQ(all->chunk[0].name, "Room 2");
  EXPECT_EQ(all->chunk[0].joinRule, "public");
  EXPECT_FALSE(all->chunk[0].worldReadable);
  EXPECT_FALSE(all->nextBatch.has_value());

  auto page1 = api().queryPublicRooms(ctx_, {std::nullopt, 2, std::nullopt});
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->chunk.size(), 2u);
  ASSERT_TRUE(page1->nextBatch.has_value());
  auto page2 = api().queryPublicRooms(ctx_, {page1->nextBatch, 2, std::nullopt});
  ASSERT_EQ(page2->chunk.size(), 1u);
  EXPECT_EQ(page2->prevBatch, "0");
  EXPECT_FALSE(page2->nextBatch.has_value());

  auto cats = api().queryPublicRooms(ctx_, {std::nullopt, std::nullopt, std::string("CATS")});
  ASSERT_EQ(cats->chunk.size(), 1u);
  EXPECT_EQ(cats->chunk[0].roomId, ids[1]);
  EXPECT_EQ(api().queryPublicRooms(ctx_, {std::string("x"), 1, std::nullopt}).error().code,
            ErrorCode::kInvalidParam);

  ASSERT_TRUE(api().performSetRoomVisibility(ctx_, ids[0], Visibility::kPrivate).ok());
  EXPECT_EQ(api().queryPublicRooms(ctx_, {})->chunk.size(), 2u);
}

TEST_P(RedactionDirectoryTest, UpgradeCreatesTheReplacementAndTombstonesTheOldRoom) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.preset = Preset::kPublicChat;
  r.roomVersion = "10";
  r.name = "Old";
  r.roomAliasName = "up";
  r.visibility = Visibility::kPublic;
  std::string oldRoom = createRoom(r);
  ASSERT_TRUE(api().performJoin(ctx_, {oldRoom, kBob, {}, {}}).ok());
  EXPECT_EQ(api().performUpgradeRoom(ctx_, {oldRoom, kBob, "12"}).error().code,
            ErrorCode::kForbidden);
  auto upgraded = api().performUpgradeRoom(ctx_, {oldRoom, kAlice, "12"});
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  const std::string& newRoom = upgraded->replacementRoomId;
  EXPECT_EQ(*api().queryRoomVersion(ctx_, newRoom), "12");
  auto tombstone = api().queryStateEvent(ctx_, oldRoom, "m.room.tombstone", "");
  ASSERT_TRUE(tombstone.ok());
  EXPECT_EQ(tombstone->pdu.content().find("replacement_room")->getString()->c_str(), newRoom);
  auto create = api().queryStateEvent(ctx_, newRoom, "m.room.create", "");
  EXPECT_EQ(create->pdu.content().find("predecessor")->getStringAt("room_id"), oldRoom);
  auto name = api().queryStateEvent(ctx_, newRoom, "m.room.name", "");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->pdu.content().find("name")->getString()->c_str(), std::string("Old"));
  EXPECT_EQ(api().queryRoomIdForAlias(ctx_, "#up:test.local")->roomId, newRoom);
  EXPECT_EQ(*api().queryRoomVisibility(ctx_, newRoom), Visibility::kPublic);
  EXPECT_EQ(*api().queryRoomVisibility(ctx_, oldRoom), Visibility::kPrivate);
  // Bob can no longer talk in the old room, and can join the new one.
  EXPECT_EQ(sendMessage(oldRoom, kBob, "hi").error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(api().performJoin(ctx_, {newRoom, kBob, {}, {}}).ok());
  expectValidEvents(newRoom);
  expectValidEvents(oldRoom);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(RedactionDirectoryTest);

}  // namespace
}  // namespace plexus::roomserver::testing
