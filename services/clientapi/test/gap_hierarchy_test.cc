// GET /_matrix/client/v1/rooms/{roomId}/hierarchy over HTTP: depth-first order with the spec's
// child ordering, visibility of child rooms, removed children, suggested_only, max_depth,
// stateless pagination and the 400/403 answers.
#include <vector>

#include "clientapi/test/room_test_fixture.h"

namespace plexus::clientapi::roomtest {
namespace {

class GapHierarchyTest : public RoomApiTest {
 protected:
  static std::string hierarchy(const std::string& roomId, const std::string& query = "") {
    return "/_matrix/client/v1/rooms/" + enc(roomId) + "/hierarchy" +
           (query.empty() ? "" : "?" + query);
  }

  void addChild(const TestUser& user, const std::string& space, const std::string& child,
                json::Object content) {
    Reply r = call("PUT", room(space, "/state/m.space.child/" + enc(child)), content, user);
    ASSERT_EQ(r.status, 200) << r.raw;
  }

  static std::vector<std::string> roomIds(const Reply& r) {
    std::vector<std::string> ids;
    const json::Value* rooms = r.get("rooms");
    if (!rooms || !rooms->getArray()) return ids;
    for (const auto& room : *rooms->getArray())
      ids.emplace_back(room.getStringAt("room_id").value_or(""));
    return ids;
  }

  static json::Object via() { return json::Object{{"via", json::Array{"test.local"}}}; }

  // A space (alice) with children: `second` (public, order "b"), `first` (alice's private room,
  // order "a", suggested), `bobs` (bob's private room) and `removed` (no via).
  void buildSpace() {
    alice_ = registerUser("alice");
    bob_ = registerUser("bob");
    space_ =
        createRoom(alice_, json::Object{{"preset", "public_chat"},
                                        {"name", "Space"},
                                        {"creation_content", json::Object{{"type", "m.space"}}}});
    second_ = createRoom(alice_, json::Object{{"preset", "public_chat"}, {"name", "Second"}});
    first_ = createRoom(alice_, json::Object{{"preset", "private_chat"}});
    bobs_ = createRoom(bob_, json::Object{{"preset", "private_chat"}});
    removed_ = createRoom(alice_, json::Object{{"preset", "public_chat"}});
    json::Object secondContent = via();
    secondContent.set("order", "b");
    addChild(alice_, space_, second_, secondContent);
    json::Object firstContent = via();
    firstContent.set("order", "a");
    firstContent.set("suggested", true);
    addChild(alice_, space_, first_, firstContent);
    addChild(alice_, space_, bobs_, via());
    addChild(alice_, space_, removed_, json::Object{{"via", json::Array{}}});
  }

  TestUser alice_, bob_;
  std::string space_, first_, second_, bobs_, removed_;
};

TEST_F(GapHierarchyTest, ListsVisibleChildrenDepthFirstInSpecOrder) {
  buildSpace();
  Reply r = get(hierarchy(space_), alice_);
  ASSERT_EQ(r.status, 200) << r.raw;
  // Ordered children first ("a" before "b"), then unordered ones; bob's private room is hidden
  // from alice and the removed child is not a child.
  EXPECT_EQ(roomIds(r), (std::vector<std::string>{space_, first_, second_}));
  EXPECT_EQ(r.get("next_batch"), nullptr);
  const json::Value& root = (*r.get("rooms")->getArray())[0];
  EXPECT_EQ(root.getStringAt("room_type"), std::optional<std::string_view>("m.space"));
  EXPECT_EQ(root.getStringAt("name"), std::optional<std::string_view>("Space"));
  EXPECT_EQ(root.getStringAt("join_rule"), std::optional<std::string_view>("public"));
  const json::Array& children = *root.get("children_state")->getArray();
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(children[0].getStringAt("state_key"), std::optional<std::string_view>(first_));
  EXPECT_EQ(children[0].getStringAt("type"), std::optional<std::string_view>("m.space.child"));
  EXPECT_EQ(children[0].getStringAt("sender"), std::optional<std::string_view>(alice_.userId));
  EXPECT_NE(children[0].get("origin_server_ts"), nullptr);
  EXPECT_EQ(children[0].get("event_id"), nullptr);  // stripped state

  Reply forBob = get(hierarchy(space_), bob_);
  ASSERT_EQ(forBob.status, 200) << forBob.raw;
  EXPECT_EQ(roomIds(forBob), (std::vector<std::string>{space_, second_, bobs_}));
}

TEST_F(GapHierarchyTest, PaginatesWithNextBatchAndKeepsParameters) {
  buildSpace();
  std::vector<std::string> seen;
  std::string from;
  for (int page = 0; page < 5; ++page) {
    Reply r =
        get(hierarchy(space_, "limit=1" + (from.empty() ? "" : "&from=" + enc(from))), alice_);
    ASSERT_EQ(r.status, 200) << r.raw;
    auto ids = roomIds(r);
    ASSERT_EQ(ids.size(), 1u) << r.raw;
    seen.push_back(ids[0]);
    from = r.str("next_batch");
    if (from.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{space_, first_, second_}));

  Reply firstPage = get(hierarchy(space_, "limit=1&max_depth=3"), alice_);
  Reply changed = get(
      hierarchy(space_, "limit=1&max_depth=1&from=" + enc(firstPage.str("next_batch"))), alice_);
  EXPECT_EQ(changed.status, 400) << changed.raw;
  EXPECT_EQ(changed.errcode(), "M_INVALID_PARAM");
  Reply garbage = get(hierarchy(space_, "from=nonsense"), alice_);
  EXPECT_EQ(garbage.status, 400);
}

TEST_F(GapHierarchyTest, HonoursSuggestedOnlyAndMaxDepth) {
  buildSpace();
  Reply suggested = get(hierarchy(space_, "suggested_only=true"), alice_);
  ASSERT_EQ(suggested.status, 200) << suggested.raw;
  EXPECT_EQ(roomIds(suggested), (std::vector<std::string>{space_, first_}));

  Reply shallow = get(hierarchy(space_, "max_depth=0"), alice_);
  ASSERT_EQ(shallow.status, 200) << shallow.raw;
  EXPECT_EQ(roomIds(shallow), (std::vector<std::string>{space_}));

  // A nested space is walked into, and a cycle back to the root is not followed.
  std::string inner =
      createRoom(alice_, json::Object{{"preset", "public_chat"},
                                      {"creation_content", json::Object{{"type", "m.space"}}}});
  std::string leaf = createRoom(alice_, json::Object{{"preset", "public_chat"}});
  json::Object early = via();
  early.set("order", "0");
  addChild(alice_, space_, inner, early);
  addChild(alice_, inner, leaf, via());
  addChild(alice_, inner, space_, via());
  Reply deep = get(hierarchy(space_), alice_);
  ASSERT_EQ(deep.status, 200) << deep.raw;
  EXPECT_EQ(roomIds(deep), (std::vector<std::string>{space_, inner, leaf, first_, second_}));
  Reply one = get(hierarchy(space_, "max_depth=1"), alice_);
  EXPECT_EQ(roomIds(one), (std::vector<std::string>{space_, inner, first_, second_}));
}

TEST_F(GapHierarchyTest, RefusesInvisibleRootsAndBadParameters) {
  buildSpace();
  Reply hidden = get(hierarchy(bobs_), alice_);
  EXPECT_EQ(hidden.status, 403) << hidden.raw;
  EXPECT_EQ(hidden.errcode(), "M_FORBIDDEN");
  Reply unknown = get(hierarchy("!nowhere:test.local"), alice_);
  EXPECT_EQ(unknown.status, 403) << unknown.raw;
  EXPECT_EQ(get(hierarchy(space_, "limit=0"), alice_).status, 400);
  EXPECT_EQ(get(hierarchy(space_, "max_depth=-1"), alice_).status, 400);
  EXPECT_EQ(get(hierarchy(space_, "suggested_only=maybe"), alice_).status, 400);
  EXPECT_EQ(call("GET", hierarchy(space_)).status, 401);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
