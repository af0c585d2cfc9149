// Event and state reads against the real roomserver: /event, /state, /state_ids, /event_auth,
// /backfill and /get_missing_events as a server that is (remote.test) or is not (other.test)
// in the room, with history visibility and server ACLs.
#include <set>

#include "federation_routes_fixture.h"
#include "plexus/events/pdu.h"

namespace plexus::federationapi {
namespace {

using testing::FederationRoutesTest;
using testing::Reply;

std::string idOf(const json::Value& pdu) {
  auto parsed = events::Pdu::fromJson(*pdu.getObject(), events::defaultRoomVersion());
  return parsed ? parsed->eventId() : std::string();
}

std::vector<std::string> idsIn(const Reply& reply, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* list = reply.body.find(key);
  if (!list || !list->getArray()) return out;
  for (const auto& v : *list->getArray()) out.push_back(v.isString() ? *v.getString() : idOf(v));
  return out;
}

class FederationReadsTest : public FederationRoutesTest {};

TEST_F(FederationReadsTest, EventIsServedToAServerInTheRoom) {
  std::string room = createPublicRoom(true);
  std::string msg = sendMessage(room, "hi");
  auto reply = call("GET", "/_matrix/federation/v1/event/" + msg);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body.find("origin")->getString() ? *reply.body.find("origin")->getString() : "",
            "us.test");
  EXPECT_TRUE(reply.body.find("origin_server_ts")->getInt());
  EXPECT_EQ(idsIn(reply, "pdus"), std::vector<std::string>{msg});
}

TEST_F(FederationReadsTest, EventIsHiddenFromAServerNotInTheRoom) {
  std::string room = createPublicRoom(true);
  std::string msg = sendMessage(room, "hi");
  auto reply = call("GET", "/_matrix/federation/v1/event/" + msg, "", &other_);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/event/$unknown").status, 404);
}

TEST_F(FederationReadsTest, WorldReadableEventIsServedToAnyServer) {
  std::string room = createPublicRoom(false, "world_readable");
  std::string msg = sendMessage(room, "public");
  auto reply = call("GET", "/_matrix/federation/v1/event/" + msg, "", &other_);
  EXPECT_EQ(reply.status, 200) << reply.raw;
}

TEST_F(FederationReadsTest, JoinedHistoryHidesEventsFromBeforeTheServerJoined) {
  std::string room = createPublicRoom(false, "joined");
  std::string before = sendMessage(room, "before");
  roomserver::JoinRequest join;
  join.roomIdOrAlias = room;
  join.userId = "@bob:remote.test";
  ASSERT_TRUE(real_->performJoin(ctx_, join).ok());
  std::string after = sendMessage(room, "after");
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/event/" + before).status, 404);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/event/" + after).status, 200);
  // Backfill from the newest event leaves out what the server may not see.
  auto reply = call("GET", "/_matrix/federation/v1/backfill/" + room + "?v=" + after + "&limit=50");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto ids = idsIn(reply, "pdus");
  EXPECT_NE(std::find(ids.begin(), ids.end(), after), ids.end());
  EXPECT_EQ(std::find(ids.begin(), ids.end(), before), ids.end());
}

TEST_F(FederationReadsTest, StateAndStateIdsAtAnEvent) {
  std::string room = createPublicRoom(true);
  std::string msg = sendMessage(room, "hi");
  auto ids = call("GET", "/_matrix/federation/v1/state_ids/" + room + "?event_id=" + msg);
  ASSERT_EQ(ids.status, 200) << ids.raw;
  auto stateIds = idsIn(ids, "pdu_ids");
  auto current = real_->queryCurrentState(ctx_, room, {});
  ASSERT_TRUE(current.ok());
  std::set<std::string> expected;
  for (const auto& e : *current) expected.insert(e.pdu.eventId());
  EXPECT_EQ(std::set<std::string>(stateIds.begin(), stateIds.end()), expected);
  EXPECT_FALSE(idsIn(ids, "auth_chain_ids").empty());

  auto full = call("GET", "/_matrix/federation/v1/state/" + room + "?event_id=" + msg);
  ASSERT_EQ(full.status, 200) << full.raw;
  auto pdus = idsIn(full, "pdus");
  EXPECT_EQ(std::set<std::string>(pdus.begin(), pdus.end()), expected);
  EXPECT_EQ(idsIn(full, "auth_chain").size(), idsIn(ids, "auth_chain_ids").size());
}

TEST_F(FederationReadsTest, StateIsRefusedToServersNotInTheRoomAndNeedsEventId) {
  std::string room = createPublicRoom(true);
  std::string msg = sendMessage(room, "hi");
  auto reply =
      call("GET", "/_matrix/federation/v1/state_ids/" + room + "?event_id=" + msg, "", &other_);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.errcode(), "M_FORBIDDEN");
  reply = call("GET", "/_matrix/federation/v1/state_ids/" + room);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.errcode(), "M_MISSING_PARAM");
  // An event of another room.
  std::string otherRoom = createPublicRoom(true);
  std::string otherMsg = sendMessage(otherRoom, "x");
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/state/" + room + "?event_id=" + otherMsg).status,
            404);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/state/!unknown:us.test?event_id=" + msg).status,
            404);
}

TEST_F(FederationReadsTest, ServerAclDenialIs403OnRoomReads) {
  std::string room = createPublicRoom(true);
  roomserver::SendEventRequest acl;
  acl.roomId = room;
  acl.sender = testing::kAlice;
  acl.type = "m.room.server_acl";
  acl.stateKey = "";
  acl.content = json::Object{{"allow", json::Array{"*"}}, {"deny", json::Array{"remote.test"}}};
  auto sent = real_->performSendEvent(ctx_, acl);
  ASSERT_TRUE(sent.ok());
  for (std::string target :
       {"/_matrix/federation/v1/event/" + sent->eventId,
        "/_matrix/federation/v1/state_ids/" + room + "?event_id=" + sent->eventId,
        "/_matrix/federation/v1/backfill/" + room + "?v=" + sent->eventId + "&limit=5",
        "/_matrix/federation/v1/event_auth/" + room + "/" + sent->eventId}) {
    auto reply = call("GET", target);
    EXPECT_EQ(reply.status, 403) << target;
    EXPECT_EQ(reply.errcode(), "M_FORBIDDEN") << target;
  }
}

TEST_F(FederationReadsTest, EventAuthReturnsTheAuthChain) {
  std::string room = createPublicRoom(true);
  std::string msg = sendMessage(room, "hi");
  auto reply = call("GET", "/_matrix/federation/v1/event_auth/" + room + "/" + msg);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto chain = idsIn(reply, "auth_chain");
  auto expected = real_->queryAuthChain(ctx_, {msg});
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(chain.size(), expected->size());
  EXPECT_FALSE(chain.empty());
}

TEST_F(FederationReadsTest, BackfillWalksBackwardsDeepestFirstWithinTheLimit) {
  std::string room = createPublicRoom(true);
  std::vector<std::string> msgs;
  for (int i = 0; i < 5; ++i) msgs.push_back(sendMessage(room, "m" + std::to_string(i)));
  auto reply =
      call("GET", "/_matrix/federation/v1/backfill/" + room + "?v=" + msgs[4] + "&limit=3");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(idsIn(reply, "pdus"), (std::vector<std::string>{msgs[4], msgs[3], msgs[2]}));
  EXPECT_TRUE(reply.body.find("origin"));

  // A huge limit is bounded; the whole room comes back once.
  reply =
      call("GET", "/_matrix/federation/v1/backfill/" + room + "?v=" + msgs[4] + "&limit=100000");
  ASSERT_EQ(reply.status, 200);
  auto all = idsIn(reply, "pdus");
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  EXPECT_LE(all.size(), 100u);
  EXPECT_GT(all.size(), 5u);

  EXPECT_EQ(call("GET", "/_matrix/federation/v1/backfill/" + room + "?limit=3").status, 400);
  EXPECT_EQ(
      call("GET", "/_matrix/federation/v1/backfill/" + room + "?v=" + msgs[4] + "&limit=x").status,
      400);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/backfill/" + room + "?v=" + msgs[4] + "&limit=3",
                 "", &other_)
                .status,
            403);
}

TEST_F(FederationReadsTest, GetMissingEventsReturnsTheGapOldestFirst) {
  std::string room = createPublicRoom(true);
  std::vector<std::string> msgs;
  for (int i = 0; i < 6; ++i) msgs.push_back(sendMessage(room, "m" + std::to_string(i)));
  json::Object body{{"earliest_events", json::Array{msgs[1]}},
                    {"latest_events", json::Array{msgs[5]}},
                    {"limit", 10}};
  auto reply = call("POST", "/_matrix/federation/v1/get_missing_events/" + room, body);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(idsIn(reply, "events"), (std::vector<std::string>{msgs[2], msgs[3], msgs[4]}));

  body.set("limit", 2);
  reply = call("POST", "/_matrix/federation/v1/get_missing_events/" + room, body);
  EXPECT_EQ(idsIn(reply, "events"), (std::vector<std::string>{msgs[3], msgs[4]}));

  auto malformed = call("POST", "/_matrix/federation/v1/get_missing_events/" + room,
                        json::Object{{"earliest_events", "x"}, {"latest_events", json::Array{}}});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(call("POST", "/_matrix/federation/v1/get_missing_events/" + room, body, &other_).status,
            403);
}

}  // namespace
}  // namespace plexus::federationapi

namespace plexus::federationapi {
namespace {

TEST_F(FederationReadsTest, TimestampToEventAsksSyncApiAsAUserOfTheOrigin) {
  std::string room = createPublicRoom(true);
  auto reply = call("GET", "/_matrix/federation/v1/timestamp_to_event/" + room + "?ts=100&dir=f");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body.find("origin_server_ts")->getInt(), 101);
  ASSERT_EQ(sync_.timestampViewers.size(), 1u);
  EXPECT_EQ(sync_.timestampViewers[0], "@bob:remote.test");
  // A server without users in the room only sees world_readable rooms (here: refused → 404).
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/timestamp_to_event/" + room + "?ts=100&dir=b", "",
                 &other_)
                .status,
            404);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/timestamp_to_event/" + room + "?ts=x&dir=b").status,
            400);
  EXPECT_EQ(
      call("GET", "/_matrix/federation/v1/timestamp_to_event/" + room + "?ts=1&dir=up").status,
      400);
  EXPECT_EQ(call("GET", "/_matrix/federation/v1/timestamp_to_event/" + room).errcode(),
            "M_MISSING_PARAM");
}

}  // namespace
}  // namespace plexus::federationapi
