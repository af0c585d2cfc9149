// Room summaries (GET /v1/room_summary, with and without a token), mutual rooms and
// timestamp_to_event over HTTP against the real services.
#include <chrono>
#include <vector>

#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

using GapRoomInfoTest = RoomApiTest;

std::string summary(const std::string& roomIdOrAlias) {
  return "/_matrix/client/v1/room_summary/" + enc(roomIdOrAlias);
}

TEST_F(GapRoomInfoTest, SummarisesPublicRoomWithoutToken) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"},
                                                      {"name", "Hall"},
                                                      {"topic", "Talk"},
                                                      {"room_alias_name", "hall"}});
  Reply r = call("GET", summary(roomId));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.str("room_id"), roomId);
  EXPECT_EQ(r.str("name"), "Hall");
  EXPECT_EQ(r.str("topic"), "Talk");
  EXPECT_EQ(r.str("canonical_alias"), "#hall:test.local");
  EXPECT_EQ(r.str("join_rule"), "public");
  EXPECT_EQ(r.str("room_version"), "12");
  EXPECT_EQ(*r.get("num_joined_members"), json::Value(std::int64_t{1}));
  EXPECT_EQ(*r.get("world_readable"), json::Value(false));
  EXPECT_EQ(*r.get("guest_can_join"), json::Value(false));
  EXPECT_EQ(r.get("membership"), nullptr);  // nobody asked

  Reply byAlias = call("GET", summary("#hall:test.local"));
  ASSERT_EQ(byAlias.status, 200) << byAlias.raw;
  EXPECT_EQ(byAlias.str("room_id"), roomId);

  Reply mine = get(summary(roomId), alice);
  ASSERT_EQ(mine.status, 200) << mine.raw;
  EXPECT_EQ(mine.str("membership"), "join");
}

TEST_F(GapRoomInfoTest, HidesPrivateRoomsFromOutsiders) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId =
      createRoom(alice, json::Object{{"preset", "private_chat"}, {"name", "Secret"}});
  ASSERT_EQ(call("PUT", room(roomId, "/state/m.room.encryption"),
                 json::Object{{"algorithm", "m.megolm.v1.aes-sha2"}}, alice)
                .status,
            200);
  EXPECT_EQ(call("GET", summary(roomId)).status, 404);
  Reply outsider = get(summary(roomId), bob);
  EXPECT_EQ(outsider.status, 404) << outsider.raw;
  EXPECT_EQ(outsider.errcode(), "M_NOT_FOUND");

  ASSERT_EQ(
      call("POST", room(roomId, "/invite"), json::Object{{"user_id", bob.userId}}, alice).status,
      200);
  Reply invited = get(summary(roomId), bob);
  ASSERT_EQ(invited.status, 200) << invited.raw;
  EXPECT_EQ(invited.str("membership"), "invite");
  EXPECT_EQ(invited.str("join_rule"), "invite");
  EXPECT_EQ(invited.str("encryption"), "m.megolm.v1.aes-sha2");

  EXPECT_EQ(call("GET", summary("!missing:test.local")).status, 404);
  EXPECT_EQ(call("GET", summary("#missing:test.local")).status, 404);
  EXPECT_EQ(call("GET", summary("not-a-room")).status, 400);
  EXPECT_EQ(call("GET", summary(roomId), "", "bogus-token").status, 401);
}

TEST_F(GapRoomInfoTest, ListsMutualRoomsSortedWithCount) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::vector<std::string> shared;
  for (int i = 0; i < 3; ++i) {
    std::string roomId = createRoom(alice, json::Object{{"preset", "public_chat"}});
    ASSERT_EQ(join(bob, roomId).status, 200);
    shared.push_back(roomId);
  }
  createRoom(alice);  // alice alone
  std::sort(shared.begin(), shared.end());

  Reply r = get("/_matrix/client/v1/mutual_rooms?user_id=" + enc(bob.userId), alice);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(*r.get("count"), json::Value(std::int64_t{3}));
  EXPECT_EQ(*r.get("joined"), json::Value(json::Array{shared[0], shared[1], shared[2]}));
  EXPECT_EQ(r.get("next_batch"), nullptr);

  Reply later =
      get("/_matrix/client/v1/mutual_rooms?user_id=" + enc(bob.userId) + "&from=" + enc(shared[1]),
          alice);
  ASSERT_EQ(later.status, 200) << later.raw;
  EXPECT_EQ(*later.get("joined"), json::Value(json::Array{shared[1], shared[2]}));

  Reply stranger =
      get("/_matrix/client/v1/mutual_rooms?user_id=" + enc("@nobody:test.local"), alice);
  ASSERT_EQ(stranger.status, 200) << stranger.raw;
  EXPECT_EQ(*stranger.get("joined"), json::Value(json::Array{}));

  Reply bad = get("/_matrix/client/v1/mutual_rooms?user_id=nobody", alice);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.errcode(), "M_INVALID_PARAM");
  Reply missing = get("/_matrix/client/v1/mutual_rooms", alice);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.errcode(), "M_MISSING_PARAM");
}

TEST_F(GapRoomInfoTest, FindsEventClosestToTimestamp) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  std::string last = send(alice, roomId, "hello");
  // Room events reach sync-api asynchronously (the bus): wait until it has the message.
  syncUntil(alice, [&](const Reply& s) { return s.raw.find(last) != std::string::npos; });
  const std::string base = "/_matrix/client/v1/rooms/" + enc(roomId) + "/timestamp_to_event";

  const std::int64_t farFuture = std::int64_t{4'000'000'000'000};
  Reply backwards = get(base + "?dir=b&ts=" + std::to_string(farFuture), alice);
  ASSERT_EQ(backwards.status, 200) << backwards.raw;
  EXPECT_EQ(backwards.str("event_id"), last);
  EXPECT_NE(backwards.get("origin_server_ts"), nullptr);

  Reply forwards = get(base + "?dir=f&ts=0", alice);
  ASSERT_EQ(forwards.status, 200) << forwards.raw;
  EXPECT_FALSE(forwards.str("event_id").empty());
  EXPECT_NE(forwards.str("event_id"), last);  // the room's first event, m.room.create

  EXPECT_EQ(get(base + "?dir=f&ts=" + std::to_string(farFuture), alice).status, 404);
  EXPECT_EQ(get(base + "?ts=0", alice).status, 400);
  EXPECT_EQ(get(base + "?dir=x&ts=0", alice).status, 400);
  EXPECT_EQ(get(base + "?dir=f", alice).status, 400);
  EXPECT_EQ(get(base + "?dir=f&ts=0", bob).status, 403);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
