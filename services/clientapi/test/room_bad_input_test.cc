// Bad input on every room-side route: malformed bodies, wrong types, odd path parameters and
// missing tokens all get a 4xx Matrix error (never a 500, a crash or a hang), and change nothing.
#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class RoomBadInputTest : public RoomApiTest {
 protected:
  // Every room-side route with a method, for a room and event that exist.
  std::vector<std::pair<std::string, std::string>> routes(const std::string& roomId,
                                                          const std::string& eventId,
                                                          const std::string& userId) {
    std::string r = room(roomId, "");
    std::string e = enc(eventId);
    std::string v1 = "/_matrix/client/v1/rooms/" + enc(roomId);
    return {
        {"POST", v3("/createRoom")},
        {"POST", r + "/join"},
        {"POST", v3("/join/" + enc(roomId))},
        {"POST", v3("/knock/" + enc(roomId))},
        {"POST", r + "/invite"},
        {"POST", r + "/leave"},
        {"POST", r + "/forget"},
        {"POST", r + "/kick"},
        {"POST", r + "/ban"},
        {"POST", r + "/unban"},
        {"PUT", r + "/send/m.room.message/bad1"},
        {"PUT", r + "/state/m.room.topic"},
        {"PUT", r + "/state/m.room.canonical_alias/"},
        {"PUT", r + "/redact/" + e + "/bad2"},
        {"POST", r + "/upgrade"},
        {"POST", r + "/report/" + e},
        {"POST", r + "/report"},
        {"PUT", r + "/typing/" + enc(userId)},
        {"POST", r + "/receipt/m.read/" + e},
        {"POST", r + "/read_markers"},
        {"PUT", v3("/directory/room/" + enc("#bad:test.local"))},
        {"PUT", v3("/directory/list/room/" + enc(roomId))},
        {"POST", v3("/publicRooms")},
        {"POST", v3("/search")},
        {"GET", r + "/messages?dir=x&limit=abc&filter=%7B"},
        {"GET", r + "/context/" + e + "?limit=-5&filter=nope"},
        {"GET", v1 + "/relations/" + e + "?dir=q&recurse=maybe"},
        {"GET", v1 + "/threads?include=nobody&limit=-1"},
        {"GET", r + "/members?membership=x"},
        {"GET", r + "/state/m.room.create/?format=weird"},
        {"GET", v3("/publicRooms?limit=x")},
    };
  }
};

TEST_F(RoomBadInputTest, MalformedBodiesGetClientErrorsAndChangeNothing) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  std::string eventId = send(alice, roomId, "x");
  Reply before = get(room(roomId, "/state"), alice);
  ASSERT_EQ(before.status, 200);
  // None of these is a JSON object, so every route that reads a body must refuse it.
  const std::vector<std::string> bodies = {
      "{", "[]", "null", "\"text\"", "\xff", "{\"a\":1e999}", std::string(3000, '['),
  };
  for (const auto& [method, path] : routes(roomId, eventId, alice.userId)) {
    for (const std::string& body : bodies) {
      if (method == "GET" && body != bodies.front()) continue;
      if (path.ends_with("/forget")) continue;  // takes no body; ignores it
      Reply r = call(method, path, method == "GET" ? "" : body, alice.accessToken);
      EXPECT_GE(r.status, 400) << method << " " << path << " " << body.substr(0, 40) << " -> "
                               << r.raw;
      EXPECT_LT(r.status, 500) << method << " " << path << " " << body.substr(0, 40) << " -> "
                               << r.raw;
      EXPECT_FALSE(r.errcode().empty()) << method << " " << path << " -> " << r.raw;
    }
  }
  // Still joined, and no state changed.
  Reply after = get(room(roomId, "/state"), alice);
  EXPECT_EQ(after.body, before.body);
  EXPECT_EQ(*get(v3("/joined_rooms"), alice).get("joined_rooms"), json::Value(json::Array{roomId}));
}

TEST_F(RoomBadInputTest, RoutesNeedAToken) {
  for (const auto& [method, path] : routes("!r:test.local", "$e", "@u:test.local")) {
    if (path.find("/publicRooms") != std::string::npos && method == "GET") continue;
    Reply r = call(method, path, "{}");
    EXPECT_EQ(r.status, 401) << method << " " << path << " -> " << r.raw;
    EXPECT_EQ(r.errcode(), "M_MISSING_TOKEN") << method << " " << path;
  }
  Reply bogus = call("GET", v3("/joined_rooms"), "", "not-a-token");
  EXPECT_EQ(bogus.status, 401);
  EXPECT_EQ(bogus.errcode(), "M_UNKNOWN_TOKEN");
}

TEST_F(RoomBadInputTest, OddPathParametersAreRejected) {
  TestUser alice = registerUser("alice");
  for (const std::string& path : {
           v3("/rooms/" + enc("no-bang") + "/state"),
           v3("/rooms/" + enc("!") + "/members"),
           v3("/rooms/" + enc(std::string(400, '!')) + "/joined_members"),
           v3("/rooms/" + enc("!r:test.local") + "/event/" + enc("noDollar")),
           v3("/directory/room/" + enc("no-hash")),
           v3("/directory/room/" + enc("#")),
       }) {
    Reply r = get(path, alice);
    EXPECT_GE(r.status, 400) << path << " -> " << r.raw;
    EXPECT_LT(r.status, 500) << path << " -> " << r.raw;
  }
}

// Found by the client-API fuzzer: a tag that is not UTF-8 was stored inside the tags JSON and
// every later read of the user's tags failed with 500 "stored JSON is corrupt".
TEST_F(RoomBadInputTest, PathAndQueryValuesThatAreNotUtf8AreRejectedBeforeTheyAreStored) {
  TestUser alice = registerUser("alice");
  std::string roomId = createRoom(alice);
  std::string user = v3("/user/" + enc(alice.userId));
  std::string tags = user + "/rooms/" + enc(roomId) + "/tags";
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"PUT", tags + "/u.%90work"},
           {"PUT", user + "/account_data/im.%FF"},
           {"PUT", room(roomId, "/send/m.%C0%AE/t1")},       // overlong '.'
           {"PUT", room(roomId, "/state/m.topic/%ED%A0%80")},  // a surrogate
           {"GET", room(roomId, "/messages?dir=b&from=%E2%82")},
       }) {
    Reply r = call(method, path, "{}", alice.accessToken);
    EXPECT_EQ(r.status, 400) << method << " " << path << " -> " << r.raw;
    EXPECT_EQ(r.errcode(), "M_INVALID_PARAM") << method << " " << path;
  }
  Reply after = get(tags, alice);
  EXPECT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(call("PUT", tags + "/u.%E2%9C%93", "{}", alice.accessToken).status, 200);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
