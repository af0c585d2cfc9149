// A node on the overlay lists the public rooms and finds the users other nodes announced by
// gossip (OverlayDirectory): after its own entries, first page only, searched and counted.
#include "clientapi/impl/overlay_directory.h"
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class FakeOverlayDirectory : public OverlayDirectory {
 public:
  std::vector<roomserver::PublicRoom> publicRooms(std::string_view term) const override {
    std::vector<roomserver::PublicRoom> out;
    for (const auto& r : rooms) {
      if (term.empty() || r.name->find(term) != std::string::npos) out.push_back(r);
    }
    return out;
  }
  std::vector<std::string> roomServers(std::string_view roomId) const override {
    return roomId == "!far:away" ? std::vector<std::string>{"announcer"}
                                 : std::vector<std::string>{};
  }
  std::vector<Profile> profiles(std::string_view term, std::size_t limit) const override {
    std::vector<Profile> out;
    for (const auto& p : people) {
      if (out.size() < limit && p.displayName->find(term) != std::string::npos) out.push_back(p);
    }
    return out;
  }
  std::vector<roomserver::PublicRoom> rooms;
  std::vector<Profile> people;
};

class OverlayDirectoryTest : public RoomApiTest {
 protected:
  void wire(ClientApiDeps& deps) override {
    roomserver::PublicRoom remote;
    remote.roomId = "!far:away";
    remote.name = "Far away lounge";
    remote.numJoinedMembers = 7;
    directory_.rooms = {remote};
    directory_.people = {{"@zed:abcdef", std::string("Zed Remote"), std::nullopt},
                         {"@zoe:abcdef", std::string("Zoe Remote"), std::nullopt}};
    deps.overlayDirectory = &directory_;
  }
  FakeOverlayDirectory directory_;
};

TEST_F(OverlayDirectoryTest, PublicRoomsListLocalThenOverlayRooms) {
  TestUser alice = registerUser("alice");
  std::string local = createRoom(alice, json::Object{{"name", "Local hall"},
                                                     {"preset", "public_chat"},
                                                     {"visibility", "public"}});
  Reply list = call("GET", v3("/publicRooms"));
  ASSERT_EQ(list.status, 200) << list.raw;
  const json::Array* chunk = list.get("chunk")->getArray();
  ASSERT_EQ(chunk->size(), 2u) << list.raw;
  EXPECT_EQ((*chunk)[0].getStringAt("room_id"), local);
  EXPECT_EQ((*chunk)[1].getStringAt("room_id"), "!far:away");
  EXPECT_EQ((*chunk)[1].get("num_joined_members")->getInt(), 7);
  EXPECT_EQ(list.get("total_room_count_estimate")->getInt(), 2);

  Reply search = call("POST", v3("/publicRooms"),
                      json::Object{{"filter", json::Object{{"generic_search_term", "Far"}}}},
                      alice);
  ASSERT_EQ(search.status, 200) << search.raw;
  ASSERT_EQ(search.get("chunk")->getArray()->size(), 1u) << search.raw;
  EXPECT_EQ(search.get("chunk")->getArray()->front().getStringAt("room_id"), "!far:away");

  Reply page = call("GET", v3("/publicRooms?limit=1"));
  EXPECT_EQ(page.get("chunk")->getArray()->size(), 1u) << page.raw;  // the limit holds
}

TEST_F(OverlayDirectoryTest, UserSearchFindsOverlayUsersWithinTheLimit) {
  TestUser alice = registerUser("alice");
  Reply found = call("POST", v3("/user_directory/search"),
                     json::Object{{"search_term", "Remote"}, {"limit", 1}}, alice);
  ASSERT_EQ(found.status, 200) << found.raw;
  const json::Array* results = found.get("results")->getArray();
  ASSERT_EQ(results->size(), 1u) << found.raw;
  EXPECT_EQ(results->front().getStringAt("user_id"), "@zed:abcdef");
  EXPECT_EQ(results->front().getStringAt("display_name"), "Zed Remote");
  EXPECT_EQ(found.get("limited")->getBool(), true);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
