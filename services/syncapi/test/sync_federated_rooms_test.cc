// Rooms that arrive over federation: a remote join whose room state is named only by ID in the
// join's output (fetched through the RoomEventSource port and kept out of the timeline), and an
// invite to a room this server is not in (OutputRoomEvent::Kind::kInvite with stripped state),
// and a knock on such a room (Kind::kKnock).
#include <map>

#include "service_fixture.h"

namespace plexus::syncapi::testing {
namespace {

// Answers from a map, as the roomserver would from its stored events.
class MapEventSource final : public RoomEventSource {
 public:
  Result<std::vector<Event>> queryEvents(const CallContext&,
                                         const std::vector<std::string>& ids) override {
    ++calls;
    std::vector<Event> out;
    for (const auto& id : ids) {
      if (auto it = events.find(id); it != events.end()) out.push_back(Event{id, it->second});
    }
    return out;
  }
  Result<std::vector<Event>> backfill(const CallContext&, const std::string& roomId,
                                      const std::vector<std::string>& fromEventIds,
                                      int limit) override {
    ++backfillCalls;
    lastBackfillRoom = roomId;
    lastFrom = fromEventIds;
    std::vector<Event> out;
    for (auto& e : history) {
      if (static_cast<int>(out.size()) == limit) break;
      out.push_back(e);
    }
    history.clear();  // one page of history, then nothing older
    return out;
  }
  std::map<std::string, json::Object> events;
  std::vector<Event> history;  // what backfill hands out
  int calls = 0;
  int backfillCalls = 0;
  std::string lastBackfillRoom;
  std::vector<std::string> lastFrom;
};

class SyncFederatedRoomsTest : public SyncServiceTest {
 protected:
  void SetUp() override {
    SyncServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sync_->setRoomEventSource(&source_);
  }
  MapEventSource source_;
};

TEST_P(SyncFederatedRoomsTest, RemoteJoinShowsTheFetchedStateButNotAsTimeline) {
  // The remote room as the resident server built it; this server never saw these outputs.
  TestRoom remote("!far:remote");
  std::vector<roomserver::OutputRoomEvent> history = {
      remote.create("@rita:remote"), remote.member("@rita:remote", "join"),
      remote.event("m.room.name", "@rita:remote", json::Object{{"name", "Far away"}}, ""),
      remote.event("m.room.join_rules", "@rita:remote", json::Object{{"join_rule", "public"}}, "")};
  std::vector<std::string> stateIds;
  for (const auto& e : history) {
    source_.events[e.eventId] = e.event;
    stateIds.push_back(e.eventId);
  }
  json::Object before = sync("@alice:test", "A1");
  std::string since = *before.find("next_batch")->getString();

  roomserver::OutputRoomEvent join = remote.member("@alice:test", "join");
  join.addsStateEventIds.insert(join.addsStateEventIds.begin(), stateIds.begin(), stateIds.end());
  feed(join);
  feed(remote.message("@rita:remote", "welcome"));

  json::Object after = sync("@alice:test", "A1", since);
  auto timeline = array(after, {"rooms", "join", "!far:remote", "timeline", "events"});
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].getStringAt("type"), "m.room.member");
  EXPECT_EQ(bodies(timeline), std::vector<std::string>{"welcome"});
  auto state = array(after, {"rooms", "join", "!far:remote", "state", "events"});
  std::map<std::string, std::string> types;
  for (const auto& e : state)
    types[std::string(*e.getStringAt("type"))] = *e.getStringAt("event_id");
  EXPECT_EQ(types["m.room.create"], stateIds[0]);
  EXPECT_EQ(types["m.room.name"], stateIds[2]);
  EXPECT_EQ(types["m.room.join_rules"], stateIds[3]);
  EXPECT_EQ(source_.calls, 1);

  // A fresh initial sync sees the same room state; the fetched events are not history.
  json::Object initial = sync("@alice:test", "A2");
  auto initialTimeline = array(initial, {"rooms", "join", "!far:remote", "timeline", "events"});
  for (const auto& e : initialTimeline) EXPECT_NE(e.getStringAt("type"), "m.room.name");
  auto members = sync_->queryMessages(CallContext{}, [&] {
    MessagesRequest r;
    r.userId = "@alice:test";
    r.roomId = "!far:remote";
    r.dir = 'b';
    r.limit = 50;
    return r;
  }());
  ASSERT_TRUE(members.ok()) << members.error().message;
  const json::Value* chunk = members->find("chunk");
  ASSERT_TRUE(chunk && chunk->isArray());
  for (const auto& e : *chunk->getArray()) EXPECT_NE(e.getStringAt("type"), "m.room.name");
}

// The join is the first timeline event here; scrolling back past it asks the roomserver for
// older history once, which then pages like local history, oldest at the end.
TEST_P(SyncFederatedRoomsTest, MessagesBackfillsHistoryFromBeforeTheJoin) {
  TestRoom remote("!far:remote");
  std::vector<roomserver::OutputRoomEvent> before = {
      remote.create("@rita:remote"), remote.member("@rita:remote", "join"),
      remote.event("m.room.history_visibility", "@rita:remote",
                   json::Object{{"history_visibility", "shared"}}, "")};
  std::vector<std::string> stateIds;
  for (const auto& e : before) {
    source_.events[e.eventId] = e.event;
    stateIds.push_back(e.eventId);
  }
  // Three messages sent before alice joined; backfill returns them in no particular order.
  std::vector<roomserver::OutputRoomEvent> old = {remote.message("@rita:remote", "old 1"),
                                                  remote.message("@rita:remote", "old 2"),
                                                  remote.message("@rita:remote", "old 3")};
  source_.history = {{old[1].eventId, old[1].event},
                     {old[2].eventId, old[2].event},
                     {old[0].eventId, old[0].event}};
  roomserver::OutputRoomEvent join = remote.member("@alice:test", "join");
  join.addsStateEventIds.insert(join.addsStateEventIds.begin(), stateIds.begin(), stateIds.end());
  // The join follows the newest old message and the visibility change (state, fetched with
  // the join): backfill must start from both.
  join.event.set("prev_events", json::Array{old[2].eventId, stateIds[2]});
  feed(join);
  feed(remote.message("@rita:remote", "new 1"));

  auto page = [&](const std::string& from, int limit) {
    MessagesRequest r;
    r.userId = "@alice:test";
    r.roomId = "!far:remote";
    r.dir = 'b';
    r.from = from;
    r.limit = limit;
    auto got = sync_->queryMessages(CallContext{}, r);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? *got : json::Object{};
  };
  json::Object first = page("", 2);
  EXPECT_EQ(bodies(array(first, {"chunk"})), std::vector<std::string>{"new 1"});
  EXPECT_EQ(source_.backfillCalls, 0);  // the page was full: no need to look further
  ASSERT_TRUE(first.find("end"));
  json::Object second = page(*first.find("end")->getString(), 10);
  EXPECT_EQ(source_.backfillCalls, 1);
  EXPECT_EQ(source_.lastBackfillRoom, "!far:remote");
  EXPECT_EQ(source_.lastFrom, (std::vector<std::string>{old[2].eventId, stateIds[2]}));
  EXPECT_EQ(bodies(array(second, {"chunk"})),
            (std::vector<std::string>{"old 3", "old 2", "old 1"}));
  // Nothing older is left: a further page asks again, finds nothing and ends.
  if (const json::Value* end = second.find("end")) {
    json::Object third = page(*end->getString(), 10);
    EXPECT_TRUE(array(third, {"chunk"}).empty());
  }
  // A room whose create event is in the timeline here never backfills.
  makeRoom("!local:test", false);
  MessagesRequest local;
  local.userId = "@alice:test";
  local.roomId = "!local:test";
  local.limit = 50;
  ASSERT_TRUE(sync_->queryMessages(CallContext{}, local).ok());
  EXPECT_EQ(source_.lastBackfillRoom, "!far:remote");
}

TEST_P(SyncFederatedRoomsTest, FederatedInviteShowsTheStrippedStateFromTheInvitingServer) {
  TestRoom remote("!far:remote");
  roomserver::OutputRoomEvent invite = remote.member("@alice:test", "invite", "@rita:remote");
  invite.kind = roomserver::OutputRoomEvent::Kind::kInvite;
  invite.addsStateEventIds.clear();  // as the roomserver outputs it: the invite alone
  json::Array stripped{json::Object{{"type", "m.room.name"},
                                    {"sender", "@rita:remote"},
                                    {"state_key", ""},
                                    {"content", json::Object{{"name", "Far away"}}}}};
  invite.event.set("unsigned", json::Object{{"invite_room_state", stripped}});
  feed(invite);
  json::Object invited = sync("@alice:test", "A1");
  auto inviteState = array(invited, {"rooms", "invite", "!far:remote", "invite_state", "events"});
  ASSERT_EQ(inviteState.size(), 2u);
  EXPECT_EQ(inviteState[0].getStringAt("type"), "m.room.name");
  EXPECT_EQ(inviteState[1].getStringAt("state_key"), "@alice:test");
  EXPECT_FALSE(at(json::Value(invited), {"rooms", "join", "!far:remote"}));
}

TEST_P(SyncFederatedRoomsTest, FederatedKnockShowsInRoomsKnockUntilWithdrawn) {
  TestRoom remote("!far:remote");
  roomserver::OutputRoomEvent knock = remote.member("@alice:test", "knock", "@alice:test");
  knock.kind = roomserver::OutputRoomEvent::Kind::kKnock;
  knock.addsStateEventIds.clear();  // as the roomserver outputs it: the knock alone
  json::Array stripped{json::Object{{"type", "m.room.join_rules"},
                                    {"sender", "@rita:remote"},
                                    {"state_key", ""},
                                    {"content", json::Object{{"join_rule", "knock"}}}}};
  knock.event.set("unsigned", json::Object{{"knock_room_state", stripped}});
  feed(knock);
  json::Object knocked = sync("@alice:test", "A1");
  auto knockState = array(knocked, {"rooms", "knock", "!far:remote", "knock_state", "events"});
  ASSERT_EQ(knockState.size(), 2u);
  EXPECT_EQ(knockState[0].getStringAt("type"), "m.room.join_rules");
  EXPECT_EQ(knockState[1].getStringAt("state_key"), "@alice:test");
  const json::Value* content = knockState[1].get("content");
  ASSERT_NE(content, nullptr);
  EXPECT_EQ(content->getStringAt("membership"), "knock");
  EXPECT_FALSE(at(json::Value(knocked), {"rooms", "invite", "!far:remote"}));
  EXPECT_FALSE(at(json::Value(knocked), {"rooms", "join", "!far:remote"}));

  // Withdrawn (the roomserver outputs our leave as a room event): the room moves to leave.
  feed(remote.member("@alice:test", "leave", "@alice:test"));
  std::string since = *knocked.find("next_batch")->getString();
  json::Object left = sync("@alice:test", "A1", since);
  EXPECT_TRUE(at(json::Value(left), {"rooms", "leave", "!far:remote"}));
  EXPECT_FALSE(at(json::Value(left), {"rooms", "knock", "!far:remote"}));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(SyncFederatedRoomsTest);

}  // namespace
}  // namespace plexus::syncapi::testing
