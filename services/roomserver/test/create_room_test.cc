// performCreateRoom: presets, room versions 10/11/12, the spec's event order, validity of the
// events it builds (hashes, signatures, auth rules) and its errors.
#include "roomserver_fixture.h"

namespace plexus::roomserver::testing {
namespace {

class CreateRoomTest : public RoomserverTest {
 protected:
  std::optional<std::string> stateString(const std::string& roomId, const std::string& type,
                                         const std::string& key) {
    auto e = api().queryStateEvent(ctx_, roomId, type, "");
    if (!e.ok()) return std::nullopt;
    const json::Value* v = e->pdu.content().find(key);
    if (!v || !v->getString()) return std::nullopt;
    return *v->getString();
  }
};

struct PresetCase {
  Preset preset;
  const char* version;
  const char* joinRule;
  bool guestAccess;
};

TEST_P(CreateRoomTest, EveryPresetAndVersionBuildsValidSignedEvents) {
  const PresetCase cases[] = {
      {Preset::kPrivateChat, "10", "invite", true},
      {Preset::kPublicChat, "10", "public", false},
      {Preset::kTrustedPrivateChat, "10", "invite", true},
      {Preset::kPrivateChat, "11", "invite", true},
      {Preset::kPublicChat, "11", "public", false},
      {Preset::kTrustedPrivateChat, "11", "invite", true},
      {Preset::kPrivateChat, "12", "invite", true},
      {Preset::kPublicChat, "12", "public", false},
      {Preset::kTrustedPrivateChat, "12", "invite", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string("version ") + c.version);
    CreateRoomRequest r;
    r.creator = kAlice;
    r.preset = c.preset;
    r.roomVersion = c.version;
    r.invite = {kBob};
    std::string roomId = createRoom(r);
    ASSERT_FALSE(roomId.empty());
    EXPECT_EQ(*api().queryRoomVersion(ctx_, roomId), c.version);
    EXPECT_EQ(stateString(roomId, "m.room.join_rules", "join_rule"), c.joinRule);
    EXPECT_EQ(stateString(roomId, "m.room.history_visibility", "history_visibility"), "shared");
    EXPECT_EQ(stateString(roomId, "m.room.guest_access", "guest_access").has_value(), c.guestAccess);
    EXPECT_EQ(membershipOf(roomId, kAlice), "join");
    EXPECT_EQ(membershipOf(roomId, kBob), "invite");
    auto pl = api().queryStateEvent(ctx_, roomId, "m.room.power_levels", "");
    ASSERT_TRUE(pl.ok());
    const json::Value* users = pl->pdu.content().find("users");
    ASSERT_TRUE(users && users->getObject());
    if (std::string(c.version) == "12") {
      // MSC4289: creators are not listed; trusted invitees become additional creators.
      EXPECT_EQ(users->getObject()->find(kAlice), nullptr);
      auto create = api().queryStateEvent(ctx_, roomId, "m.room.create", "");
      ASSERT_TRUE(create.ok());
      EXPECT_EQ(create->pdu.content().contains("additional_creators"),
                c.preset == Preset::kTrustedPrivateChat);
      // MSC4291: the room ID is the create event's ID with "!".
      EXPECT_EQ(roomId.substr(1), create->pdu.eventId().substr(1));
    } else {
      EXPECT_EQ(*users->getObject()->find(kAlice), json::Value(100));
      EXPECT_EQ(users->getObject()->find(kBob) != nullptr, c.preset == Preset::kTrustedPrivateChat);
      EXPECT_EQ(roomId.substr(roomId.size() - kServer.size()), kServer);
    }
    expectValidEvents(roomId);
  }
}

TEST_P(CreateRoomTest, EventsFollowTheSpecOrder) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.preset = Preset::kPrivateChat;
  r.roomAliasName = "order";
  r.name = "Name";
  r.topic = "Topic";
  r.invite = {kBob};
  r.initialState = {{"m.room.encryption", "", json::Object{{"algorithm", "m.megolm.v1.aes-sha2"}}}};
  std::string roomId = createRoom(r);
  auto outputs = waitForOutputs(11);
  ASSERT_EQ(outputs.size(), 11u);
  const char* expected[] = {"m.room.create",       "m.room.member",
                            "m.room.power_levels", "m.room.canonical_alias",
                            "m.room.join_rules",   "m.room.history_visibility",
                            "m.room.guest_access", "m.room.encryption",
                            "m.room.name",         "m.room.topic"};
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(*outputs[i].event.find("type"), json::Value(expected[i])) << i;
    EXPECT_EQ(outputs[i].roomId, roomId);
  }
  const auto& last = outputs;
  EXPECT_EQ(*last[10].event.find("type"), json::Value("m.room.member"));
  EXPECT_EQ(*last[10].event.find("state_key"), json::Value(kBob));
  // Bob's invite carries his profile.
  EXPECT_EQ(last[10].event.find("content")->getStringAt("displayname"), "Bob");
  auto alias = api().queryRoomIdForAlias(ctx_, "#order:test.local");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->roomId, roomId);
}

TEST_P(CreateRoomTest, DepthsAndPrevEventsFormAChain) {
  std::string roomId = createRoom(Preset::kPublicChat);
  auto outputs = waitForOutputs(5);
  ASSERT_GE(outputs.size(), 5u);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(*outputs[i].event.find("depth"), json::Value(static_cast<std::int64_t>(i + 1)));
    const json::Array* prev = outputs[i].event.find("prev_events")->getArray();
    if (i == 0) {
      EXPECT_TRUE(prev->empty());
    } else {
      ASSERT_EQ(prev->size(), 1u);
      EXPECT_EQ((*prev)[0], json::Value(outputs[i - 1].eventId));
    }
  }
  auto latest = api().queryLatestEvents(ctx_, roomId);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->eventIds.size(), 1u);
  EXPECT_EQ(latest->eventIds[0], outputs.back().eventId);
}

TEST_P(CreateRoomTest, PowerLevelOverrideAndCreationContentApply) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "11";
  r.powerLevelContentOverride = json::Object{{"events_default", 20}};
  r.creationContent = json::Object{{"m.federate", false}, {"type", "m.space"}};
  std::string roomId = createRoom(r);
  auto pl = api().queryStateEvent(ctx_, roomId, "m.room.power_levels", "");
  ASSERT_TRUE(pl.ok());
  EXPECT_EQ(*pl->pdu.content().find("events_default"), json::Value(20));
  EXPECT_EQ(*pl->pdu.content().find("ban"), json::Value(50));
  auto create = api().queryStateEvent(ctx_, roomId, "m.room.create", "");
  EXPECT_EQ(*create->pdu.content().find("m.federate"), json::Value(false));
  EXPECT_EQ(*create->pdu.content().find("type"), json::Value("m.space"));
  // Without a preset a private room is invite-only.
  EXPECT_EQ(api().performJoin(ctx_, {roomId, kBob, {}, {}}).error().code, ErrorCode::kForbidden);
}

TEST_P(CreateRoomTest, PublicVisibilityPublishesTheRoom) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.visibility = Visibility::kPublic;
  std::string roomId = createRoom(r);
  EXPECT_EQ(*api().queryRoomVisibility(ctx_, roomId), Visibility::kPublic);
  EXPECT_EQ(stateString(roomId, "m.room.join_rules", "join_rule"), "public");
}

TEST_P(CreateRoomTest, RejectsUnknownRoomVersion) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "999";
  EXPECT_EQ(api().performCreateRoom(ctx_, r).error().code, ErrorCode::kUnsupportedRoomVersion);
}

TEST_P(CreateRoomTest, RejectsTakenAliasWithRoomInUseAndStoresNothing) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomAliasName = "taken";
  createRoom(r);
  auto second = api().performCreateRoom(ctx_, r);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kRoomInUse);
  EXPECT_EQ(second.error().errcode(), "M_ROOM_IN_USE");
  auto rooms = api().queryRoomsForUser(ctx_, kAlice, "join");
  ASSERT_TRUE(rooms.ok());
  EXPECT_EQ(rooms->size(), 1u);
}

TEST_P(CreateRoomTest, IdenticalRequestsInOneMillisecondMakeDistinctRooms) {
  clockFrozen_ = true;
  for (const char* version : {"10", "12"}) {
    CreateRoomRequest r;
    r.creator = kAlice;
    r.roomVersion = version;
    auto first = api().performCreateRoom(ctx_, r);
    auto second = api().performCreateRoom(ctx_, r);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_NE(first->roomId, second->roomId) << "room version " << version;
  }
}

TEST_P(CreateRoomTest, RejectsBadInviteeAndBadCreationContent) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.invite = {"not-a-user"};
  EXPECT_EQ(api().performCreateRoom(ctx_, r).error().code, ErrorCode::kInvalidParam);
  CreateRoomRequest bad;
  bad.creator = kAlice;
  bad.creationContent = json::Object{{"additional_creators", "nope"}};
  EXPECT_EQ(api().performCreateRoom(ctx_, bad).error().code, ErrorCode::kInvalidParam);
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "join")->empty());
}

TEST_P(CreateRoomTest, ForbiddenInitialStateLeavesNoPartialRoom) {
  CreateRoomRequest r;
  r.creator = kAlice;
  r.roomVersion = "10";
  // Nobody can send a join on behalf of someone else: the auth rules refuse it.
  r.initialState = {{"m.room.member", kBob, json::Object{{"membership", "join"}}}};
  auto created = api().performCreateRoom(ctx_, r);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(api().queryRoomsForUser(ctx_, kAlice, "join")->empty());
  EXPECT_EQ(outputCount(), 0u);
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(CreateRoomTest);

}  // namespace
}  // namespace plexus::roomserver::testing
