// The deprecated sync API over HTTP: GET /initialSync, GET /rooms/{roomId}/initialSync and the
// GET /events stream (from/timeout -> chunk/start/end).
#include <thread>

#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

using GapLegacySyncTest = RoomApiTest;

const json::Value* roomEntry(const Reply& r, const std::string& roomId) {
  const json::Value* rooms = r.get("rooms");
  if (!rooms || !rooms->getArray()) return nullptr;
  for (const auto& room : *rooms->getArray()) {
    if (room.getStringAt("room_id") == std::optional<std::string_view>(roomId)) return &room;
  }
  return nullptr;
}

bool hasEventOfType(const json::Value* events, std::string_view type) {
  if (!events || !events->getArray()) return false;
  for (const auto& e : *events->getArray()) {
    if (e.getStringAt("type") == std::optional<std::string_view>(type)) return true;
  }
  return false;
}

TEST_F(GapLegacySyncTest, InitialSyncListsJoinedAndInvitedRooms) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice, json::Object{{"name", "Hall"}});
  send(alice, roomId, "first words");
  std::string invitedTo = createRoom(bob);
  ASSERT_EQ(
      call("POST", room(invitedTo, "/invite"), json::Object{{"user_id", alice.userId}}, bob).status,
      200);
  // Room events reach sync-api asynchronously (the bus): wait until /sync has both.
  syncUntil(alice, [&](const Reply& s) { return s.raw.find(invitedTo) != std::string::npos; });
  syncUntil(alice, [&](const Reply& s) { return s.raw.find("first words") != std::string::npos; });

  Reply r = get(v3("/initialSync?limit=5"), alice);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.str("end").empty());
  ASSERT_NE(r.get("presence"), nullptr);
  ASSERT_NE(r.get("account_data"), nullptr);
  const json::Value* joined = roomEntry(r, roomId);
  ASSERT_NE(joined, nullptr) << r.raw;
  EXPECT_EQ(joined->getStringAt("membership"), std::optional<std::string_view>("join"));
  EXPECT_EQ(joined->getStringAt("visibility"), std::optional<std::string_view>("private"));
  const json::Value* messages = joined->get("messages");
  ASSERT_NE(messages, nullptr);
  EXPECT_TRUE(hasEventOfType(messages->get("chunk"), "m.room.message")) << r.raw;
  EXPECT_NE(messages->getStringAt("start"), std::nullopt);
  EXPECT_NE(messages->getStringAt("end"), std::nullopt);
  EXPECT_EQ((*messages->get("chunk")->getArray())[0].getStringAt("room_id"),
            std::optional<std::string_view>(roomId));
  EXPECT_TRUE(hasEventOfType(joined->get("state"), "m.room.create"));
  EXPECT_TRUE(hasEventOfType(joined->get("state"), "m.room.name"));
  const json::Value* invited = roomEntry(r, invitedTo);
  ASSERT_NE(invited, nullptr) << r.raw;
  EXPECT_EQ(invited->getStringAt("membership"), std::optional<std::string_view>("invite"));
}

TEST_F(GapLegacySyncTest, RoomInitialSyncGivesStateAndRecentMessagesOldestFirst) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  std::string one = send(alice, roomId, "one");
  std::string two = send(alice, roomId, "two");
  syncUntil(alice, [&](const Reply& s) { return s.raw.find(two) != std::string::npos; });
  Reply r = get(room(roomId, "/initialSync"), alice);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.str("room_id"), roomId);
  EXPECT_EQ(r.str("membership"), "join");
  EXPECT_TRUE(hasEventOfType(r.get("state"), "m.room.power_levels"));
  const json::Array& chunk = *r.get("messages")->get("chunk")->getArray();
  ASSERT_GE(chunk.size(), 2u);
  EXPECT_EQ(chunk[chunk.size() - 2].getStringAt("event_id"), std::optional<std::string_view>(one));
  EXPECT_EQ(chunk.back().getStringAt("event_id"), std::optional<std::string_view>(two));
  EXPECT_NE(r.get("account_data"), nullptr);

  Reply outsider = get(room(roomId, "/initialSync"), bob);
  EXPECT_EQ(outsider.status, 403) << outsider.raw;
}

TEST_F(GapLegacySyncTest, EventStreamDeliversNewEventsAfterFrom) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  Reply now = get(v3("/events?timeout=0"), alice);
  ASSERT_EQ(now.status, 200) << now.raw;
  ASSERT_NE(now.get("chunk"), nullptr);
  const std::string from = now.str("end");
  ASSERT_FALSE(from.empty());
  EXPECT_FALSE(now.str("start").empty());  // the position the stream started from

  std::string eventId = send(alice, roomId, "streamed");
  Reply next;
  std::string since = from;
  for (int i = 0; i < 5; ++i) {
    next = get(v3("/events?timeout=2000&from=" + enc(since)), alice);
    ASSERT_EQ(next.status, 200) << next.raw;
    if (next.raw.find(eventId) != std::string::npos) break;
    since = next.str("end");
  }
  ASSERT_NE(next.raw.find(eventId), std::string::npos) << next.raw;
  EXPECT_EQ(next.str("start"), since);
  EXPECT_NE(next.str("end"), since);
  bool withRoom = false;
  for (const auto& e : *next.get("chunk")->getArray()) {
    if (e.getStringAt("event_id") == std::optional<std::string_view>(eventId)) {
      withRoom = e.getStringAt("room_id") == std::optional<std::string_view>(roomId);
    }
  }
  EXPECT_TRUE(withRoom) << next.raw;

  EXPECT_EQ(get(v3("/events?timeout=abc"), alice).status, 400);
  EXPECT_EQ(get(v3("/events?from=garbage&timeout=0"), alice).status, 400);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
