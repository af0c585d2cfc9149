// Aliases and the room directory over HTTP: alias create/resolve/delete, local alias lists,
// directory visibility and GET/POST /publicRooms with search and paging.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class RoomDirectoryTest : public RoomApiTest {
 protected:
  static std::string alias(const std::string& localpart) {
    return v3("/directory/room/" + enc("#" + localpart + ":test.local"));
  }
};

TEST_F(RoomDirectoryTest, CreatesResolvesAndDeletesAliases) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  Reply put = call("PUT", alias("hall"), json::Object{{"room_id", roomId}}, alice);
  ASSERT_EQ(put.status, 200) << put.raw;
  Reply resolved = call("GET", alias("hall"));  // no token needed
  ASSERT_EQ(resolved.status, 200) << resolved.raw;
  EXPECT_EQ(resolved.str("room_id"), roomId);
  ASSERT_NE(resolved.get("servers"), nullptr);
  EXPECT_EQ(*resolved.get("servers"), json::Value(json::Array{"test.local"}));

  Reply list = get(room(roomId, "/aliases"), alice);
  ASSERT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(*list.get("aliases"), json::Value(json::Array{"#hall:test.local"}));

  Reply taken = call("PUT", alias("hall"), json::Object{{"room_id", roomId}}, alice);
  EXPECT_EQ(taken.status, 409) << taken.raw;

  EXPECT_EQ(call("DELETE", alias("hall"), "", alice.accessToken).status, 200);
  Reply gone = call("GET", alias("hall"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.errcode(), "M_NOT_FOUND");
  EXPECT_EQ(call("DELETE", alias("hall"), "", alice.accessToken).status, 404);
}

TEST_F(RoomDirectoryTest, RejectsMalformedAndForeignAliases) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  Reply foreign = call("PUT", v3("/directory/room/" + enc("#hall:other.test")),
                       json::Object{{"room_id", roomId}}, alice);
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(foreign.errcode(), "M_INVALID_PARAM");
  Reply malformed = call("GET", v3("/directory/room/hall"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.errcode(), "M_INVALID_PARAM");
  Reply noRoom = call("PUT", alias("hall"), json::Object{}, alice);
  EXPECT_EQ(noRoom.errcode(), "M_MISSING_PARAM");
  Reply unknownRoom =
      call("PUT", alias("hall"), json::Object{{"room_id", "!nope:test.local"}}, alice);
  EXPECT_EQ(unknownRoom.status, 404) << unknownRoom.raw;
}

TEST_F(RoomDirectoryTest, AliasListIsForMembers) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(alice);
  Reply r = get(room(roomId, "/aliases"), bob);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.errcode(), "M_FORBIDDEN");
}

TEST_F(RoomDirectoryTest, PublishesRoomsInThePublicList) {
  TestUser alice = registerUser("alice");
  TestUser bob = registerUser("bob");
  std::string roomId = createRoom(
      alice,
      json::Object{{"name", "Gardening club"}, {"topic", "tomatoes"}, {"preset", "public_chat"}});
  std::string listPath = v3("/directory/list/room/" + enc(roomId));
  EXPECT_EQ(call("GET", listPath).str("visibility"), "private");
  ASSERT_EQ(join(bob, roomId).status, 200);
  Reply weak = call("PUT", listPath, json::Object{{"visibility", "public"}}, bob);
  EXPECT_EQ(weak.status, 403) << weak.raw;
  Reply put = call("PUT", listPath, json::Object{{"visibility", "public"}}, alice);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(call("GET", listPath).str("visibility"), "public");
  Reply bad = call("PUT", listPath, json::Object{{"visibility", "shouting"}}, alice);
  EXPECT_EQ(bad.errcode(), "M_INVALID_PARAM");

  Reply list = call("GET", v3("/publicRooms"));
  ASSERT_EQ(list.status, 200) << list.raw;
  const json::Array* chunk = list.get("chunk")->getArray();
  ASSERT_EQ(chunk->size(), 1u) << list.raw;
  EXPECT_EQ(chunk->front().getStringAt("room_id"), roomId);
  EXPECT_EQ(chunk->front().getStringAt("name"), "Gardening club");
  EXPECT_EQ(chunk->front().get("num_joined_members")->getInt(), 2);

  Reply match =
      call("POST", v3("/publicRooms"),
           json::Object{{"filter", json::Object{{"generic_search_term", "GARDEN"}}}}, bob);
  ASSERT_EQ(match.status, 200) << match.raw;
  EXPECT_EQ(match.get("chunk")->getArray()->size(), 1u);
  Reply noMatch =
      call("POST", v3("/publicRooms"),
           json::Object{{"filter", json::Object{{"generic_search_term", "chess"}}}}, bob);
  EXPECT_EQ(noMatch.get("chunk")->getArray()->size(), 0u);

  EXPECT_EQ(call("PUT", listPath, json::Object{{"visibility", "private"}}, alice).status, 200);
  EXPECT_EQ(call("GET", v3("/publicRooms")).get("chunk")->getArray()->size(), 0u);
}

TEST_F(RoomDirectoryTest, PagesThroughPublicRooms) {
  TestUser alice = registerUser("alice");
  std::set<std::string> created;
  for (int i = 0; i < 3; ++i) {
    // Distinct create content: v12 room IDs hash the create event, and identical creates within
    // one millisecond collide (reported to the roomserver's owner).
    json::Object creation{{"org.example.n", i}};
    created.insert(
        createRoom(alice, json::Object{{"visibility", "public"}, {"creation_content", creation}}));
  }
  std::set<std::string> seen;
  std::string since;
  for (int page = 0; page < 5; ++page) {
    std::string path = v3("/publicRooms?limit=2");
    if (!since.empty()) path += "&since=" + enc(since);
    Reply r = call("GET", path);
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.get("total_room_count_estimate")->getInt(), 3);
    const json::Array* chunk = r.get("chunk")->getArray();
    EXPECT_LE(chunk->size(), 2u);
    for (const auto& entry : *chunk) seen.insert(std::string(*entry.getStringAt("room_id")));
    since = r.str("next_batch");
    if (since.empty()) break;
  }
  EXPECT_EQ(seen, created);
  Reply negative = call("GET", v3("/publicRooms?limit=-1"));
  EXPECT_EQ(negative.errcode(), "M_INVALID_PARAM");
  // Without a federation sender another server's directory cannot be asked.
  Reply remote = call("GET", v3("/publicRooms?server=elsewhere.test"));
  EXPECT_EQ(remote.status, 404);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
